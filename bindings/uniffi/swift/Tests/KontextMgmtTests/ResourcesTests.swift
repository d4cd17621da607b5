import XCTest
@testable import KontextMgmt

final class ResourcesTests: XCTestCase {
    func testIntegrations() async throws {
        let client = try Emu.client()
        let created = try await client.integrations.create(body: CreateIntegrationInput(
            name: Emu.unique("github"), url: "https://mcp.example.com/sse", authMode: .oauth,
            oauth: IntegrationOAuthInput(provider: "github", scopes: ["repo"]),
            credentialSchema: ["type": "\"object\""]
        )).integration
        XCTAssertEqual(created.credentialSchema?["type"], "\"object\"")
        let value4 = try await client.integrations.get(id: created.id).integration
        XCTAssertEqual(value4, created)
        let value5 = try await client.integrations.validate(id: created.id).status
        XCTAssertEqual(value5, .valid)
        let moved = try await client.integrations.update(id: created.id, body: UpdateIntegrationInput(url: "http://insecure.example.com")).integration
        XCTAssertNil(moved.validationStatus)
        let value6 = try await client.integrations.validate(id: created.id).status
        XCTAssertEqual(value6, .invalid)
        _ = try await client.integrations.list(limit: 10)

        let config = IntegrationOAuthConfigInput(clientId: "c", clientSecret: "override-secret-value", authorizationUrl: "https://idp.example.com/a", tokenUrl: "https://idp.example.com/t")
        XCTAssertFalse(String(describing: config).contains("override-secret-value"))
        let value7 = try await client.integrations.setOAuthConfig(id: created.id, body: config).oauth.clientSecretConfigured
        XCTAssertTrue(value7)
        let value8 = try await client.integrations.getOAuthConfig(id: created.id).oauth.clientId
        XCTAssertEqual(value8, "c")
        try await client.integrations.deleteOAuthConfig(id: created.id)
        let missing = await expectError { _ = try await client.integrations.getOAuthConfig(id: created.id) }
        XCTAssertEqual(missing?.status, 404)

        try await client.integrations.archive(id: created.id)
        let gone = await expectError { _ = try await client.integrations.get(id: created.id) }
        XCTAssertEqual(gone?.kind, "NotFound")
    }

    func testConnections() async throws {
        let client = try Emu.client()
        let id = try await client.integrations.create(body: CreateIntegrationInput(name: Emu.unique("tok"), url: "https://mcp.example.com/t", authMode: .userToken)).integration.id
        let value9 = try await client.integrations.getConnectionStatus(id: id).connection.status
        XCTAssertEqual(value9, .notConnected)
        let added = try await client.integrations.addConnection(id: id, body: AddConnectionInput(token: "user-token-value", displayName: "me")).connection
        XCTAssertTrue(added.connected)
        try await client.integrations.revokeConnection(id: id)
        let value10 = try await client.integrations.getConnectionStatus(id: id).connection.connected
        XCTAssertFalse(value10)
    }

    func testServiceAccounts() async throws {
        let client = try Emu.client()
        let created = try await client.serviceAccounts.create(body: CreateServiceAccountInput(name: Emu.unique("ci-bot")))
        let account = created.serviceAccount
        XCTAssertFalse(String(describing: created).contains(created.credentials.clientSecret))
        let value11 = try await client.serviceAccounts.get(id: account.id).serviceAccount
        XCTAssertEqual(value11, account)
        _ = try await client.serviceAccounts.list(limit: 10)
        let rotated = try await client.serviceAccounts.rotateSecret(id: account.id).credentials
        XCTAssertNotEqual(rotated.clientSecret, created.credentials.clientSecret)
        let own = try KontextManagementClient(baseUrl: Emu.url, clientId: created.credentials.clientId, clientSecret: rotated.clientSecret, maxRetries: 0)
        try await own.refreshToken()
        let value12 = try await own.serviceAccounts.get(id: account.id).serviceAccount.id
        XCTAssertEqual(value12, account.id)
        try await client.serviceAccounts.revoke(id: account.id)
        let gone = await expectError { _ = try await client.serviceAccounts.get(id: account.id) }
        XCTAssertEqual(gone?.status, 404)
    }

    func testActivity() async throws {
        let client = try Emu.client()
        let appId = try await newApplication(client).application.id
        let session = UUID().uuidString.lowercased()
        let traceId = "trace-\(UUID().uuidString)"
        let eventId = "event-\(UUID().uuidString)"
        try await Emu.seed("""
        {"sessions": [{"id": "\(session)", "agentId": "\(appId)", "name": "swift-falcon", "clientInfo": {"name": "claude-code"}}],
         "events": [{"id": "\(eventId)", "traceId": "\(traceId)", "status": "error_remote", "requestJson": {"q": "x"}}],
         "traces": [{"traceId": "\(traceId)", "agentId": "\(appId)"}],
         "policy": {"policyEnabled": true, "rules": [{"action": "deny", "scope": "tool", "level": "org", "toolName": "rm"}]}}
        """)
        let value13 = try await client.agentSessions.list(applicationId: appId).items.map(\.id)
        XCTAssertEqual(value13, [session])
        let got = try await client.agentSessions.get(applicationId: appId, sessionId: session).session
        XCTAssertEqual(got.clientInfo?["name"], "\"claude-code\"")
        let value14 = try await client.agentSessions.revokeAll(applicationId: appId).disconnectedCount
        XCTAssertEqual(value14, 1)

        let value15 = try await client.traces.list(agentId: appId).items.map(\.traceId)
        XCTAssertEqual(value15, [traceId])
        let value16 = try await client.traces.get(traceId: traceId).events.map(\.id)
        XCTAssertEqual(value16, [eventId])
        let value17 = try await client.traces.stats(period: .p30d).totalTraces
        XCTAssertGreaterThan(value17, 0)
        let event = try await client.events.list(limit: 200).items.first { $0.id == eventId }
        XCTAssertEqual(event?.status, .errorRemote)
        XCTAssertEqual(event?.requestJson, "{\"q\":\"x\"}")
        let value18 = try await client.policies.getSettings().policyEnabled
        XCTAssertTrue(value18)
        let value19 = try await client.policies.listRules().map(\.toolName)
        XCTAssertEqual(value19, ["rm"])
    }
}
