import XCTest
@testable import KontextMgmt

final class ApplicationsTests: XCTestCase {
    func testCreateGetListArchive() async throws {
        let client = try Emu.client()
        let created = try await newApplication(client)
        let app = created.application
        XCTAssertFalse(app.id.isEmpty)
        XCTAssertEqual(app.description, "made by the Swift tests")
        XCTAssertEqual(created.oauth.type, .confidential)
        XCTAssertNotNil(created.oauth.clientSecret)

        let got = try await client.applications.get(id: app.id).application
        XCTAssertEqual(got.id, app.id)
        XCTAssertEqual(got.createdAt, app.createdAt)
        let page = try await client.applications.list(limit: 200)
        XCTAssertLessThanOrEqual(page.items.count, 200)

        try await client.applications.archive(id: app.id)
        let error = await expectError { _ = try await client.applications.get(id: app.id) }
        XCTAssertEqual(error?.status, 404)
        XCTAssertEqual(error?.kind, "NotFound")
    }

    func testUpdateAndClear() async throws {
        let client = try Emu.client()
        let app = try await newApplication(client).application
        let name = Emu.unique("renamed")
        let updated = try await client.applications.update(id: app.id, body: UpdateApplicationInput(name: name)).application
        XCTAssertEqual(updated.name, name)
        XCTAssertEqual(updated.description, "made by the Swift tests")
        let cleared = try await client.applications.update(id: app.id, body: UpdateApplicationInput(clearDescription: true)).application
        XCTAssertNil(cleared.description)
    }

    func testOAuthAndRotation() async throws {
        let client = try Emu.client()
        let created = try await newApplication(client)
        let id = created.application.id
        let oauth = try await client.applications.getOAuth(id: id).oauth
        XCTAssertNil(oauth.clientSecret)
        let rotated = try await client.applications.rotateSecret(id: id).oauth
        XCTAssertNotNil(rotated.clientSecret)
        XCTAssertNotEqual(rotated.clientSecret, created.oauth.clientSecret)
        let changed = try await client.applications.updateOAuth(id: id, body: UpdateApplicationOAuthInput(redirectUris: ["https://a.example/cb"], pkceRequired: true)).oauth
        XCTAssertEqual(changed.redirectUris, ["https://a.example/cb"])
        XCTAssertTrue(changed.pkceRequired)
    }

    func testIntegrationsOfAnApplication() async throws {
        let client = try Emu.client()
        let app = try await newApplication(client).application
        let first = try await client.integrations.create(body: CreateIntegrationInput(name: Emu.unique("int"), url: "https://mcp.example.com/a")).integration
        let second = try await client.integrations.create(body: CreateIntegrationInput(name: Emu.unique("int"), url: "https://mcp.example.com/b")).integration
        let value2 = try await client.applications.listIntegrations(id: app.id).integrationIds
        XCTAssertEqual(value2, [])
        _ = try await client.applications.setIntegrations(id: app.id, body: IntegrationIdList(integrationIds: [first.id]))
        let attached = try await client.applications.attachIntegration(id: app.id, integrationId: second.id).integrationIds
        XCTAssertEqual(Set(attached), Set([first.id, second.id]))
        try await client.applications.detachIntegration(id: app.id, integrationId: first.id)
        let value3 = try await client.applications.listIntegrations(id: app.id).integrationIds
        XCTAssertEqual(value3, [second.id])
        let graph = try await client.applications.accessGraph()
        XCTAssertTrue(graph.edges.contains { $0.from == app.id && $0.to == second.id })
    }

    func testSecretsNeverPrint() async throws {
        let client = try Emu.client()
        let created = try await newApplication(client)
        let secret = try XCTUnwrap(created.oauth.clientSecret)
        for text in [String(describing: created.oauth), String(reflecting: created.oauth)] {
            XCTAssertFalse(text.contains(secret), text)
            XCTAssertTrue(text.contains("clientSecret=********"), text)
        }
    }
}
