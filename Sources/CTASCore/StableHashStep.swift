/// What combining one fixed byte sequence (and a separator after it) does to a
/// `StableHash128`, worked out once so it costs two multiplies and two table reads instead of
/// two dependent multiplies per byte. A Zeek record's hash combines every field's name, the
/// same few names in every record of a log.
///
/// Why a table suffices: an FNV-1a step is `h' = (h ^ b) · P`, and `h ^ b` differs from `h`
/// only in its low byte, by an amount that depends on that byte and `b` alone. So over a
/// sequence of k bytes, `h_k = h · P^k + C[h mod 256]`: the low byte of every intermediate
/// state, and with it every correction, follows from the starting low byte (a product's low
/// byte depends only on its factors' low bytes). `C[x]` is the sequence's hash from `x`
/// minus `x · P^k`. The result is the byte-by-byte hash exactly (tested against it).
public struct StableHashStep: Sendable {
    let powerA: UInt64
    let powerB: UInt64
    /// `C` of lane a in `[0, 256)`, of lane b in `[256, 512)`.
    let corrections: [UInt64]

    /// The step that combines `bytes` and then a separator (`combine(_:)` then `separator()`).
    public init(bytes: UnsafeBufferPointer<UInt8>) {
        var powerA: UInt64 = 1, powerB: UInt64 = 1
        for _ in 0...bytes.count {
            powerA = powerA &* StableHash128.primeA
            powerB = powerB &* StableHash128.primeB
        }
        var corrections = [UInt64](repeating: 0, count: 512)
        for x in 0..<256 {
            var a = UInt64(x), b = UInt64(x)
            for byte in bytes {
                a = (a ^ UInt64(byte)) &* StableHash128.primeA
                b = (b ^ UInt64(byte)) &* StableHash128.primeB
            }
            a = (a ^ StableHash128.separatorByte) &* StableHash128.primeA
            b = (b ^ StableHash128.separatorByte) &* StableHash128.primeB
            corrections[x] = a &- UInt64(x) &* powerA
            corrections[256 + x] = b &- UInt64(x) &* powerB
        }
        self.powerA = powerA
        self.powerB = powerB
        self.corrections = corrections
    }
}

extension StableHashStep {
    /// How many words `write(into:)` writes: the two powers, then both lanes' corrections.
    public static let flatCount = 514

    /// Writes the step as `flatCount` words at `out`, the form `combine(flatStep:)` reads
    /// (a schema keeps its columns' steps back to back in one buffer).
    public func write(into out: UnsafeMutablePointer<UInt64>) {
        out[0] = powerA
        out[1] = powerB
        corrections.withUnsafeBufferPointer { c in
            for i in 0..<512 { out[2 + i] = c[i] }
        }
    }
}

extension StableHash128 {
    /// Combines the bytes of the step written at `step` (by `StableHashStep.write(into:)`),
    /// then a separator: the same hash as `combine(bytes)` followed by `separator()`.
    @inlinable @inline(__always) public mutating func combine(flatStep step: UnsafePointer<UInt64>) {
        let newA = a &* step[0] &+ step[2 + Int(a & 255)]
        let newB = b &* step[1] &+ step[258 + Int(b & 255)]
        a = newA
        b = newB
    }
}
