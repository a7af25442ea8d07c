import CTASCore

/// The stored events that hold an indicator: the graph tier knows which event ids hold a
/// value (listed or extracted from the description), the warm tier has the events whole.
public enum IndicatorSearch {
    public struct Result: Sendable {
        /// The indicator the text named, in canonical form (nil: the text names none).
        public var indicator: Indicator?
        /// The events, filtered and ordered as `query` asks.
        public var events: [Event]
        /// Events the graph says hold the value that the warm tier no longer has (past its
        /// retention); counted only when no other filter could explain the difference.
        public var pastWarmRetention: Int
    }

    /// Finds the events holding the indicator `text` names (any written form: `evil[.]com`,
    /// `HXXP://…`, an upper-case hash) that also match `query`. The graph is not loaded: the
    /// value's node and the events holding it are read from the database
    /// (`GraphTier.storedEventIDs`). Text that is a stored event's id names no indicator.
    public static func events(holding text: String, matching query: EventQuery, databasePath: String) throws(StoreError) -> Result {
        let reader = try WarmReader(path: databasePath)
        var exact = EventQuery()
        exact.id = text
        exact.limit = 1
        if !text.isEmpty, try !reader.events(exact).isEmpty { return Result(indicator: nil, events: [], pastWarmRetention: 0) }
        let candidates = IndicatorExtractor().indicators(listed: text)
        let stored = try GraphTier.storedEventIDs(holding: candidates, in: reader.database, retention: RoutingRules.builtIn().graphRetention)
        guard let value = stored?.indicator ?? candidates.first else { return Result(indicator: nil, events: [], pastWarmRetention: 0) }
        var ids = stored?.ids ?? []
        if let id = query.id { ids = ids.filter { $0 == id } }
        let found = try reader.events(ids: ids, matching: query)
        var past = 0
        let unfiltered = query.types.isEmpty && query.since == nil && query.until == nil && query.source == nil
            && query.entity == nil && query.minimumSeverity == nil && query.minimumRisk == nil && query.cell == nil
            && query.flow == nil && query.country == nil && query.asn == nil
        if unfiltered && ids.count > 0 && found.count < min(query.limit, ids.count) { past = ids.count - found.count }
        return Result(indicator: value, events: found, pastWarmRetention: past)
    }
}
