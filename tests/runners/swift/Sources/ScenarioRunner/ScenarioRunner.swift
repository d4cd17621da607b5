// Conformance runner for the Swift binding (tests/scenarios/README.md), run by
// tests/runners/swift/run.sh where a Swift toolchain exists. Every API step goes through
// the uniffi binding: the generic `client.callJson(opId:path:queryJson:bodyJson:)` /
// `client.pagerJson(...)`, the core's error mapping (`KontextError.kind` / `status`) and
// `withOptions`, exactly as the Kotlin runner does.
//   ScenarioRunner --url http://127.0.0.1:PORT --out FILE --scenarios DIR
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KontextMgmt

let clientId = "sa_11111111-1111-4111-8111-111111111111"
let clientSecret = "kontext-emulator-secret"

// MARK: - normalization (the same rules as every runner)

let hexDigits = Set("0123456789abcdef".utf8)

/// Whether `b[i...]` starts with a lowercase UUID (8-4-4-4-12 hex digits).
func uuidAt(_ b: [UInt8], _ i: Int) -> Bool {
    guard i + 36 <= b.count else { return false }
    for k in 0..<36 {
        let c = b[i + k]
        if k == 8 || k == 13 || k == 18 || k == 23 {
            if c != UInt8(ascii: "-") { return false }
        } else if !hexDigits.contains(c) {
            return false
        }
    }
    return true
}

func isUUID(_ s: String) -> Bool {
    let b = Array(s.utf8)
    return b.count == 36 && uuidAt(b, 0)
}

/// `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`
func startsWithTimestamp(_ s: String) -> Bool {
    let b = Array(s.utf8)
    let shape = Array("dddd-dd-ddTdd:dd:dd".utf8)
    guard b.count >= shape.count else { return false }
    for (k, want) in shape.enumerated() {
        let c = b[k]
        if want == UInt8(ascii: "d") {
            if c < UInt8(ascii: "0") || c > UInt8(ascii: "9") { return false }
        } else if c != want {
            return false
        }
    }
    return true
}

func isVolatileKey(_ key: String) -> Bool {
    let k = key.lowercased()
    return ["secret", "token", "cursor", "requestid", "sha256"].contains { k.contains($0) }
}

final class Normalizer {
    let base: String
    var seen: [String: Int] = [:]
    var counts: [String: Int] = [:]

    init(base: String) {
        self.base = base
    }

    func num(_ kind: String, _ value: String) -> String {
        let key = kind + "\u{0}" + value
        if let n = seen[key] { return "<\(kind):\(n)>" }
        let n = (counts[kind] ?? 0) + 1
        counts[kind] = n
        seen[key] = n
        return "<\(kind):\(n)>"
    }

    func value(_ v: JSON, key: String = "") -> JSON {
        switch v {
        case .object(let members):
            var out: [String: JSON] = [:]
            for k in sortedKeys(members) { out[k] = value(members[k]!, key: k) }
            return .object(out)
        case .array(let items):
            return .array(items.map { value($0, key: key) })
        case .string(let s):
            if startsWithTimestamp(s) { return .string("<timestamp>") }
            if isVolatileKey(key) && !isUUID(s) { return .string(num("secret", s)) }
            let b = Array(s.replacingOccurrences(of: base, with: "<base>").utf8)
            var out: [UInt8] = []
            var i = 0
            while i < b.count {
                if uuidAt(b, i) {
                    out.append(contentsOf: Array(num("uuid", String(decoding: b[i..<i + 36], as: UTF8.self)).utf8))
                    i += 36
                } else {
                    out.append(b[i])
                    i += 1
                }
            }
            return .string(String(decoding: out, as: UTF8.self))
        default:
            return v
        }
    }
}

// MARK: - steps

/// RFC 6901; nil when nothing is there.
func pointer(_ doc: JSON, _ ptr: String) -> JSON? {
    if ptr.isEmpty { return doc }
    var cur = doc
    for raw in ptr.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
        let part = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        switch cur {
        case .object(let members):
            guard let next = members[part] else { return nil }
            cur = next
        case .array(let items):
            guard let i = Int(part), i >= 0, i < items.count else { return nil }
            cur = items[i]
        default:
            return nil
        }
    }
    return cur
}

/// The name of a string that is exactly `${name}`.
func wholeVariable(_ s: String) -> String? {
    guard s.hasPrefix("${"), s.hasSuffix("}"), s.count > 3 else { return nil }
    let name = s.dropFirst(2).dropLast()
    return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } ? String(name) : nil
}

