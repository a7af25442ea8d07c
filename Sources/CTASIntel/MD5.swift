import Foundation

/// MD5 (RFC 1321), for the one place a format asks for it: a MISP feed's `hashes.csv` lists
/// the MD5 of every attribute value. Not for security.
struct MD5 {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                           5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    /// floor(abs(sin(i + 1)) × 2^32).
    private static let constants: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(i + 1))) * 4_294_967_296).rounded(.down)))
    }

    mutating func update(_ bytes: [UInt8]) {
        length &+= UInt64(bytes.count)
        buffer += bytes
        var start = 0
        while buffer.count - start >= 64 {
            block(buffer[start..<start + 64])
            start += 64
        }
        buffer.removeFirst(start)
    }

    private mutating func block(_ chunk: ArraySlice<UInt8>) {
        var m = [UInt32](repeating: 0, count: 16)
        let base = chunk.startIndex
        for i in 0..<16 {
            m[i] = UInt32(chunk[base + 4 * i]) | UInt32(chunk[base + 4 * i + 1]) << 8
                | UInt32(chunk[base + 4 * i + 2]) << 16 | UInt32(chunk[base + 4 * i + 3]) << 24
        }
        var (a, b, c, d) = state
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ Self.constants[i] &+ m[g]
            a = d
            d = c
            c = b
            b = b &+ (f << Self.shifts[i] | f >> (32 - Self.shifts[i]))
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }

    mutating func hexDigest() -> String {
        let bits = length &* 8
        var padding: [UInt8] = [0x80]
        let used = (buffer.count + 1) % 64
        padding += [UInt8](repeating: 0, count: used <= 56 ? 56 - used : 120 - used)
        for i in 0..<8 { padding.append(UInt8(truncatingIfNeeded: bits >> UInt64(8 * i))) }
        let saved = length
        update(padding)
        length = saved
        var out = ""
        for word in [state.0, state.1, state.2, state.3] {
            for i in 0..<4 {
                let byte = UInt8(truncatingIfNeeded: word >> UInt32(8 * i))
                out += (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return out
    }
}
