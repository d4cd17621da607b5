import XCTest
@testable import KontextMgmt

final class ErrorsTests: XCTestCase {
    override func tearDown() async throws {
        try await Emu.clearFaults()
    }

    private func script(_ appId: String, _ fault: String) async throws {
        try await Emu.faults("{\"script\": [{\"method\": \"GET\", \"path\": \"/api/v1/applications/\(appId)\", \"count\": 1, \(fault)}]}")
    }

    func testNotFoundCarriesEverything() async throws {
        let client = try Emu.client()
        let error = await expectError { _ = try await client.applications.get(id: "00000000-0000-4000-8000-000000000000") }
        guard case .NotFound(let status, let message, let requestId, let body)? = error else {
            return XCTFail("expected NotFound, got \(String(describing: error))")
        }
        XCTAssertEqual(status, 404)
        XCTAssertEqual(message, "Application not found")
        XCTAssertNotNil(requestId)
        XCTAssertTrue(body.contains("\"statusCode\":404"))
        XCTAssertEqual(error?.code, "kontext_not_found")
        XCTAssertEqual(error?.isApiError, true)
    }

    func testBadRequestConflictAndAuth() async throws {
        let client = try Emu.client()
        let bad = await expectError { _ = try await client.applications.list(cursor: "not-a-cursor") }
        XCTAssertEqual(bad?.kind, "BadRequest")
        let input = CreateApplicationInput(name: Emu.unique("dup"), oauth: CreateApplicationOAuthInput(redirectUris: ["https://example.com/cb"]))
        _ = try await client.applications.create(body: input)
        let conflict = await expectError { _ = try await client.applications.create(body: input) }
        XCTAssertEqual(conflict?.status, 409)

        let wrong = try KontextManagementClient(baseUrl: Emu.url, clientId: Emu.clientId, clientSecret: "definitely-wrong-secret", maxRetries: 0)
        let unauthorized = await expectError { _ = try await wrong.applications.list() }
        XCTAssertEqual(unauthorized?.kind, "Unauthorized")
        XCTAssertFalse(String(describing: unauthorized).contains("definitely-wrong-secret"))
        let token = try await Emu.mintToken(scope: "mcp:invoke")
        let narrow = try KontextManagementClient(baseUrl: Emu.url, token: token, maxRetries: 0)
        let forbidden = await expectError { _ = try await narrow.applications.list() }
        XCTAssertEqual(forbidden?.status, 403)
    }

    func testFaults() async throws {
        let client = try Emu.client()
        let id = try await newApplication(client).application.id
        try await script(id, "\"status\": 429, \"retryAfter\": 7")
        let limited = await expectError { _ = try await client.applications.get(id: id) }
        XCTAssertEqual(limited?.retryAfter, 7)
        try await script(id, "\"status\": 503")
        let server = await expectError { _ = try await client.applications.get(id: id) }
        XCTAssertEqual(server?.kind, "ServerError")
        try await script(id, "\"status\": 418")
        let other = await expectError { _ = try await client.applications.get(id: id) }
        XCTAssertEqual(other?.kind, "ApiError")
        try await script(id, "\"malformed\": true")
        let decode = await expectError { _ = try await client.applications.get(id: id) }
        XCTAssertEqual(decode?.kind, "DecodeError")
        try await script(id, "\"delayMs\": 3000")
        let impatient = try client.withOptions(timeout: 0.2, maxRetries: 0)
        let timeout = await expectError { _ = try await impatient.applications.get(id: id) }
        XCTAssertEqual(timeout?.kind, "TimeoutError")
        try await script(id, "\"status\": 500")
        let retrying = try client.withOptions(maxRetries: 2)
        let value1 = try await retrying.applications.get(id: id).application.id
        XCTAssertEqual(value1, id)

        let nowhere = try KontextManagementClient(baseUrl: "http://127.0.0.1:1", token: "t", maxRetries: 0)
        let connection = await expectError { _ = try await nowhere.applications.list() }
        XCTAssertEqual(connection?.kind, "ConnectionError")
        XCTAssertNil(connection?.status)
    }

    func testInvalidInput() async throws {
        let client = try Emu.client()
        let empty = await expectError { _ = try await client.applications.get(id: "") }
        XCTAssertEqual(empty?.kind, "InvalidInput")
        let range = await expectError { _ = try await client.applications.list(limit: 0) }
        XCTAssertEqual(range?.kind, "InvalidInput")
        XCTAssertThrowsError(try KontextManagementClient(baseUrl: Emu.url, clientId: "only-an-id"))
    }
}
