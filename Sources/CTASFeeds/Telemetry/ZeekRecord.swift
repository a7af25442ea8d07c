import CTASCore

/// One Zeek log record, whichever form it was written in (a TSV row under its header, or a
/// JSON object): its log path and its fields by name, decoded (Zeek's escapes undone),
/// unset fields absent. The mapping to an event, the id and the original record are made
/// from this, so both forms of a record read the same.
public struct ZeekRecord: Sendable {
    /// A field's value: one scalar as text, or a container's elements.
    public enum Value: Sendable, Equatable {
        case scalar(String)
        case list([String])
        /// A JSON number, kept as written (its exact decimal text).
        case number(String)
        /// A JSON array of numbers, each as written.
        case numbers([String])
        case bool(Bool)
    }

    public var path: String
    /// Fields in the order the log wrote them.
    public var names: [String] = []
    public var values: [Value] = []
    /// Zeek types, when the log said them (TSV); JSON records have none.
    public var types: [ZeekType]?

    public init(path: String) { self.path = path }

    public mutating func append(_ name: String, _ value: Value, type: ZeekType? = nil) {
        names.append(name)
        values.append(value)
        if let type { types = (types ?? []) + [type] }
    }

    private func index(_ name: String) -> Int? { names.firstIndex(of: name) }

    /// A scalar field as text (a list's first element; nil when unset).
    public func text(_ name: String) -> String? {
        guard let i = index(name) else { return nil }
        switch values[i] {
        case .scalar(let s), .number(let s): return s
        case .bool(let b): return b ? "T" : "F"
        case .list(let l), .numbers(let l): return l.first
        }
    }

    /// A field's elements (a scalar as one).
    public func list(_ name: String) -> [String] {
        guard let i = index(name) else { return [] }
        switch values[i] {
        case .scalar(let s), .number(let s): return [s]
        case .bool(let b): return [b ? "T" : "F"]
        case .list(let l), .numbers(let l): return l
        }
    }

    public func bool(_ name: String) -> Bool? {
        guard let i = index(name) else { return nil }
        switch values[i] {
        case .bool(let b): return b
        case .scalar(let s): return s == "T" ? true : s == "F" ? false : nil
        default: return nil
        }
    }

    /// The type of a field when known.
    public func type(_ name: String) -> ZeekType? {
        guard let types, let i = index(name), i < types.count else { return nil }
        return types[i]
    }

    /// Every address the record holds: `addr`-typed fields (TSV), or (JSON, untyped) fields
    /// whose values parse as IP addresses.
    public func addresses() -> [String] {
        var out: [String] = []
        for (i, name) in names.enumerated() {
            if let types, i < types.count {
                guard types[i].element == .addr else { continue }
                out += list(name)
            } else {
                for value in list(name) where AddressScope(address: value) != nil { out.append(value) }
            }
        }
        return out
    }

    // MARK: identity and the original

    /// Fields that say how the record was written, not what it is.
    static let formatFields: Set<String> = ["_path", "_write_ts", "_system_name", "_node"]

    /// A 128-bit hash of the record's content, the same for its TSV and its JSON form:
    /// fields in name order, times and numbers as exact microseconds, booleans as T/F,
    /// containers sorted, empty containers as unset. (Where the forms cannot agree: a JSON
    /// writer configured to print times as ISO strings inside containers, or a TSV `string`
    /// column holding what JSON wrote as a number.)
    public func contentHash() -> StableHash128 {
        var hash = StableHash128()
        hash.combine(path)
        let order = names.indices.sorted { names[$0] < names[$1] }
        for i in order where !Self.formatFields.contains(names[i]) {
            let canonical: [String]
            switch values[i] {
            case .list(let l):
                // Sorted: a set's order is the writer's, and one record's TSV and JSON forms
                // need not list it alike.
                guard !l.isEmpty else { continue }
                canonical = l.map { Self.canonical($0, type: type(names[i])?.element) }.sorted()
            case .numbers(let l):
                guard !l.isEmpty else { continue }
                canonical = l.map { Self.micros($0).map(String.init) ?? $0 }.sorted()
            case .bool(let b): canonical = [b ? "T" : "F"]
            case .number(let n): canonical = [Self.micros(n).map(String.init) ?? n]
            case .scalar(let s): canonical = [Self.canonical(s, type: type(names[i]))]
            }
            hash.combine(names[i])
            for c in canonical { hash.combine(c) }
            hash.separator()
        }
        return hash
    }