/// `${name}` inside a longer string: the saved value's text.
func interpolate(_ s: String, _ env: [String: JSON]) -> String {
    var out = ""
    var rest = Substring(s)
    while let open = rest.range(of: "${") {
        out += String(rest[rest.startIndex..<open.lowerBound])
        let after = rest[open.upperBound...]
        if let close = after.firstIndex(of: "}") {
            let name = after[after.startIndex..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                let v = env[String(name)] ?? .null
                out += v.stringValue ?? jsonText(v)
                rest = after[after.index(after: close)...]
                continue
            }
        }
        out += "${"
        rest = after
    }
    return out + String(rest)
}

func subst(_ v: JSON, _ env: [String: JSON]) -> JSON {
    switch v {
    case .string(let s):
        if let name = wholeVariable(s), let saved = env[name], saved != .null { return saved }
        return .string(interpolate(s, env))
    case .array(let items):
        return .array(items.map { subst($0, env) })
    case .object(let members):
        return .object(members.mapValues { subst($0, env) })
    default:
        return v
    }
}

enum Outcome {
    /// The answer's JSON, and for a step with a `read` list the typed answer.
    case ok(JSON, typed: Any? = nil)
    case err(kind: String, status: Int32?, said: JSON)
}

// MARK: - the typed view (`read`, `unknown`)

/// The typed answer of `op` through the generated surface, the call a user makes. Swift has
/// no dynamic method call, so the operations that scenarios `read` are listed here.
func callTyped(_ c: KontextManagementClient, _ op: String, _ path: [String]) async throws -> Any {
    switch op {
    case "serviceAccounts_get": return try await c.serviceAccounts.get(id: path[0])
    case "integrations_get": return try await c.integrations.get(id: path[0])
    case "integrations_validate": return try await c.integrations.validate(id: path[0])
    case "integrations_getConnectionStatus": return try await c.integrations.getConnectionStatus(id: path[0])
    case "events_list": return try await c.events.list()
    case "traces_stats": return try await c.traces.stats()
    case "applications_get": return try await c.applications.get(id: path[0])
    case "applications_list": return try await c.applications.list()
    default: throw AdminError(description: "no typed call of \(op) in the Swift runner (add it to callTyped)")
    }
}

/// `v` without its `Optional` wrappers; nil for `nil`.
func unwrapped(_ v: Any?) -> Any? {
    guard let v = v else { return nil }
    let m = Mirror(reflecting: v)
    if m.displayStyle == .optional {
        guard let inner = m.children.first else { return nil }
        return unwrapped(inner.value)
    }
    return v
}

func snakeCase(_ name: String) -> String {
    var out = ""
    for ch in name {
        if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) }
    }
    return out
}

/// A leaf of a typed record as JSON, and whether it is an enum's `unknown(value:)` case.
func rendered(_ v: Any) -> (JSON, Bool) {
    switch v {
    case let j as JSON: return (j, false)
    case let s as String: return (.string(s), false)
    case let b as Bool: return (.bool(b), false)
    case let d as Double: return (.number(d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)), false)
    case let i as Int64: return (.number(String(i)), false)
    case let i as Int32: return (.number(String(i)), false)
    case let i as Int: return (.number(String(i)), false)
    case let t as Date: return (.string(ISO8601DateFormatter().string(from: t)), false)
    default: break
    }
    let m = Mirror(reflecting: v)
    if m.displayStyle == .enum {
        if let payload = m.children.first {
            if payload.label == "unknown" {
                let value = payload.value as? String ?? Mirror(reflecting: payload.value).children.first?.value as? String ?? ""
                return (.string(value), true)
            }
            return (.string(snakeCase(payload.label ?? "")), false)
        }
        return (.string(snakeCase(String(describing: v))), false)
    }
    return (.string(String(describing: v)), false)
}

/// What the typed record reads at the wire pointer `ptr` (known fields by their property
/// names, others through `extra`), as JSON, and whether it is an `unknown(value:)` case.
func typedRead(_ root: Any?, _ ptr: String) -> (JSON, Bool) {
    var cur: Any? = root
    for raw in ptr.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
        let part = String(raw).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        guard let at = unwrapped(cur) else { return (.null, false) }
        if let j = at as? JSON {
            if case .array(let items) = j, let i = Int(part) { cur = i < items.count ? items[i] : nil } else { cur = j[part] }
            continue
        }
        let m = Mirror(reflecting: at)
        if m.displayStyle == .collection {
            let items = Array(m.children)
            cur = Int(part).flatMap { $0 < items.count ? items[$0].value : nil }
        } else if let child = m.children.first(where: { $0.label == part }) {
            cur = child.value
        } else if let extra = m.children.first(where: { $0.label == "extra" })?.value as? [String: String], let text = extra[part] {
            cur = (try? parseJSON(text)) ?? JSON.null
        } else {
            return (.null, false)
        }
    }
    guard let leaf = unwrapped(cur) else { return (.null, false) }
    return rendered(leaf)
}

struct AdminError: Error, CustomStringConvertible {
    let description: String
}

