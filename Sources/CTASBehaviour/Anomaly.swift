import CTASCore

/// Something an entity did that departs from its own history.
public struct Anomaly: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A burst or a silence: hourly counts far from the entity's cycle.
        case rate
        /// A first: an event type, country, ASN or indicator kind the entity never showed.
        case rare
    }

    public var entity: String
    public var kind: Kind
    /// The first hour (or event) of the anomaly.
    public var start: Timestamp
    /// Just after its last hour (or the event itself for a first).
    public var end: Timestamp
    /// Events seen over the anomaly.
    public var observed: Double
    /// Events the entity's cycle predicted over it (0 for a first).
    public var expected: Double
    /// 0–100: how far past the test's threshold (50 is at it, 100 twice it or more).
    public var score: Double
    /// What was unusual: `burst`, `silence`, `burst of dns` (one event type), `new country RU`.
    public var detail: String

    public init(entity: String, kind: Kind, start: Timestamp, end: Timestamp, observed: Double, expected: Double,
                score: Double, detail: String) {
        self.entity = entity
        self.kind = kind
        self.start = start
        self.end = end
        self.observed = observed
        self.expected = expected
        self.score = score
        self.detail = detail
    }
}
