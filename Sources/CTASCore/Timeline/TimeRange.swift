/// A span of event time, `from` included, `until` not: what the analyst selected on the
/// timeline, which the feed, the map and the correlation pane then follow.
public struct TimeRange: Sendable, Hashable, CustomStringConvertible {
    public var from: Timestamp
    public var until: Timestamp

    /// Nil unless `from` is before `until`.
    public init?(from: Timestamp, until: Timestamp) {
        guard from < until else { return nil }
        self.from = from
        self.until = until
    }

    public func contains(_ t: Timestamp) -> Bool { t >= from && t < until }

    /// The range as filter terms (`time>=… time<…`).
    public var filterText: String { "time>=\(from.rfc3339) time<\(until.rfc3339)" }

    public var description: String { "\(from.rfc3339) to \(until.rfc3339)" }
}
