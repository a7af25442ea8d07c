#if _endian(big)
#error("KeyFilter stores its words as the machine's bytes, little-endian")
#endif

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
        words = Array(repeating: 0, count: Self.storedByteCount(forCapacity: self.capacity) / 8)
    }

    /// The stored form's size for a filter of `capacity` keys (at least 64 Ki bits).
    static func storedByteCount(forCapacity capacity: Int) -> Int {
        let bits = max(65_536, min(max(1, capacity), 1 << 36) * bitsPerKey)
        return (bits + 63) / 64 * 8
    }

    /// How many bytes the stored form takes.
    var storedByteCount: Int { words.count * 8 }

    /// The stored form (the words as little-endian bytes), without a copy.
    func withStoredBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        words.withUnsafeBytes(body)
    }

    /// Copies a piece of the stored form back in at byte `offset`; false (nothing copied)
    /// when it does not fit, so a damaged row is rebuilt, never trusted.
    mutating func restore(_ piece: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard offset >= 0, piece.count <= storedByteCount - offset else { return false }
        words.withUnsafeMutableBytes { raw in
            guard let target = raw.baseAddress, let source = piece.baseAddress else { return }
            (target + offset).copyMemory(from: source, byteCount: piece.count)
        }
        return true
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
