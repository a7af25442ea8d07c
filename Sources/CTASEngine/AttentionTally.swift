import CTASCore
import DequeModule

/// What deserves the analyst's eye now, for the console's attention line: how many critical
/// and high events this run, and the busiest entity, event type and source of the last
/// minutes.
public struct AttentionStatus: Sendable, Equatable {
    /// A name and how many events it had in the window.
    public struct Top: Sendable, Equatable {
        public var name: String
        public var count: Int
        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    /// Events of severity 9–10 (critical) and 7–10 (high or worse) stored this run.
    public var critical = 0
    public var high = 0
    /// The window of the tops, in seconds of wall time.
    public var windowSeconds = AttentionTally.windowSeconds
    public var topEntity: Top?
    public var topType: Top?
    public var topSource: Top?
    /// Events in the window whose entity was not counted (too many distinct entities in a
    /// minute): the top entity is then a lower bound.
    public var uncountedEntities = 0

    public init() {}
}

/// Counts stored events per wall-clock minute by entity, type and source (the last five
/// minutes), and critical and high ones in total. Updated by the fanout stage per batch;
/// bounded memory: at most `maxKeys` names per field per minute, the rest counted apart.
struct AttentionTally {
    static let windowSeconds = 300
    static let maxKeys = 4096

    private struct Minute {
        var minute: Int64
        var entity: [String: Int] = [:]
        var type: [String: Int] = [:]
        var source: [String: Int] = [:]
        var uncountedEntities = 0
    }

    private(set) var critical = 0
    private(set) var high = 0
    private var minutes = Deque<Minute>()
    /// The minutes' counts added up, kept as minutes come and go: a status is read several
    /// times a second, and adding five minutes of names up for each was most of its cost.
    private var sum = Minute(minute: 0)

    mutating func observe(_ events: [Event], at now: Timestamp) {
        guard !events.isEmpty else { return }
        let minute = now.microseconds / 60_000_000
        if minutes.last?.minute != minute { minutes.append(Minute(minute: minute)) }
        let keep = Int64(Self.windowSeconds / 60)
        while let first = minutes.first, minute - first.minute >= keep { forget(minutes.removeFirst()) }
        var m = minutes.removeLast()
        for e in events {
            if let band = e.severity?.band {
                if band == .critical { critical += 1 }
                if band == .critical || band == .high { high += 1 }
            }
            if let entity = e.entity, !entity.isEmpty {
                if m.entity[entity] != nil || m.entity.count < Self.maxKeys {
                    m.entity[entity, default: 0] += 1
                    sum.entity[entity, default: 0] += 1
                } else {
                    m.uncountedEntities += 1
                    sum.uncountedEntities += 1
                }
            }
            if m.type[e.type] != nil || m.type.count < Self.maxKeys {
                m.type[e.type, default: 0] += 1
                sum.type[e.type, default: 0] += 1
            }
            if let source = e.source, m.source[source] != nil || m.source.count < Self.maxKeys {
                m.source[source, default: 0] += 1
                sum.source[source, default: 0] += 1
            }
        }
        minutes.append(m)
    }

    /// Takes a minute that left the window out of the sums.
    private mutating func forget(_ m: Minute) {
        func subtract(_ counts: [String: Int], from total: inout [String: Int]) {
            for (name, n) in counts {
                let left = (total[name] ?? 0) - n
                total[name] = left > 0 ? left : nil
            }
        }
        subtract(m.entity, from: &sum.entity)
        subtract(m.type, from: &sum.type)
        subtract(m.source, from: &sum.source)
        sum.uncountedEntities -= m.uncountedEntities
    }

    /// The totals and the tops of the minutes within the window ending at `now`.
    func status(at now: Timestamp) -> AttentionStatus {
        var s = AttentionStatus()
        s.critical = critical
        s.high = high
        let minute = now.microseconds / 60_000_000
        let inWindow = { (m: Minute) in minute - m.minute < Int64(Self.windowSeconds / 60) }
        // Usually every minute held is in the window (the last batch pruned the rest) and
        // the sums are the answer; after a quiet spell, the minutes still in it are added up.
        var total = sum
        if !minutes.allSatisfy(inWindow) {
            total = Minute(minute: minute)
            for m in minutes where inWindow(m) {
                total.entity.merge(m.entity, uniquingKeysWith: +)
                total.type.merge(m.type, uniquingKeysWith: +)
                total.source.merge(m.source, uniquingKeysWith: +)
                total.uncountedEntities += m.uncountedEntities
            }
        }
        func top(_ counts: [String: Int]) -> AttentionStatus.Top? {
            // Most events, then the name, so equal counts always show the same one.
            counts.max { ($0.value, $1.key) < ($1.value, $0.key) }.map { AttentionStatus.Top(name: $0.key, count: $0.value) }
        }
        s.topEntity = top(total.entity)
        s.topType = top(total.type)
        s.topSource = top(total.source)
        s.uncountedEntities = total.uncountedEntities
        return s
    }
}
