import Foundation
import XCTest
import KontextMgmt

// -- helpers a user would write ----------------------------------------------------------

private func publicApp(_ name: String) -> CreateApplicationInput {
    CreateApplicationInput(name: name, oauth: CreateApplicationOAuthInput(type: .public, redirectUris: []))
}

private func json(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

private func names(_ client: KontextManagementClient) async throws -> [String] {
    try await client.applications.list().items.map(\.name).sorted()
}

/// A user's test suite, written against the test kit only (`Emulator`, `EmulatorOptions`):
/// every test starts its own emulator in this process, nothing of the emulator test.sh runs.
final class TestKitTests: XCTestCase {
    // -- the "user automation" under test -------------------------------------------------

    /// Creates an application and attaches a new MCP integration to it; the app's id.
    func provisionReviewer(_ client: KontextManagementClient, mcpUrl: String) async throws -> String {
        let app = try await client.applications.create(body: publicApp("PR Reviewer")).application
        let integration = try await client.integrations.create(body: CreateIntegrationInput(name: "GitHub", url: mcpUrl)).integration
        _ = try await client.applications.attachIntegration(id: app.id, integrationId: integration.id)
        return app.id
    }

    // -- tests -----------------------------------------------------------------------------

    func testTheAutomationRunsAsAProvisionedServiceAccount() async throws {
        let emu = try Emulator.start()
        defer { emu.stop() }
        let creds = try await emu.createServiceAccount(name: "ci-bot").credentials
        let client = try emu.client(clientId: creds.clientId, clientSecret: creds.clientSecret)
        let appId = try await provisionReviewer(client, mcpUrl: "https://mcp.example.com/sse")
        let attached = try await client.applications.listIntegrations(id: appId).integrationIds
        XCTAssertEqual(attached.count, 1)

        let calls = try emu.requests().map { "\($0.method) \($0.path)" }.filter { $0.contains(" /api/") }
        XCTAssertEqual(Array(calls.suffix(4)), [
            "POST /api/v1/applications",
            "POST /api/v1/integrations",
            "POST /api/v1/applications/\(appId)/integrations/\(attached[0])",
            "GET /api/v1/applications/\(appId)/integrations",
        ])
        let body = try XCTUnwrap(try emu.requests().last { $0.path == "/api/v1/integrations" }?.body)
        let posted = try XCTUnwrap(try json(body) as? [String: String])
        XCTAssertEqual(posted, ["name": "GitHub", "url": "https://mcp.example.com/sse"])
        let stats = try XCTUnwrap(try json(try emu.stats()) as? [String: Any])
        XCTAssertEqual((stats["requests"] as? [String: Int])?["POST /api/v1/applications"], 1)
        // The log shows the service account's secret as "***", never the secret itself.
        XCTAssertFalse(try emu.requests().contains { $0.body.contains(creds.clientSecret) })
    }

    func testTheSdkRetriesA503Burst() async throws {
        let emu = try Emulator.start()
        defer { emu.stop() }
        try emu.setFaults(faults: #"{"script": [{"method": "POST", "path": "/api/v1/applications", "status": 503, "count": 2}]}"#)
        let appId = try await provisionReviewer(try emu.client(maxRetries: 2), mcpUrl: "https://mcp.example.com/sse")
        let statuses = try emu.requests().filter { $0.path == "/api/v1/applications" }.map(\.status)
        XCTAssertEqual(statuses, [503, 503, 201])
        let name = try await emu.client().applications.get(id: appId).application.name
        XCTAssertEqual(name, "PR Reviewer")
    }

    func testA503BurstLongerThanTheRetriesIsAServerError() async throws {
        let faults = #"{"script": [{"path": "/api/v1/applications", "status": 503, "count": 5}]}"#
        let emu = try Emulator.start(options: EmulatorOptions(faults: faults))
        defer { emu.stop() }
        let client = try emu.client(maxRetries: 1)
        let error = await expectError { _ = try await client.applications.list() }
        XCTAssertEqual(error?.kind, "ServerError")
        XCTAssertEqual(error?.status, 503)
        try emu.setFaults()
        let left = try await names(emu.client())
        XCTAssertEqual(left, [])
    }

    func testSeededState() async throws {
        let seed = #"{"applications": [{"name": "seeded-one"}, {"name": "seeded-two"}]}"#
        let emu = try Emulator.start(options: EmulatorOptions(seed: seed))
        defer { emu.stop() }
        let seeded = try await names(emu.client())
        XCTAssertEqual(seeded, ["seeded-one", "seeded-two"])
        let counts = try XCTUnwrap(try json(try emu.seed(document: #"{"integrations": [{"name": "GitHub", "url": "https://mcp.example.com/sse"}]}"#)) as? [String: Int])
        XCTAssertEqual(counts["applications"], 2)
        XCTAssertEqual(counts["integrations"], 1)
    }

    func testTwoEmulatorsAtOnceShareNothing() async throws {
        let first = try Emulator.start()
        let second = try Emulator.start()
        defer {
            first.stop()
            second.stop()
        }
        XCTAssertNotEqual(first.baseUrl(), second.baseUrl())
        @Sendable func work(_ emu: Emulator, _ name: String) async throws -> [String] {
            let client = try emu.client()
            _ = try await client.applications.create(body: publicApp(name))
            return try await names(client)
        }
        async let a = work(first, "only-in-first")
        async let b = work(second, "only-in-second")
        let (inFirst, inSecond) = try await (a, b)
        XCTAssertEqual(inFirst, ["only-in-first"])
        XCTAssertEqual(inSecond, ["only-in-second"])
        first.stop()
        XCTAssertFalse(first.running())
        XCTAssertTrue(second.running())
        let left = try await names(second.client())
        XCTAssertEqual(left, ["only-in-second"])
    }

    func testStopFreesThePort() async throws {
        let emu = try Emulator.start()
        let port = try XCTUnwrap(URL(string: emu.baseUrl())?.port)
        let client = try emu.client(maxRetries: 0)
        emu.stop()
        emu.stop()
        XCTAssertFalse(emu.running())
        let error = await expectError { _ = try await client.applications.list() }
        XCTAssertEqual(error?.kind, "ConnectionError")
        // The port is free again: a new emulator can listen on it, with none of the old state.
        let again = try Emulator.start(options: EmulatorOptions(port: UInt16(port)))
        defer { again.stop() }
        XCTAssertEqual(URL(string: again.baseUrl())?.port, port)
        let left = try await names(again.client())
        XCTAssertEqual(left, [])
    }

    func testResetAndATokenWithoutManagementScope() async throws {
        let emu = try Emulator.start()
        defer { emu.stop() }
        _ = try await emu.client().applications.create(body: publicApp("temp"))
        try emu.reset()
        let left = try await names(emu.client())
        XCTAssertEqual(left, [])
        let token = try emu.mintToken(scope: "mcp:invoke")
        let scoped = try emu.client(token: token)
        let error = await expectError { _ = try await scoped.applications.list() }
        XCTAssertEqual(error?.kind, "Forbidden")
    }

    func testBadOptionsAndSeedsAreTypedErrors() async throws {
        let badSeed = #"{"applications": [{"description": "no name"}]}"#
        for (options, word) in [(EmulatorOptions(faults: "error_rate=7"), "faults"), (EmulatorOptions(seed: badSeed), "seed"), (EmulatorOptions(seed: "not json"), "not JSON")] {
            let error = await expectError { _ = try Emulator.start(options: options) }
            XCTAssertEqual(error?.kind, "InvalidInput")
            XCTAssertTrue(String(describing: error).contains(word), String(describing: error))
        }
        let emu = try Emulator.start()
        let seedError = await expectError { _ = try emu.seed(document: badSeed) }
        XCTAssertEqual(seedError?.kind, "InvalidInput")
        let routeError = await expectError { _ = try emu.admin(method: "GET", route: "no-such-route") }
        XCTAssertEqual(routeError?.kind, "InvalidInput")
        emu.stop()
        let stopped = await expectError { _ = try emu.stats() }
        XCTAssertEqual(stopped?.kind, "InvalidInput")
    }
}