/// The emulator's admin routes (no auth).
func admin(_ url: String, _ method: String, _ path: String, _ body: JSON? = nil) async throws -> JSON {
    var request = URLRequest(url: URL(string: url + path)!)
    request.httpMethod = method
    request.setValue("application/json", forHTTPHeaderField: "content-type")
    if let body = body { request.httpBody = Data(jsonText(body).utf8) }
    let (status, text): (Int, String) = try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error = error {
                continuation.resume(throwing: error)
            } else {
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                continuation.resume(returning: (status, String(decoding: data ?? Data(), as: UTF8.self)))
            }
        }.resume()
    }
    guard (200..<300).contains(status) else { throw AdminError(description: "admin \(method) \(path): \(status)") }
    return text.isEmpty ? .null : try parseJSON(text)
}

let adminRoutes: [String: (String, String)] = [
    "seed": ("POST", "/_emulator/seed"), "faults": ("PUT", "/_emulator/faults"),
    "tokens": ("POST", "/_emulator/tokens"), "stats": ("GET", "/_emulator/stats"),
    "reset": ("POST", "/_emulator/reset"),
]

func runStep(_ url: String, _ client: KontextManagementClient, _ step: JSON) async throws -> (String, Outcome) {
    if let kind = step["admin"]?.stringValue, !kind.isEmpty {
        guard let route = adminRoutes[kind] else { throw AdminError(description: "unknown admin step \(kind)") }
        return ("admin:\(kind)", .ok(try await admin(url, route.0, route.1, step["body"])))
    }
    guard let op = step["op"]?.stringValue else { throw AdminError(description: "a step without op or admin") }
    do {
        var c = client
        if let cfg = step["client"], case .object = cfg {
            if let token = cfg["token"] {
                c = try KontextManagementClient(baseUrl: url, token: token.stringValue ?? jsonText(token))
            } else {
                var scopes: [String]? = nil
                if case .array(let s)? = cfg["scopes"] { scopes = s.compactMap { $0.stringValue } }
                c = try KontextManagementClient(
                    baseUrl: url, clientId: cfg["clientId"]?.stringValue ?? clientId,
                    clientSecret: cfg["clientSecret"]?.stringValue ?? clientSecret, scopes: scopes
                )
            }
        }
        if let o = step["options"], case .object = o {
            let timeout: TimeInterval? = o["timeout"]?.doubleValue
            let maxRetries: Int32? = o["maxRetries"]?.intValue.map { Int32($0) }
            c = try c.withOptions(timeout: timeout, maxRetries: maxRetries)
        }
        var path: [String] = []
        if case .array(let parts)? = step["path"] { path = parts.map { $0.stringValue ?? jsonText($0) } }
        let query = jsonText(step["query"] ?? .object([:]))
        if step["walk"]?.boolValue == true {
            let pager = try c.pagerJson(opId: op, path: path, queryJson: query)
            var items: [JSON] = []
            while let page = try await pager.nextPage() {
                if case .array(let more)? = try parseJSON(page)["items"] { items.append(contentsOf: more) }
            }
            return (op, .ok(.object(["items": .array(items)])))
        }
        let body: String? = step["body"].map { jsonText($0) }
        let json = try parseJSON(try await c.callJson(opId: op, path: path, queryJson: query, bodyJson: body))
        // A step with a `read` list is also made through the typed surface.
        let typed: Any? = step["read"] == nil ? nil : try await callTyped(c, op, path)
        return (op, .ok(json, typed: typed))
    } catch let e as KontextError {
        let info = e.info()
        let diagnostics: [JSON] = info.diagnostics.map { d in
            var o: [String: JSON] = ["message": .string(d.message)]
            if let v = d.severity { o["severity"] = .string(v) }
            if let v = d.policyId { o["policyId"] = .string(v) }
            if let v = d.start { o["start"] = .number(String(v)) }
            if let v = d.end { o["end"] = .number(String(v)) }
            return .object(o)
        }
        let said = JSON.object([
            "message": .string(info.message),
            "missingScopes": .array(info.missingScopes.map { .string($0) }),
            "diagnostics": .array(diagnostics),
        ])
        return (op, .err(kind: e.kind, status: e.status, said: said))
    }
}

