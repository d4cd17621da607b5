// A small JSON value type with a parser and the transcripts' canonical printer.
// Hand-written rather than JSONSerialization so that numbers keep their text and booleans
// stay booleans on both Darwin and swift-corelibs-foundation (their NSNumber bridging
// differs), which the byte-identical transcripts need.

enum JSON: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var doubleValue: Double? {
        if case .number(let text) = self { return Double(text) }
        return nil
    }

    var intValue: Int? {
        guard let d = doubleValue, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    var boolValue: Bool {
        if case .bool(let b) = self { return b }
        return false
    }
}

struct JSONError: Error, CustomStringConvertible {
    let description: String
}

/// Keys in UTF-16 code-unit order, as Kotlin's, JavaScript's and Python's sorts give for
/// the keys the API uses.
func sortedKeys(_ members: [String: JSON]) -> [String] {
    members.keys.sorted { Array($0.utf16).lexicographicallyPrecedes(Array($1.utf16)) }
}

func parseJSON(_ text: String) throws -> JSON {
    var parser = JSONParser(bytes: Array(text.utf8))
    return try parser.parseDocument()
}

struct JSONParser {
    let bytes: [UInt8]
    var at = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws -> JSON {
        skipSpace()
        let value = try parseValue()
        skipSpace()
        guard at == bytes.count else { throw fail("trailing characters") }
        return value
    }

    func fail(_ what: String) -> JSONError {
        JSONError(description: "invalid JSON at byte \(at): \(what)")
    }

    mutating func skipSpace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    mutating func literal(_ word: String, _ value: JSON) throws -> JSON {
        let w = Array(word.utf8)
        guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else { throw fail("expected \(word)") }
        at += w.count
        return value
    }

    mutating func parseValue() throws -> JSON {
        guard at < bytes.count else { throw fail("unexpected end") }
        switch bytes[at] {
        case UInt8(ascii: "{"):
            at += 1
            var members: [String: JSON] = [:]
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try parseString()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                at += 1
                skipSpace()
                members[key] = try parseValue()
                skipSpace()
                guard at < bytes.count else { throw fail("unexpected end") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            at += 1
            var items: [JSON] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try parseValue())
                skipSpace()
                guard at < bytes.count else { throw fail("unexpected end") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            return try literal("true", .bool(true))
        case UInt8(ascii: "f"):
            return try literal("false", .bool(false))
        case UInt8(ascii: "n"):
            return try literal("null", .null)
        default:
            let start = at
            while at < bytes.count, "+-.eE0123456789".utf8.contains(bytes[at]) { at += 1 }
            guard at > start else { throw fail("unexpected character") }
            let text = String(decoding: bytes[start..<at], as: UTF8.self)
            guard Double(text) != nil else { throw fail("bad number \(text)") }
            return .number(text)
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
            throw fail("bad \\u escape")
        }
        at += 4
        return v
    }

    mutating func parseString() throws -> String {
        at += 1  // the opening quote
        var out: [UInt8] = []
        while true {
            guard at < bytes.count else { throw fail("unterminated string") }
            let b = bytes[at]
            at += 1
            if b == UInt8(ascii: "\"") { break }
            if b != UInt8(ascii: "\\") { out.append(b); continue }
            guard at < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), at + 6 <= bytes.count,
                   bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
                    at += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8))
            default:
                throw fail("bad escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Compact JSON, keys sorted, integral numbers as integers: byte for byte what the other
/// runners print (JavaScript's JSON.stringify of the same value).
func jsonText(_ value: JSON?) -> String {
    var out = ""
    jsonText(value ?? .null, into: &out)
    return out
}

func jsonText(_ value: JSON, into out: inout String) {
    switch value {
    case .null:
        out += "null"
    case .bool(let b):
        out += b ? "true" : "false"
    case .number(let text):
        out += canonicalNumber(text)
    case .string(let s):
        dumpString(s, into: &out)
    case .array(let items):
        out += "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += "," }
            jsonText(item, into: &out)
        }
        out += "]"
    case .object(let members):
        out += "{"
        for (i, key) in sortedKeys(members).enumerated() {
            if i > 0 { out += "," }
            dumpString(key, into: &out)
            out += ":"
            jsonText(members[key]!, into: &out)
        }
        out += "}"
    }
}

func canonicalNumber(_ text: String) -> String {
    let isInteger = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
    if isInteger { return text == "-0" ? "0" : text }
    let d = Double(text) ?? 0
    if d == d.rounded(), abs(d) < 9.0e15 { return String(Int64(d)) }
    return "\(d)"
}

func dumpString(_ s: String, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out += "\""
}
