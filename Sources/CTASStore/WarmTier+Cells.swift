/// The warm tier's cell index, kept in two levels as the ids are (see `WarmTier+Keys`).
///
/// Events are found by place through (ten-minute bucket of event time, resolution-15 cell,
/// time, seq). Within the newest bucket the cells come in random order, so an index on them
/// inside `events` had one leaf page dirtied per event once the bucket outgrew a commit: at
/// 50k events/s a bucket holds millions, and that index was half of what the WAL took in
/// (a paced replay's writer was busy 17–18 s of 20 without it, 8.7 with).
///
/// - `recent_cells` takes the rows of events stored since the last merge; it stays small.
/// - `event_cells` holds the older ones. The key merge moves them over in key order, in
///   slices, step by step with the ids (`KeyMerge`).
///
/// Readers look a cell up in both levels (`WarmReader+Cells`).
extension WarmTier {
    /// The bucket of an event time, as the readers compute it (`ts / width`, truncating
    /// toward zero in both SQLite and Swift).
    static func cellBucket(_ microseconds: Int64) -> Int64 { microseconds / cellBucketMicros }

    /// The schema-7 step: both levels made and `event_cells` filled from the stored events in
    /// key order; the index on `events` dropped.
    static func migrateCells(_ db: SQLiteDatabase) throws(StoreError) {
        try db.execute("""
            DROP INDEX IF EXISTS events_cell;
            DROP TABLE IF EXISTS event_cells; DROP TABLE IF EXISTS recent_cells;
            CREATE TABLE event_cells(bucket INTEGER NOT NULL, cell INTEGER NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL,
                                     PRIMARY KEY(bucket, cell, ts, seq)) WITHOUT ROWID;
            CREATE TABLE recent_cells(bucket INTEGER NOT NULL, cell INTEGER NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL,
                                      PRIMARY KEY(bucket, cell, ts, seq)) WITHOUT ROWID;
            INSERT INTO event_cells(bucket, cell, ts, seq)
              SELECT ts / \(cellBucketMicros), cell, ts, seq FROM events WHERE cell IS NOT NULL ORDER BY 1, 2, 3, 4;
            """)
    }
}