func runScenarios(url: String, dir: String) async throws -> (lines: [String], failures: [String], files: Int) {
    let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
    var lines: [String] = []
    var failures: [String] = []
    for name in names {
        let scen = String(name.dropLast(".json".count))
        let doc = try parseJSON(try String(contentsOfFile: dir + "/" + name, encoding: .utf8))
        _ = try await admin(url, "DELETE", "/_emulator/faults")
        _ = try await admin(url, "POST", "/_emulator/reset")
        let client = try KontextManagementClient(baseUrl: url, clientId: clientId, clientSecret: clientSecret)
        let norm = Normalizer(base: url)
        var env: [String: JSON] = [:]
        guard case .array(let steps)? = doc["steps"] else { throw AdminError(description: "\(name): no steps") }
        for (idx, rawStep) in steps.enumerated() {
            let i = idx + 1
            let step = subst(rawStep, env)
            let (label, res) = try await runStep(url, client, step)
            let exp = step["expect"] ?? .object([:])
            let at = "\(scen) step \(i) (\(label))"
            switch res {
            case .err(let kind, let status, let said):
                var line = "\(scen)\t\(i)\t\(label)\terror \(kind) \(status.map { String($0) } ?? "-")"
                if exp["message"] != nil {
                    line += " " + jsonText(norm.value(said))
                    for key in ["message", "missingScopes", "diagnostics"] where exp[key] != nil && jsonText(exp[key]!) != jsonText(said[key] ?? .null) {
                        failures.append("\(at): \(key) \(jsonText(said[key] ?? .null)), expected \(jsonText(exp[key]!))")
                    }
                }
                lines.append(line)
                if exp["error"]?.stringValue != kind {
                    failures.append("\(at): unexpected error \(kind) \(status.map { String($0) } ?? "nil")")
                } else if let want = exp["status"]?.intValue, Int32(want) != status {
                    failures.append("\(at): status \(status.map { String($0) } ?? "nil"), expected \(want)")
                }
            case .ok(let body, let typed):
                var line = "\(scen)\t\(i)\t\(label)\tok \(jsonText(norm.value(body)))"
                if case .array(let reads)? = step["read"] {
                    var got: [String: (JSON, Bool)] = [:]
                    for r in reads { if let p = r.stringValue { got[p] = typedRead(typed, p) } }
                    let read = norm.value(.object(got.mapValues { $0.0 }))
                    line += "\tread \(jsonText(read))"
                    if case .object(let want)? = exp["read"] {
                        for p in sortedKeys(want) where jsonText(read[p] ?? .null) != jsonText(want[p]!) {
                            failures.append("\(at): the typed model reads \(p) = \(jsonText(read[p] ?? .null)), expected \(jsonText(want[p]!))")
                        }
                    }
                    if case .array(let unknown)? = step["unknown"] {
                        for u in unknown where got[u.stringValue ?? ""]?.1 != true {
                            failures.append("\(at): \(u.stringValue ?? "") is not an unknown(value:) case")
                        }
                    }
                }
                lines.append(line)
                if let wanted = exp["error"] {
                    failures.append("\(at): expected \(jsonText(wanted)), got a success")
                    continue
                }
                if case .object(let m)? = exp["match"] {
                    for ptr in sortedKeys(m) {
                        let got = pointer(body, ptr)
                        if got == nil || jsonText(got) != jsonText(m[ptr]) {
                            failures.append("\(at): \(ptr) = \(got.map { jsonText($0) } ?? "missing"), expected \(jsonText(m[ptr]))")
                        }
                    }
                }
                if let want = exp["count"]?.intValue {
                    var n: Int? = nil
                    if case .array(let items)? = body["items"] { n = items.count }
                    if n != want { failures.append("\(at): \(n.map { String($0) } ?? "no") items, expected \(want)") }
                }
                if case .object(let saves)? = step["save"] {
                    for (v, ptr) in saves {
                        let got = pointer(body, ptr.stringValue ?? "")
                        if got == nil { failures.append("\(at): nothing at \(ptr.stringValue ?? "") to save") }
                        env[v] = got ?? .null
                    }
                }
            }
        }
    }
    return (lines, failures, names.count)
}

@main
struct Main {
    static func main() async {
        var args: [String: String] = [:]
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let key = it.next() {
            guard key.hasPrefix("--"), let value = it.next() else {
                FileHandle.standardError.write(Data("usage: ScenarioRunner --url URL --out FILE --scenarios DIR\n".utf8))
                exit(2)
            }
            args[String(key.dropFirst(2))] = value
        }
        guard let rawUrl = args["url"], let out = args["out"], let dir = args["scenarios"] else {
            FileHandle.standardError.write(Data("usage: ScenarioRunner --url URL --out FILE --scenarios DIR\n".utf8))
            exit(2)
        }
        var url = rawUrl
        while url.hasSuffix("/") { url.removeLast() }
        do {
            let (lines, failures, files) = try await runScenarios(url: url, dir: dir)
            try (lines.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
            print("swift: \(files) scenarios, \(lines.count) steps, \(failures.count) failures -> \(out)")
            for f in failures { FileHandle.standardError.write(Data("FAIL \(f)\n".utf8)) }
            exit(failures.isEmpty && !lines.isEmpty ? 0 : 1)
        } catch {
            FileHandle.standardError.write(Data("swift runner: \(error)\n".utf8))
            exit(1)
        }
    }
}
