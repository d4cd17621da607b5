import Foundation
import XCTest
@testable import KontextMgmt

/// The client against the hostile server (crates/kontext-mgmt-hostile) test.sh started.
final class HostileTests: XCTestCase {
    private var url: String {
        guard let url = ProcessInfo.processInfo.environment["KONTEXT_HOSTILE_URL"] else {
            fatalError("KONTEXT_HOSTILE_URL is not set: run bindings/uniffi/test.sh, which starts the hostile server")
        }
        return url
    }

    private func client(_ scenario: String, timeout: TimeInterval? = nil, maxBodyBytes: Int64? = nil) throws -> KontextManagementClient {
        try KontextManagementClient(
            baseUrl: "\(url)/\(scenario)", clientId: "id", clientSecret: "secret", timeout: timeout, maxBodyBytes: maxBodyBytes
        )
    }

    func testHugeAndEndlessBodiesFailWithResponseTooLarge() async throws {
        for scenario in ["body-2000000000", "endless"] {
            let client = try client(scenario)
            let error = await expectError { _ = try await client.applications.list() }
            guard case .ResponseTooLarge(_, let limit)? = error else {
                return XCTFail("\(scenario): expected ResponseTooLarge, got \(String(describing: error))")
            }
            XCTAssertEqual(limit, 33_554_432)
            XCTAssertEqual(error?.kind, "ResponseTooLarge")
            XCTAssertEqual(error?.info().limit, 33_554_432)
        }
        let small = try client("chunked-3000", maxBodyBytes: 2000)
        let error = await expectError { _ = try await small.applications.list() }
        XCTAssertEqual(error?.kind, "ResponseTooLarge")
    }

    func testExtremeNumbersFromTheWireNeverCrash() async throws {
        let notFound = try client("status-404+retry-after-1e30")
        let missing = await expectError { _ = try await notFound.applications.get(id: "x") }
        XCTAssertEqual(missing?.kind, "NotFound")
        let rateLimited = try client("status-429+retry-after-ms-1e300")
        let limited = await expectError { _ = try await rateLimited.applications.list() }
        XCTAssertEqual(limited?.kind, "RateLimited")
        XCTAssertEqual(limited?.retryAfter, 86_400)
        let page = try await client("token-expires-1e300").applications.list()
        XCTAssertEqual(page.items.count, 0)
    }

    func testAHangingTokenEndpointTimesOut() async throws {
        let client = try client("token-hang", timeout: 2)
        let started = Date()
        let error = await expectError { _ = try await client.applications.list() }
        XCTAssertEqual(error?.kind, "TimeoutError")
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.0)
    }

    func testARepeatedCursorEndsTheWalk() async throws {
        let client = try client("cursor-repeat-empty")
        let error = await expectError {
            for try await _ in client.applications.listAll() {}
        }
        XCTAssertEqual(error?.kind, "DecodeError")
    }
}
