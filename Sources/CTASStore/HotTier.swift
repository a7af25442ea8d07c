import CTASCore
import DequeModule

/// The hot tier: the most recent events in memory for sub-millisecond reads.
///
/// Events are kept encoded (`EventCodec`) in chunks of bytes, with their times in a parallel
/// column and an id index, so memory is what the cap says (no per-event objects, no
/// fragmentation) and inserting costs a copy. Bounded two ways, a chunk at a time: chunks
/// whose events are all older than `ttl` before the newest event time go (event time, so
/// replaying last month's feed does not evict it on arrival), and the oldest chunks go when
/// memory passes `memoryLimit`. Safe to use from any thread.
public final class HotTier: Sendable {
    private struct Chunk {
        var bytes: [UInt8] = []
        var offsets: [Int32] = []
        /// The id hash of each record, so eviction need not decode ids.
        var hashes: [UInt64] = []
        var firstSequence: Int
        var newest = Int64.min
        var footprint: Int { bytes.capacity + offsets.capacity * 4 + hashes.capacity * 8 }
        init(firstSequence: Int, capacity: Int) {
            self.firstSequence = firstSequence
            bytes.reserveCapacity(capacity)
        }
    }

    private struct State {
        var chunks = Deque<Chunk>()
        var index: [UInt64: Int] = [:]
        var nextSequence = 0
        var sealedBytes = 0
        var newest: Timestamp?
        var evictedByTTL = 0
        var evictedByMemory = 0
    }

    public let ttl: Duration
    public let memoryLimit: Int
    private let chunkBytes: Int
    private let state = Locked(State())

    public init(ttl: Duration, memoryLimit: Int) {
        self.ttl = ttl
        self.memoryLimit = memoryLimit
        chunkBytes = max(16 << 10, min(1 << 20, memoryLimit / 16))
    }

    /// Adds events (already committed to warm) and evicts what the bounds demand.
    public func insert(_ batch: [Event]) {
        guard !batch.isEmpty else { return }
        insert(WarmRowBlock(batch), rows: Array(0..<batch.count))
    }

    /// Adds the given rows of an encoded block, copying their records as they are.
    public func insert(_ block: WarmRowBlock, rows: [Int]) {
        guard !rows.isEmpty else { return }
        block.bytes.withUnsafeBufferPointer { source in
            state.withLock { s in
                for row in rows {
                    let record = block.record(row)
                    if s.chunks.isEmpty || (s.chunks[s.chunks.count - 1].bytes.count + record.count > chunkBytes
                                             && !s.chunks[s.chunks.count - 1].offsets.isEmpty) {
                        if let last = s.chunks.last { s.sealedBytes += last.footprint }
                        s.chunks.append(Chunk(firstSequence: s.nextSequence, capacity: max(chunkBytes, record.count)))
                    }
                    let last = s.chunks.count - 1
                    s.chunks[last].offsets.append(Int32(s.chunks[last].bytes.count))
                    s.chunks[last].bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[record]))
                    let idStart = Int(block.spans[row * WarmRowBlock.textColumns * 2])
                    let idLength = Int(block.spans[row * WarmRowBlock.textColumns * 2 + 1])
                    let hash = FNV1a64.hash(UnsafeBufferPointer(rebasing: source[idStart..<(idStart + idLength)]))
                    s.chunks[last].hashes.append(hash)
                    let time = EventCodec.timestamp(source, at: record.lowerBound) ?? Int64.min
                    s.chunks[last].newest = max(s.chunks[last].newest, time)
                    s.index[hash] = s.nextSequence
                    s.nextSequence += 1
                    if s.newest.map({ time > $0.microseconds }) ?? true { s.newest = Timestamp(microseconds: time) }
                }
                evict(&s)
            }
        }
    }

    private func evict(_ s: inout State) {
        let cutoff = s.newest.map { ($0 - ttl).microseconds } ?? Int64.min
        while s.chunks.count > 1, let first = s.chunks.first {
            let expired = first.newest < cutoff
            let over = s.sealedBytes + (s.chunks.last?.footprint ?? 0) > memoryLimit
            guard expired || over else { break }
            s.chunks.removeFirst()
            s.sealedBytes -= first.footprint
            for (k, hash) in first.hashes.enumerated() where s.index[hash] == first.firstSequence + k {
                s.index[hash] = nil
            }
            if expired { s.evictedByTTL += first.offsets.count } else { s.evictedByMemory += first.offsets.count }
        }
    }

    /// An event by id, if it is still in memory.
    public func event(id: String) -> Event? {
        state.withLock { s in
            guard let sequence = s.index[FNV1a64.hash(id)], let (chunk, k) = locate(sequence, in: s) else { return nil }
            let event = s.chunks[chunk].bytes.withUnsafeBufferPointer { EventCodec.decode($0, at: Int(s.chunks[chunk].offsets[k])) }
            return event?.id == id ? event : nil
        }
    }

    private func locate(_ sequence: Int, in s: State) -> (Int, Int)? {
        var lo = 0
        var hi = s.chunks.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let chunk = s.chunks[mid]
            if sequence < chunk.firstSequence { hi = mid - 1 }
            else if sequence >= chunk.firstSequence + chunk.offsets.count { lo = mid + 1 }
            else { return (mid, sequence - chunk.firstSequence) }
        }
        return nil
    }

    /// The newest events first, at most `limit`, that satisfy `predicate`.
    public func recent(limit: Int, where predicate: (Event) -> Bool = { _ in true }) -> [Event] {
        state.withLock { s in
            var out: [Event] = []
            var c = s.chunks.count - 1
            while c >= 0 && out.count < limit {
                let chunk = s.chunks[c]
                chunk.bytes.withUnsafeBufferPointer { b in
                    var k = chunk.offsets.count - 1
                    while k >= 0 && out.count < limit {
                        if let e = EventCodec.decode(b, at: Int(chunk.offsets[k])), predicate(e) { out.append(e) }
                        k -= 1
                    }
                }
                c -= 1
            }
            return out
        }
    }

    public struct Stats: Sendable, Equatable {
        public var count: Int
        public var bytes: Int
        public var evictedByTTL: Int
        public var evictedByMemory: Int
    }

    public var stats: Stats {
        state.withLock { s in
            Stats(count: s.chunks.reduce(0) { $0 + $1.offsets.count }, bytes: s.sealedBytes + (s.chunks.last?.footprint ?? 0),
                  evictedByTTL: s.evictedByTTL, evictedByMemory: s.evictedByMemory)
        }
    }
}
