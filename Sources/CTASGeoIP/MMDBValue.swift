import CTASCore

/// A value of a MaxMind DB data section, decoded whole (for `ctas geoip lookup --format
/// json`, metadata, and tests); the ingest path reads single fields without building these.
public indirect enum MMDBValue: Sendable, Equatable {
    case string(String)
    case double(Double)
    case bytes([UInt8])
    case uint16(UInt16)
    case uint32(UInt32)
    case map([(key: String, value: MMDBValue)])
    case int32(Int32)
    case uint64(UInt64)
    /// 128-bit unsigned, high and low halves.
    case uint128(high: UInt64, low: UInt64)
    case array([MMDBValue])
    case bool(Bool)
    case float(Float)

    public static func == (a: MMDBValue, b: MMDBValue) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return x == y
        case let (.double(x), .double(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.bytes(x), .bytes(y)): return x == y
        case let (.uint16(x), .uint16(y)): return x == y
        case let (.uint32(x), .uint32(y)): return x == y
        case let (.int32(x), .int32(y)): return x == y
        case let (.uint64(x), .uint64(y)): return x == y
        case let (.uint128(h1, l1), .uint128(h2, l2)): return h1 == h2 && l1 == l2
        case let (.array(x), .array(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case let (.float(x), .float(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.map(x), .map(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of `key` in a map (nil for other kinds).
    public subscript(key: String) -> MMDBValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }

    /// Any numeric kind as a Double.
    public var number: Double? {
        switch self {
        case .double(let v): v
        case .float(let v): Double(v)
        case .uint16(let v): Double(v)
        case .uint32(let v): Double(v)
        case .int32(let v): Double(v)
        case .uint64(let v): Double(v)
        case .uint128(let h, let l): Double(h) * 18_446_744_073_709_551_616 + Double(l)
        default: nil
        }
    }

    /// Any unsigned or positive integer kind that fits in UInt64.
    public var unsigned: UInt64? {
        switch self {
        case .uint16(let v): UInt64(v)
        case .uint32(let v): UInt64(v)
        case .uint64(let v): v
        case .int32(let v): v >= 0 ? UInt64(v) : nil
        case .uint128(let h, let l): h == 0 ? l : nil
        default: nil
        }
    }

    /// The value as JSON (maps keep their order; bytes as an array of numbers; 128-bit
    /// integers as decimal strings when they exceed 2^64).
    public var json: String {
        var out = ""
        appendJSON(to: &out)
        return out
    }

    func appendJSON(to out: inout String) {
        switch self {
        case .string(let s): out += JSONString.quoted(s)
        case .double(let v): out += v.isFinite ? "\(v)" : "null"
        case .float(let v): out += v.isFinite ? "\(v)" : "null"
        case .bytes(let b): out += "[" + b.map(String.init).joined(separator: ",") + "]"
        case .uint16(let v): out += String(v)
        case .uint32(let v): out += String(v)
        case .int32(let v): out += String(v)
        case .uint64(let v): out += String(v)
        case .uint128(let h, let l): out += h == 0 ? String(l) : "\"0x\(String(h, radix: 16))\(String(repeating: "0", count: 16 - String(l, radix: 16).count))\(String(l, radix: 16))\""
        case .bool(let v): out += v ? "true" : "false"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.appendJSON(to: &out)
            }
            out += "]"
        case .map(let pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                out += JSONString.quoted(pair.key) + ":"
                pair.value.appendJSON(to: &out)
            }
            out += "}"
        }
    }
}
