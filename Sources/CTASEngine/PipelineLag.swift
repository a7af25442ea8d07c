/// How far ingest is behind what the sources gave it: events released into the pipeline and
/// not yet durable, how long the oldest of them has waited, and whether a live source is
/// losing lines. The console's status bar shows it so the analyst knows whether what they
/// see is current.
public struct PipelineLag: Sendable, Equatable {
    /// How worrying the lag is, for the status bar's colour.
    public enum Level: Sendable, Equatable {
        /// Events become durable within `slowSeconds` and nothing is dropped.
        case keepingUp
        /// The oldest waiting event has waited `slowSeconds` or more.
        case slow
        /// It has waited `behindSeconds` or more, or a live source dropped lines lately.
        case fallingBehind
    }

    /// Seconds of waiting that make the lag amber and red.
    public static let slowSeconds = 2.0
    public static let behindSeconds = 10.0

    /// Events released by the parse stages and not yet committed to the warm tier.
    public var eventsInFlight = 0
    /// How long the oldest of them has been on its way (0 when none is).
    public var oldestWaitSeconds = 0.0
    /// Lines live sources dropped (no room in the pipeline) in the last `dropWindowSeconds`.
    public var recentlyDropped = 0
    public static let dropWindowSeconds = 10.0

    public init() {}

    public var level: Level {
        if recentlyDropped > 0 || oldestWaitSeconds >= Self.behindSeconds { return .fallingBehind }
        if oldestWaitSeconds >= Self.slowSeconds { return .slow }
        return .keepingUp
    }
}
