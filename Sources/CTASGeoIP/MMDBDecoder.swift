#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads the data section of a MaxMind DB (or its metadata section): control bytes, sizes,
/// pointers (relative to the section's start, never to another pointer), and every type —
/// pointer, string, double, bytes, uint16/32/64/128, int32, map, array, boolean, float. Every
/// read is checked against the section's end; nesting deeper than 64 levels (what a pointer
/// cycle through maps becomes) is refused.
struct MMDBDecoder {
    let base: UnsafeRawPointer
    /// The section's first and past-the-end byte in the file.
    let start: Int
    let end: Int
    let path: String
    /// Decoded pointer targets (nil: decode every time, as for the metadata).
    var cache: PointerCache?

    enum Kind: Int {
        case pointer = 1, string = 2, double = 3, bytes = 4, uint16 = 5, uint32 = 6, map = 7, int32 = 8
        case uint64 = 9, uint128 = 10, array = 11, container = 12, endMarker = 13, boolean = 14, float = 15
    }

    /// A field's control information: its kind, its size (bytes, or entries for maps and
    /// arrays, or the value for booleans) and where its payload starts.
    struct Field {
        var kind: Kind
        var size: Int
        var payload: Int
    }

    func fail(_ offset: Int, _ problem: String) -> GeoIPError { .corrupt(path: path, offset: offset, problem: problem) }

    @inline(__always)
    func byte(_ offset: Int) throws(GeoIPError) -> Int {
        guard offset >= start, offset < end else { throw fail(offset, "reads past the end of the section (byte \(end))") }
        return Int(base.load(fromByteOffset: offset, as: UInt8.self))
    }

    /// The control byte(s) at `offset`.
    func field(at offset: Int) throws(GeoIPError) -> Field {
        let control = try byte(offset)
        var i = offset + 1
        var raw = control >> 5
        if raw == 0 {
            raw = try byte(i) + 7
            i += 1
            guard raw >= 8 else { throw fail(offset, "extended type \(raw - 7) names no type (expected 1–8 after a 0 type)") }
        }
        guard let kind = Kind(rawValue: raw) else { throw fail(offset, "unknown data type \(raw)") }
        if kind == .pointer {
            let ss = (control >> 3) & 0x3
            let vvv = control & 0x7
            var value: Int
            switch ss {
            case 0: value = vvv << 8 | (try byte(i)); i += 1
            case 1: value = (vvv << 16 | (try byte(i)) << 8 | (try byte(i + 1))) + 2048; i += 2
            case 2: value = (vvv << 24 | (try byte(i)) << 16 | (try byte(i + 1)) << 8 | (try byte(i + 2))) + 526_336; i += 3
            default: value = (try byte(i)) << 24 | (try byte(i + 1)) << 16 | (try byte(i + 2)) << 8 | (try byte(i + 3)); i += 4
            }
            // For a pointer, `size` is its target in the file and `payload` where decoding goes on.
            return Field(kind: .pointer, size: start + value, payload: i)
        }
        var size = control & 0x1F
        switch size {
        case 29: size = 29 + (try byte(i)); i += 1
        case 30: size = 285 + ((try byte(i)) << 8 | (try byte(i + 1))); i += 2
        case 31: size = 65_821 + ((try byte(i)) << 16 | (try byte(i + 1)) << 8 | (try byte(i + 2))); i += 3
        default: break
        }
        return Field(kind: kind, size: size, payload: i)
    }

    /// The field at `offset` with a pointer followed (a pointer to a pointer is refused).
    private func resolved(_ offset: Int) throws(GeoIPError) -> (field: Field, next: Int) {
        let f = try field(at: offset)
        guard f.kind == .pointer else { return (f, try after(f, at: offset)) }
        guard f.size >= start, f.size < end else { throw fail(offset, "pointer to byte \(f.size) is outside the section") }
        let target = try field(at: f.size)
        guard target.kind != .pointer else { throw fail(offset, "pointer to another pointer (at byte \(f.size))") }
        return (target, f.payload)
    }

    /// The field at `offset` with a pointer followed, without working out what follows it.
    private func target(_ offset: Int) throws(GeoIPError) -> Field {
        let f = try field(at: offset)
        guard f.kind == .pointer else { return f }
        guard f.size >= start, f.size < end else { throw fail(offset, "pointer to byte \(f.size) is outside the section") }
        let target = try field(at: f.size)
        guard target.kind != .pointer else { throw fail(offset, "pointer to another pointer (at byte \(f.size))") }
        return target
    }

    /// Where the field after a scalar or container at `offset` starts (containers skipped whole).
    private func after(_ f: Field, at offset: Int, depth: Int = 0) throws(GeoIPError) -> Int {
        switch f.kind {
        case .map, .array:
            return try skipContainer(f, depth: depth)
        case .boolean:
            return f.payload
        case .pointer:
            return f.payload
        default:
            try checkScalar(f, at: offset)
            return f.payload + f.size
        }
    }

