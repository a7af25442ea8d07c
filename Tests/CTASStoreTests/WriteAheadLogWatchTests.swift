import CTASCore
import CTASStore
import Foundation
import Testing

/// A connection that takes over its checkpoints (`takeOverCheckpoints`): no automatic
/// checkpoint inside a commit below the forced length, one when asked, and the log bounded
/// by the forced length when the owner never asks.
@Suite struct WriteAheadLogWatchTests {
    /// A database in WAL mode with 4 KiB pages and a table of blobs.
    private func open(_ path: String) throws -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: path)
        try db.execute("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
        try db.execute("CREATE TABLE IF NOT EXISTS blobs(n INTEGER PRIMARY KEY, b BLOB)")
        return db
    }

    /// Commits `count` rows of 40 KB each (about ten 4 KiB pages), one transaction each.
    private func write(_ db: SQLiteDatabase, _ count: Int, from first: Int = 0) throws {
        for n in first..<(first + count) {
            try db.execute("INSERT INTO blobs(n, b) VALUES (\(n), zeroblob(40000))")
        }
    }

    private func logBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
    }

    @Test func aTakenOverLogIsCheckpointedWhenAskedAndNotBefore() throws {
        let path = scratchDirectory() + "/log.sqlite"
        let db = try open(path)
        db.takeOverCheckpoints(forcedPages: 1_000_000)
        #expect(!db.checkpointDue(pages: 1))
        // 300 commits of ~10 pages: SQLite's own checkpoint (every 1,000 pages) would have
        // started the log over twice; taken over, nothing checkpoints it.
        try write(db, 300)
        #expect(logBytes(path) > 2_500 * 4096)
        // Never started over, the log file holds every frame: a 32-byte header, then frames
        // of a 24-byte header and a page each. The hook reported exactly that many.
        let frames = (logBytes(path) - 32) / (24 + 4096)
        #expect(db.checkpointDue(pages: frames))
        #expect(!db.checkpointDue(pages: frames + 1))
        #expect(try !db.checkpointIfDue(pages: frames + 1), "not due")
        #expect(try db.checkpointIfDue(pages: 2_500))
        #expect(db.forcedCheckpoints == 0, "asked for, not forced")
        #expect(!db.checkpointDue(pages: 1), "asked once per commit's report")
        #expect(try !db.checkpointIfDue(pages: 1))
        // Checkpointed whole, the next commit starts the log over: a few pages long again.
        try write(db, 1, from: 300)
        #expect(db.checkpointDue(pages: 5) && !db.checkpointDue(pages: 100))
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try reader.scalar("SELECT count(*) FROM blobs") == 301)
    }

    @Test func aCommitPastTheForcedLengthCheckpointsItself() throws {
        let path = scratchDirectory() + "/log.sqlite"
        let db = try open(path)
        db.takeOverCheckpoints(forcedPages: 100)
        try write(db, 300)
        // The log starts over after each forced checkpoint: never much past 100 pages.
        #expect(logBytes(path) < 130 * (4096 + 24) + 32)
        #expect(!db.checkpointDue(pages: 100))
        // 300 commits of ~11 pages, a forced checkpoint every 100 pages or a commit more:
        // each one counted.
        #expect((25...40).contains(db.forcedCheckpoints), "\(db.forcedCheckpoints) forced checkpoints")
        let reader = try SQLiteDatabase(path: path, readOnly: true)
        #expect(try reader.scalar("SELECT count(*) FROM blobs") == 300)
    }

    @Test func aConnectionNotTakenOverReportsNothingDue() throws {
        let path = scratchDirectory() + "/log.sqlite"
        let db = try open(path)
        try write(db, 20)
        #expect(!db.checkpointDue(pages: 1))
        #expect(try !db.checkpointIfDue(pages: 1))
    }

    /// The warm tier takes its checkpoints over: its log grows past the idle checkpoint's
    /// length without one, until the writer asks.
    @Test func theWarmTierCheckpointsWhenItsOwnerAsks() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        #expect(!warm.logCheckpointDue)
        var n = 0
        while !warm.logCheckpointDue && n < 200_000 {
            _ = try warm.commit((n..<(n + 2_000)).map { makeEvent($0) }, deadLetterSize: nil)
            n += 2_000
        }
        #expect(warm.logCheckpointDue, "\(n) events")
        #expect(logBytes(dir + "/warm.sqlite") >= WarmTier.checkpointPages * 16_384)
        #expect(try warm.checkpointLogIfDue())
        #expect(!warm.logCheckpointDue)
        #expect(try !warm.checkpointLogIfDue())
        _ = try warm.commit([makeEvent(n)], deadLetterSize: nil)
        #expect(!warm.logCheckpointDue, "the log started over")
        #expect(try warm.count() == n + 1)
    }
}
