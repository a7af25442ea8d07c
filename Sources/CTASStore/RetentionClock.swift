import CTASCore

/// The clock retention is measured against, chosen so that no single event can move it.
///
/// Live feeds carry event times near the wall clock; replays of old recordings carry times
/// long past; hostile or skewed feeds carry times in the future. So the reference is:
/// - the stored event time that only one event in a thousand exceeds (a robust high
///   percentile: one outlier — or a few hundred in a million — cannot move it), and
/// - never later than the wall clock plus `maximumSkew` (a clock a day fast is tolerated;
///   a feed dated next year is not believed).
///
/// An old recording is therefore measured against its own times (not purged on arrival),
/// live data against the present, and a future-dated event against neither. Retention
/// deletes events whose time is older than the reference minus the retention, and (see
/// `WarmTier.purge`) never those accepted less than a retention ago by the wall clock: what
/// a run has just accepted stays stored.
public enum RetentionClock {
    /// How far event times may run ahead of this machine's clock and still be believed.
    public static let maximumSkew: Duration = .seconds(86_400)
    /// One event in this many may lie beyond the reference.
    public static let outlierShare = 1_000

    /// The reference for the events table of `database` (nil when it is empty).
    /// `storedEvents` saves a count when the caller knows it; else the warm tier's stored
    /// count is read (`meta`), and only a store without one is counted row by row (a full
    /// read of the time index: 8 s at ten million events on a cold page cache).
    public static func reference(in database: SQLiteDatabase, storedEvents: Int? = nil, now: Timestamp = .now()) throws(StoreError) -> Timestamp? {
        let count: Int
        if let storedEvents {
            count = storedEvents
        } else if let stored = try? database.scalar("SELECT value FROM meta WHERE key = '\(WarmTier.countKey)'") {
            count = Int(clamping: max(0, stored))
        } else {
            count = Int(try database.scalar("SELECT count(*) FROM events") ?? 0)
        }
        guard count > 0 else { return nil }
        let s = try database.prepare("SELECT ts FROM events ORDER BY ts DESC LIMIT 1 OFFSET ?")
        s.bind(Int64(count / outlierShare), at: 1)
        guard try s.step() else { return nil }
        let robust = Timestamp(microseconds: s.int64(0))
        return Swift.min(robust, now + maximumSkew)
    }
}