    private func checkScalar(_ f: Field, at offset: Int) throws(GeoIPError) {
        if f.kind == .boolean {
            // A boolean's size is its value; it has no payload.
            guard f.size <= 1 else { throw fail(offset, "a boolean of value \(f.size); expected 0 or 1") }
            return
        }
        let (last, overflow) = f.payload.addingReportingOverflow(f.size)
        guard !overflow, last <= end else { throw fail(offset, "a \(f.kind) of \(f.size) bytes runs past the end of the section") }
        switch f.kind {
        case .double: guard f.size == 8 else { throw fail(offset, "a double of \(f.size) bytes; expected 8") }
        case .float: guard f.size == 4 else { throw fail(offset, "a float of \(f.size) bytes; expected 4") }
        case .uint16: guard f.size <= 2 else { throw fail(offset, "a uint16 of \(f.size) bytes; expected at most 2") }
        case .uint32, .int32: guard f.size <= 4 else { throw fail(offset, "a 32-bit integer of \(f.size) bytes; expected at most 4") }
        case .uint64: guard f.size <= 8 else { throw fail(offset, "a uint64 of \(f.size) bytes; expected at most 8") }
        case .uint128: guard f.size <= 16 else { throw fail(offset, "a uint128 of \(f.size) bytes; expected at most 16") }
        case .container, .endMarker: throw fail(offset, "a deprecated \(f.kind == .container ? "data cache container" : "end marker") field")
        case .boolean: guard f.size <= 1 else { throw fail(offset, "a boolean of value \(f.size); expected 0 or 1") }
        default: break
        }
    }

    private func skipContainer(_ f: Field, depth: Int) throws(GeoIPError) -> Int {
        guard depth < MaxMindDatabase.maximumDepth else { throw fail(f.payload, "nesting deeper than \(MaxMindDatabase.maximumDepth) levels (a cycle?)") }
        var i = f.payload
        let entries = f.kind == .map ? f.size * 2 : f.size
        // Each entry takes at least a byte: a count larger than the bytes left is a lie.
        guard entries <= end - i else { throw fail(i, "a \(f.kind) of \(f.size) entries cannot fit in the \(end - i) bytes left") }
        for _ in 0..<entries {
            let g = try field(at: i)
            i = g.kind == .map || g.kind == .array ? try skipContainer(g, depth: depth + 1) : try after(g, at: i, depth: depth + 1)
        }
        return i
    }

