import XCTest
@testable import KontextMgmt

final class PaginationTests: XCTestCase {
    func testAsyncSequenceWalksEveryPage() async throws {
        let client = try Emu.client()
        let prefix = Emu.unique("page")
        for i in 0..<12 {
            _ = try await client.serviceAccounts.create(body: CreateServiceAccountInput(name: "\(prefix)-\(i)"))
        }
        var all: [ServiceAccount] = []
        for try await account in client.serviceAccounts.listAll(limit: 200) {
            all.append(account)
        }
        XCTAssertEqual(all.filter { $0.name.hasPrefix(prefix) }.count, 12)

        let before = try await Emu.stats()["GET /api/v1/service-accounts"] ?? 0
        var walked: [String] = []
        for try await account in client.serviceAccounts.listAll(limit: 5) {
            walked.append(account.id)
        }
        XCTAssertEqual(walked, all.map(\.id))
        let after = try await Emu.stats()["GET /api/v1/service-accounts"] ?? 0
        XCTAssertEqual(after - before, (all.count + 4) / 5)

        var pages = 0
        for try await _ in client.serviceAccounts.listPages(limit: 5) {
            pages += 1
        }
        XCTAssertEqual(pages, (all.count + 4) / 5)
    }

    func testBreakingOutFetchesOnePage() async throws {
        let client = try Emu.client()
        let before = try await Emu.stats()["GET /api/v1/applications"] ?? 0
        var seen = 0
        for try await _ in client.applications.listAll(limit: 5) {
            seen += 1
            if seen == 3 {
                break
            }
        }
        let after = try await Emu.stats()["GET /api/v1/applications"] ?? 0
        XCTAssertEqual(after - before, 1)
    }

    func testOffsetPagination() async throws {
        let client = try Emu.client()
        let appId = try await newApplication(client).application.id
        let traces = (0..<5).map { "{\"traceId\": \"t-\(appId)-\($0)\", \"agentId\": \"\(appId)\"}" }
        try await Emu.seed("{\"traces\": [\(traces.joined(separator: ", "))]}")
        var count = 0
        for try await _ in client.traces.listAll(limit: 2, agentId: appId) {
            count += 1
        }
        XCTAssertEqual(count, 5)
    }
}
