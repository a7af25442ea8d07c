import CTASCore
import DequeModule
import Synchronization

/// The hot tier: the most recent events in memory for sub-millisecond reads.
///
/// Bounded two ways: events older than `ttl` before the newest event time are evicted
/// (event time, so a replay of last month's feed is not evicted on arrival), and the oldest
/// events go when the estimated memory passes `memoryLimit`. Safe to read from any thread.
public final class HotTier: Sendable {
    private struct State {
        var events = Deque<Event>()
        var firstSequence = 0
        var sequenceByID: [String: Int] = [:]
        var bytes = 0
        var newest: Timestamp?
        var evictedByTTL = 0
        var evictedByMemory = 0
    }

    public let ttl: Duration
    public let memoryLimit: Int
    private let state = Mutex(State())

    public init(ttl: Duration, memoryLimit: Int) {
        self.ttl = ttl
        self.memoryLimit = memoryLimit
    }

    /// Memory an event is charged: its payload plus per-entry bookkeeping.
    static func cost(_ e: Event) -> Int { e.approximateSize + 96 }

    /// Adds events (already committed to warm) and evicts what the bounds demand.
    public func insert(_ batch: [Event]) {
        guard !batch.isEmpty else { return }
        state.withLock { s in
            for e in batch {
                if s.sequenceByID[e.id] != nil { continue }
                s.sequenceByID[e.id] = s.firstSequence + s.events.count
                s.events.append(e)
                s.bytes += Self.cost(e)
                if s.newest.map({ e.timestamp > $0 }) ?? true { s.newest = e.timestamp }
            }
            let cutoff = s.newest.map { $0 - ttl }
            while let first = s.events.first {
                let expired = cutoff.map { first.timestamp < $0 } ?? false
                let over = s.bytes > memoryLimit
                guard expired || over else { break }
                s.events.removeFirst()
                s.sequenceByID[first.id] = nil
                s.firstSequence += 1
                s.bytes -= Self.cost(first)
                if expired { s.evictedByTTL += 1 } else { s.evictedByMemory += 1 }
            }
        }
    }

    /// An event by id, if it is still in memory.
    public func event(id: String) -> Event? {
        state.withLock { s in
            guard let seq = s.sequenceByID[id] else { return nil }
            return s.events[seq - s.firstSequence]
        }
    }

    /// The newest events first, at most `limit`, that satisfy `predicate`.
    public func recent(limit: Int, where predicate: (Event) -> Bool = { _ in true }) -> [Event] {
        state.withLock { s in
            var out: [Event] = []
            var i = s.events.count - 1
            while i >= 0 && out.count < limit {
                if predicate(s.events[i]) { out.append(s.events[i]) }
                i -= 1
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
        state.withLock { Stats(count: $0.events.count, bytes: $0.bytes, evictedByTTL: $0.evictedByTTL, evictedByMemory: $0.evictedByMemory) }
    }
}
