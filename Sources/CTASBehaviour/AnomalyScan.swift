import CTASCore
import CTASStore

extension AnomalyDetector {
    /// Reads the stored events of the warm tier at `path` in time order, from `history`
    /// before `options.since` (all of them without a since) up to `options.until`, and
    /// tests them. Memory stays proportional to entities × active hours, not events.
    public static func scan(warmDatabase path: String, options: AnomalyOptions, history: Duration) throws(StoreError) -> AnomalyReport {
        let reader = try WarmReader(path: path)
        var detector = AnomalyDetector(options: options)
        // Only the columns the detector reads: making every stored event whole was most of a
        // scan of ten million.
        try reader.scanBehaviour(since: options.since.map { $0 - history }, until: options.until) { time, entity, type, country, asn, listed in
            detector.observe(time: time, entity: entity, type: type, country: country, asn: asn, listedIndicators: listed)
        }
        return detector.finish()
    }
}
