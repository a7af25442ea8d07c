/// A Bloom filter over the warm tier's merged ids: the writer asks it before probing
/// `event_ids`, so a new id (nearly every id an ingest sees) costs no index page read.
///
/// It may answer "maybe" for an id never stored (about 1% of them, at 10 bits and 7 probes
/// per key), and then the index is probed; it never answers "no" for a stored id, because
/// every id is added before its key is merged and nothing is ever removed (a purged id only
/// leaves a false "maybe"). The bits are kept in the database with the key generation they
/// cover (see `WarmTier+Keys`), so a start reads them instead of the whole index.
struct KeyFilter {
    static let bitsPerKey = 10
    static let probes = 7

    /// How many keys the filter was sized for; past it the false "maybe"s grow.
    let capacity: Int
    private(set) var words: [UInt64]

    /// An empty filter for `capacity` keys (at least 64 Ki bits).
    init(capacity: Int) {
        self.capacity = min(max(1, capacity), 1 << 36)
        let bits = max(65_536, self.capacity * Self.bitsPerKey)
        words = Array(repeating: 0, count: (bits + 63) / 64)
    }

    /// A filter read back from its stored bytes; nil when they are not a whole number of
    /// words or too few for `capacity` (a damaged row is rebuilt, never trusted).
    init?(capacity: Int, bytes: UnsafeRawBufferPointer) {
        guard capacity > 0, capacity <= 1 << 36, bytes.count % 8 == 0 else { return nil }
        let expected = KeyFilter(capacity: capacity).words.count
        guard bytes.count / 8 == expected else { return nil }
        self.capacity = capacity
        words = (0..<expected).map { i in
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64(bytes[i * 8 + k]) << (8 * UInt64(k)) }
            return word
        }
    }

    /// The words as little-endian bytes, for storing.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(words.count * 8)
        for word in words { for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(k)))) } }
        return out
    }

    mutating func insert(_ key: UnsafeRawBufferPointer) {
        var (position, step) = Self.hashes(key)
        let bits = UInt64(words.count * 64)
        for _ in 0..<Self.probes {
            let bit = position % bits
            words[Int(bit / 64)] |= 1 << (bit % 64)
            position &+= step
        }
    }

    /// False only when `key` was never inserted.
    func mayContain(_ key: UnsafeRawBufferPointer) -> Bool {
        var (position, step) = Self.hashes(key)
        let bits = UInt64(words.count * 64)
        for _ in 0..<Self.probes {
            let bit = position % bits
            if words[Int(bit / 64)] & (1 << (bit % 64)) == 0 { return false }
            position &+= step
        }
        return true
    }

    /// Two hashes of the key (FNV-1a, then a SplitMix64 finaliser), combined as
    /// `first + i × second` for the probes; fixed, so stored bits stay valid across runs.
    private static func hashes(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var z = h &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return (h ^ (h >> 29), z | 1)
    }
}