    /// Decodes the value at `offset`; `next` is where the following field starts.
    func decode(at offset: Int, depth: Int = 0) throws(GeoIPError) -> (value: MMDBValue, next: Int) {
        guard depth < MaxMindDatabase.maximumDepth else { throw fail(offset, "nesting deeper than \(MaxMindDatabase.maximumDepth) levels (a cycle?)") }
        let f = try field(at: offset)
        if f.kind == .pointer {
            guard f.size >= start, f.size < end else { throw fail(offset, "pointer to byte \(f.size) is outside the section") }
            guard try field(at: f.size).kind != .pointer else { throw fail(offset, "pointer to another pointer (at byte \(f.size))") }
            if let cached = cache?.value(at: f.size) { return (cached, f.payload) }
            let target = try decode(at: f.size, depth: depth + 1).value
            cache?.store(target, at: f.size)
            return (target, f.payload)
        }
        switch f.kind {
        case .map:
            guard f.size * 2 <= end - f.payload else { throw fail(offset, "a map of \(f.size) pairs cannot fit in the \(end - f.payload) bytes left") }
            var pairs: [(key: String, value: MMDBValue)] = []
            var i = f.payload
            for _ in 0..<f.size {
                let (key, afterKey) = try decode(at: i, depth: depth + 1)
                guard case .string(let name) = key else { throw fail(i, "a map key that is not a string") }
                let (value, afterValue) = try decode(at: afterKey, depth: depth + 1)
                pairs.append((name, value))
                i = afterValue
            }
            return (.map(pairs), i)
        case .array:
            guard f.size <= end - f.payload else { throw fail(offset, "an array of \(f.size) items cannot fit in the \(end - f.payload) bytes left") }
            var items: [MMDBValue] = []
            var i = f.payload
            for _ in 0..<f.size {
                let (value, next) = try decode(at: i, depth: depth + 1)
                items.append(value)
                i = next
            }
            return (.array(items), i)
        case .boolean:
            try checkScalar(f, at: offset)
            return (.bool(f.size == 1), f.payload)
        default:
            try checkScalar(f, at: offset)
            let p = f.payload
            let next = p + f.size
            switch f.kind {
            case .string:
                let bytes = UnsafeRawBufferPointer(start: base + p, count: f.size)
                guard let text = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) else {
                    throw fail(offset, "a string that is not valid UTF-8")
                }
                return (.string(text), next)
            case .bytes: return (.bytes(Array(UnsafeRawBufferPointer(start: base + p, count: f.size))), next)
            case .double: return (.double(Double(bitPattern: try unsigned(p, f.size))), next)
            case .float: return (.float(Float(bitPattern: UInt32(try unsigned(p, f.size)))), next)
            case .uint16: return (.uint16(UInt16(try unsigned(p, f.size))), next)
            case .uint32: return (.uint32(UInt32(try unsigned(p, f.size))), next)
            case .int32:
                let raw = UInt32(try unsigned(p, f.size))
                return (.int32(f.size == 4 ? Int32(bitPattern: raw) : Int32(raw)), next)
            case .uint64: return (.uint64(try unsigned(p, f.size)), next)
            case .uint128:
                let highBytes = max(0, f.size - 8)
                let high = highBytes > 0 ? try unsigned(p, highBytes) : 0
                let low = try unsigned(p + highBytes, f.size - highBytes)
                return (.uint128(high: high, low: low), next)
            default:
                throw fail(offset, "unexpected \(f.kind)")
            }
        }
    }

    /// A big-endian unsigned integer of `count` ≤ 8 bytes.
    private func unsigned(_ offset: Int, _ count: Int) throws(GeoIPError) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<count { v = v << 8 | UInt64(try byte(offset + k)) }
        return v
    }

    // MARK: allocation-free reads

    /// The offset of the value found by following `keys` through maps from `offset`.
    func locate(_ path: MMDBPath, from offset: Int) throws(GeoIPError) -> Int? {
        var current = offset
        for index in 0..<path.count {
            let key = path[index]
            let f = try target(current)
            guard f.kind == .map else { return nil }
            guard f.size * 2 <= end - f.payload else { throw fail(current, "a map of \(f.size) pairs cannot fit in the \(end - f.payload) bytes left") }
            var i = f.payload
            var found: Int?
            for _ in 0..<f.size {
                let (k, afterKey) = try resolved(i)
                guard k.kind == .string else { throw fail(i, "a map key that is not a string") }
                try checkScalar(k, at: i)
                let matches = k.size == key.utf8CodeUnitCount && memcmp(base + k.payload, key.utf8Start, k.size) == 0
                if matches {
                    found = afterKey
                    break
                }
                let value = try field(at: afterKey)
                i = value.kind == .pointer ? value.payload : try after(value, at: afterKey)
            }
            guard let found else { return nil }
            current = found
        }
        return current
    }

    /// Calls `body` with each key (its UTF-8 bytes) and value offset of the map at `offset`
    /// (a pointer followed), in one pass; `body` returns false to stop. Allocates nothing.
    func forEachMember(of offset: Int, _ body: (UnsafeRawBufferPointer, Int) throws(GeoIPError) -> Bool) throws(GeoIPError) {
        let f = try target(offset)
        guard f.kind == .map else { return }
        guard f.size * 2 <= end - f.payload else { throw fail(offset, "a map of \(f.size) pairs cannot fit in the \(end - f.payload) bytes left") }
        var i = f.payload
        for _ in 0..<f.size {
            let (k, afterKey) = try resolved(i)
            guard k.kind == .string else { throw fail(i, "a map key that is not a string") }
            try checkScalar(k, at: i)
            guard try body(UnsafeRawBufferPointer(start: base + k.payload, count: k.size), afterKey) else { return }
            let value = try field(at: afterKey)
            i = value.kind == .pointer ? value.payload : try after(value, at: afterKey)
        }
    }

    /// A number of any numeric kind at `offset` (a pointer followed).
    func number(at offset: Int) throws(GeoIPError) -> Double? {
        let f = try target(offset)
        try checkScalar(f, at: offset)
        switch f.kind {
        case .double: return Double(bitPattern: try unsigned(f.payload, 8))
        case .float: return Double(Float(bitPattern: UInt32(try unsigned(f.payload, 4))))
        case .uint16, .uint32, .uint64: return Double(try unsigned(f.payload, f.size))
        case .int32:
            let raw = UInt32(try unsigned(f.payload, f.size))
            return Double(f.size == 4 ? Int32(bitPattern: raw) : Int32(raw))
        case .uint128: return f.size <= 8 ? Double(try unsigned(f.payload, f.size)) : nil
        default: return nil
        }
    }

    /// A string's bytes at `offset` (a pointer followed), as a view into the mapping.
    func stringBytes(at offset: Int) throws(GeoIPError) -> UnsafeRawBufferPointer? {
        let f = try target(offset)
        guard f.kind == .string else { return nil }
        try checkScalar(f, at: offset)
        return UnsafeRawBufferPointer(start: base + f.payload, count: f.size)
    }
}

/// Up to three map keys to follow from a record (`location` → `latitude`), held inline so
/// that following them allocates nothing.
public struct MMDBPath: Sendable {
    let keys: (StaticString, StaticString, StaticString)
    let count: Int

    public init(_ k0: StaticString) { keys = (k0, "", ""); count = 1 }
    public init(_ k0: StaticString, _ k1: StaticString) { keys = (k0, k1, ""); count = 2 }
    public init(_ k0: StaticString, _ k1: StaticString, _ k2: StaticString) { keys = (k0, k1, k2); count = 3 }

    subscript(index: Int) -> StaticString {
        switch index {
        case 0: keys.0
        case 1: keys.1
        default: keys.2
        }
    }
}
