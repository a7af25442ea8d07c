/// SipHash (Aumasson and Bernstein), keyed with 128 bits: the fingerprints of the evidence
/// index. Swift's `Hasher` is SipHash-1-3 too, but with a key drawn afresh by every process;
/// a fingerprint kept in a stored snapshot of the index must come out the same in the next
/// process, so the index draws its own key once and keeps it with the snapshot. Without the
/// key, input cannot be crafted to collide with a known indicator.
enum SipHash {
    /// SipHash-c-d of `message` (c compression rounds per word, d finalization rounds).
    static func hash(_ message: UnsafeRawBufferPointer, key: (UInt64, UInt64), compressionRounds c: Int = 1,
                     finalRounds d: Int = 3) -> UInt64 {
        var state = State(key: key)
        var offset = 0
        while offset + 8 <= message.count {
            state.absorb(UInt64(littleEndian: message.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), rounds: c)
            offset += 8
        }
        var last = UInt64(truncatingIfNeeded: message.count) << 56
        for i in offset..<message.count { last |= UInt64(message[i]) << (8 * UInt64(i - offset)) }
        state.absorb(last, rounds: c)
        return state.finish(rounds: d)
    }

    /// SipHash-1-3 of the byte `prefix` followed by `bytes`, without copying them together:
    /// an indicator's kind and its value.
    static func hash(prefix: UInt8, _ bytes: UnsafeRawBufferPointer, key: (UInt64, UInt64)) -> UInt64 {
        var state = State(key: key)
        let total = bytes.count + 1
        // Message byte i is `prefix` at 0, else bytes[i - 1]; whole words first.
        var word = UInt64(prefix)
        var filled = 1
        var offset = 0
        // Bytes until the word is full, then every following word is bytes[8k+7 ..< 8k+15].
        while filled < 8 && offset < bytes.count {
            word |= UInt64(bytes[offset]) << (8 * UInt64(filled))
            filled += 1
            offset += 1
        }
        if filled == 8 {
            state.absorb(word, rounds: 1)
            while offset + 8 <= bytes.count {
                state.absorb(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), rounds: 1)
                offset += 8
            }
            word = 0
            filled = 0
            while offset < bytes.count {
                word |= UInt64(bytes[offset]) << (8 * UInt64(filled))
                filled += 1
                offset += 1
            }
        }
        state.absorb(word | UInt64(truncatingIfNeeded: total) << 56, rounds: 1)
        return state.finish(rounds: 3)
    }

    private struct State {
        var v0, v1, v2, v3: UInt64

        @inline(__always)
        init(key: (UInt64, UInt64)) {
            v0 = key.0 ^ 0x736f_6d65_7073_6575
            v1 = key.1 ^ 0x646f_7261_6e64_6f6d
            v2 = key.0 ^ 0x6c79_6765_6e65_7261
            v3 = key.1 ^ 0x7465_6462_7974_6573
        }

        @inline(__always)
        mutating func round() {
            v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
            v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
        }

        @inline(__always)
        mutating func absorb(_ m: UInt64, rounds: Int) {
            v3 ^= m
            for _ in 0..<rounds { round() }
            v0 ^= m
        }

        @inline(__always)
        mutating func finish(rounds: Int) -> UInt64 {
            v2 ^= 0xff
            for _ in 0..<rounds { round() }
            return v0 ^ v1 ^ v2 ^ v3
        }
    }
}

private extension UInt64 {
    @inline(__always)
    func rotatedLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