    /// A scalar's canonical text: numbers (typed, or ISO times in JSON) as microseconds.
    static func canonical(_ text: String, type: ZeekType?) -> String {
        if let type {
            if type.isNumeric { return micros(text).map(String.init) ?? text }
            return text
        }
        // Untyped (JSON): an ISO 8601 time string is a time.
        if text.utf8.count >= 19, text.utf8.count <= 40, let t = try? RFC3339.parse(text) { return String(t.microseconds) }
        return text
    }

    /// A decimal number's value × 10⁶ as an exact integer, truncated toward zero (nil when
    /// it is not a plain decimal, `1521911720.629574`, or one in exponent form, `2.385616957e+09`
    /// as Zeek writes large times, or does not fit).
    static func micros(_ text: String) -> Int64? {
        var mantissa: Int64 = 0
        var fractionDigits = 0
        var exponent = 0
        var negative = false
        var seenDot = false
        var any = false
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        if let e = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            var expText = bytes[(e + 1)...]
            var expNegative = false
            if expText.first == UInt8(ascii: "+") || expText.first == UInt8(ascii: "-") {
                expNegative = expText.first == UInt8(ascii: "-")
                expText = expText.dropFirst()
            }
            guard !expText.isEmpty, expText.count <= 3, expText.allSatisfy({ $0 &- 48 < 10 }) else { return nil }
            exponent = expText.reduce(0) { $0 * 10 + Int($1 - 48) } * (expNegative ? -1 : 1)
            bytes = bytes[..<e]
        }
        for byte in bytes {
            if byte == UInt8(ascii: ".") && !seenDot { seenDot = true; continue }
            let d = byte &- 48
            guard d < 10 else { return nil }
            any = true
            if mantissa > 99_999_999_999_999_999 / 10 {
                // Digits beyond what fits change nothing at microsecond precision once far
                // enough right of the point; before it they overflow.
                guard seenDot else { return nil }
                continue
            }
            mantissa = mantissa * 10 + Int64(d)
            if seenDot { fractionDigits += 1 }
        }
        guard any else { return nil }
        var scale = 6 + exponent - fractionDigits
        var value = mantissa
        while scale > 0 {
            let (m, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = m
            scale -= 1
        }
        while scale < 0 && value != 0 {
            value /= 10
            scale += 1
        }
        return negative ? -value : value
    }

    /// The record as the JSON object Zeek's JSON writer produces (`_path` first, unset fields
    /// left out, numbers as numbers, times as epoch seconds, sets and vectors as arrays).
    public func json() -> String {
        var out: [UInt8] = Array(#"{"_path":"#.utf8)
        JSONString.append(path, to: &out)
        for (i, name) in names.enumerated() where name != "_path" {
            out.append(UInt8(ascii: ","))
            JSONString.append(name, to: &out)
            out.append(UInt8(ascii: ":"))
            let t = type(name)
            switch values[i] {
            case .bool(let b): out += Array((b ? "true" : "false").utf8)
            case .number(let n): out += Array(n.utf8)
            case .numbers(let l): out += Array(("[" + l.joined(separator: ",") + "]").utf8)
            case .list(let l):
                out.append(UInt8(ascii: "["))
                for (k, e) in l.enumerated() {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    Self.appendScalar(e, type: t?.element, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .scalar(let s): Self.appendScalar(s, type: t, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendScalar(_ s: String, type: ZeekType?, to out: inout [UInt8]) {
        if let type {
            if type == .bool, s == "T" || s == "F" { out += Array((s == "T" ? "true" : "false").utf8); return }
            if type.isNumeric, micros(s) != nil { out += Array(s.utf8); return }
        }
        JSONString.append(s, to: &out)
    }
}
