import CTASCore
import CTASStore

extension AnomalyDetector {
    /// Reads the stored events of the warm tier at `path` in time order, from `history`
    /// before `options.since` (all of them without a since) up to `options.until`, and
    /// tests them. Memory stays proportional to entities × active hours, not events.
    public static func scan(warmDatabase path: String, options: AnomalyOptions, history: Duration) throws(StoreError) -> AnomalyReport {
        let reader = try WarmReader(path: path)
        var query = EventQuery()
        query.since = options.since.map { $0 - history }
        query.until = options.until
        query.limit = Int.max
        var detector = AnomalyDetector(options: options)
        try reader.forEachEvent(query) { detector.observe($0) }
        return detector.finish()
    }
}
