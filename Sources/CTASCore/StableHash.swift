/// A 128-bit hash that is the same in every process and on every machine (Swift's `Hasher`
/// is seeded per process), for ids derived from content: a telemetry record read twice gets
/// the same id, so re-ingesting and resuming after a crash stay exactly-once.
///
/// Two 64-bit FNV-1a lanes with different offsets, each finished with a SplitMix64 mix; a
/// collision needs both lanes to collide (about 1 in 2^64 per pair of distinct records as
/// far as ids are concerned, ~3e-8 across a billion records).
public struct StableHash128: Sendable {
    // Inlinable (as are the combines): a record's id combines dozens of short fields, and a
    // call per field into this module cost more than the hashing itself.
    @usableFromInline var a: UInt64 = 0xCBF2_9CE4_8422_2325
    @usableFromInline var b: UInt64 = 0x6C62_272E_07BB_0142

    @inlinable public init() {}

    /// The lanes' FNV primes, and the byte `separator()` combines (computed, so they fold
    /// into the loops as constants in every module).
    @inlinable static var primeA: UInt64 { 0x0000_0100_0000_01B3 }
    @inlinable static var primeB: UInt64 { 0x0000_0001_0000_01A7 }
    @inlinable static var separatorByte: UInt64 { 0x1F }

    @inlinable public mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* Self.primeA
            b = (b ^ UInt64(byte)) &* Self.primeB
        }
    }

    @inlinable public mutating func combine(_ text: String) {
        var t = text
        t.withUTF8 { combine($0) }
        separator()
    }

    @inlinable public mutating func combine(_ value: Int64) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { raw in combine(raw.bindMemory(to: UInt8.self)) }
    }

    /// Ends a field, so `("ab","c")` and `("a","bc")` differ.
    @inlinable public mutating func separator() {
        a = (a ^ Self.separatorByte) &* Self.primeA
        b = (b ^ Self.separatorByte) &* Self.primeB
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 32 lower-case hex digits.
    public var hex: String { hex(prefixedBy: "") }

    /// `prefix` and the 32 hex digits, made in one allocation (an id such as `eve-…`).
    public func hex(prefixedBy prefix: StaticString) -> String {
        let digits: StaticString = "0123456789abcdef"
        let first = Self.mix(a), second = Self.mix(b ^ a)
        let p = prefix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: p + 32) { out in
            prefix.withUTF8Buffer { for i in 0..<p { out[i] = $0[i] } }
            let d = digits.utf8Start
            for i in 0..<16 {
                out[p + i] = d[Int(first >> UInt64(60 - 4 * i) & 0xF)]
                out[p + 16 + i] = d[Int(second >> UInt64(60 - 4 * i) & 0xF)]
            }
            return p + 32
        }
    }
}
