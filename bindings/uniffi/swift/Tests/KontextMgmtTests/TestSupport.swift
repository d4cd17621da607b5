import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import KontextMgmt

/// The emulator bindings/uniffi/test.sh started, and its admin routes (no auth).
enum Emu {
    static let clientId = "sa_11111111-1111-4111-8111-111111111111"
    static let clientSecret = "kontext-emulator-secret"

    static var url: String {
        guard let url = ProcessInfo.processInfo.environment["KONTEXT_EMULATOR_URL"] else {
            fatalError("KONTEXT_EMULATOR_URL is not set: run bindings/uniffi/test.sh, which starts an emulator")
        }
        return url
    }

    @discardableResult
    static func admin(_ method: String, _ path: String, _ body: String? = nil) async throws -> String {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = body?.data(using: .utf8)
        return try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error = error {
                    continuation.resume(throwing: error)
                    return
                }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let text = String(decoding: data ?? Data(), as: UTF8.self)
                if (200..<300).contains(status) {
                    continuation.resume(returning: text)
                } else {
                    continuation.resume(throwing: NSError(domain: "emulator", code: status, userInfo: [NSLocalizedDescriptionKey: "\(method) \(path): \(status) \(text)"]))
                }
            }.resume()
        }
    }

    static func faults(_ json: String) async throws {
        try await admin("PUT", "/_emulator/faults", json)
    }

    static func clearFaults() async throws {
        try await admin("DELETE", "/_emulator/faults")
    }

    static func seed(_ json: String) async throws {
        try await admin("POST", "/_emulator/seed", json)
    }

    static func mintToken(scope: String) async throws -> String {
        let body = try await admin("POST", "/_emulator/tokens", "{\"scope\": \"\(scope)\"}")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return object?["access_token"] as? String ?? ""
    }

    /// Requests per route (`GET /api/v1/applications/{id}` → n) since the emulator started.
    static func stats() async throws -> [String: Int] {
        let body = try await admin("GET", "/_emulator/stats")
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return object?["requests"] as? [String: Int] ?? [:]
    }

    static func client(maxRetries: Int32 = 0, timeout: TimeInterval? = nil) throws -> KontextManagementClient {
        try KontextManagementClient(baseUrl: url, clientId: clientId, clientSecret: clientSecret, timeout: timeout, maxRetries: maxRetries)
    }

    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Runs `body` and returns the `KontextError` it throws (fails when it throws none or another error).
func expectError(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async -> KontextError? {
    do {
        try await body()
        XCTFail("expected a KontextError, but the call succeeded", file: file, line: line)
    } catch let error as KontextError {
        return error
    } catch {
        XCTFail("expected a KontextError, got \(error)", file: file, line: line)
    }
    return nil
}

func newApplication(_ client: KontextManagementClient, type: OAuthClientType = .confidential) async throws -> CreateApplicationResponse {
    try await client.applications.create(body: CreateApplicationInput(
        name: Emu.unique("app"),
        description: "made by the Swift tests",
        oauth: CreateApplicationOAuthInput(type: type, redirectUris: ["https://example.com/cb"], scopes: ["mcp:invoke"])
    ))
}
