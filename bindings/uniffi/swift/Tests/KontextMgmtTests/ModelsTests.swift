import XCTest
@testable import KontextMgmt

final class ModelsTests: XCTestCase {
    func testEnumWireValues() {
        XCTAssertEqual(StatsPeriod(wireValue: "7d"), .p7d)
        XCTAssertEqual(StatsPeriod.p7d.wireValue, "7d")
        XCTAssertEqual(ConnectionState(wireValue: "paused"), .unknown(value: "paused"))
        XCTAssertEqual(ConnectionState.unknown(value: "paused").wireValue, "paused")
    }

    func testUnknownFieldsAreKept() async throws {
        let client = try Emu.client()
        let id = "event-\(UUID().uuidString)"
        try await Emu.seed("{\"events\": [{\"id\": \"\(id)\", \"futureField\": {\"nested\": [1, true]}}]}")
        let event = try await client.events.list(limit: 200).items.first { $0.id == id }
        XCTAssertEqual(event?.extra, ["futureField": "{\"nested\":[1,true]}"])
    }

    func testDateTimesAreDates() async throws {
        let client = try Emu.client()
        let app = try await newApplication(client).application
        XCTAssertLessThan(abs(app.createdAt.timeIntervalSinceNow), 60)
    }
}
