import XCTest
@testable import KontextMgmt

final class ConcurrencyTests: XCTestCase {
    func test64TasksShareOneClient() async throws {
        let client = try Emu.client()
        let prefix = Emu.unique("conc")
        let ids = try await withThrowingTaskGroup(of: String.self) { group -> [String] in
            for i in 0..<64 {
                group.addTask {
                    try await client.serviceAccounts.create(body: CreateServiceAccountInput(name: "\(prefix)-\(i)")).serviceAccount.id
                }
            }
            var ids: [String] = []
            for try await id in group {
                ids.append(id)
            }
            return ids
        }
        XCTAssertEqual(Set(ids).count, 64)
    }

    func test64SlowCallsOverlap() async throws {
        let client = try Emu.client()
        let id = try await newApplication(client).application.id
        try await Emu.faults("{\"script\": [{\"method\": \"GET\", \"path\": \"/api/v1/applications/\(id)\", \"count\": 64, \"delayMs\": 1000}]}")
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    _ = try await client.applications.get(id: id)
                }
            }
            try await group.waitForAll()
        }
        let elapsed = Date().timeIntervalSince(started)
        try await Emu.clearFaults()
        // Sequentially 64 s; together about 1 s. The bound leaves a loaded machine 15 s of
        // slack and still fails if the calls queue behind each other.
        XCTAssertLessThan(elapsed, 64 * 1.0 / 4, "64 calls of 1000 ms took \(elapsed) s")
    }
}
