import CTASCore
import CTASStore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASEngine

/// The writer's upkeep (the key merge, the log's checkpoint) takes its idle moments: a store
/// whose merge is due is merged while a run is paused and nothing comes to be committed.
@Suite struct WriterUpkeepTests {
    @Test func aPausedRunMergesTheKeysWhileTheWriterIsIdle() async throws {
        let dir = scratch()
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let (stored, _) = try await writeFeed(dir, events: 65_536, seed: 41, name: "stored.ndjson")
        let events = try FeedDecoderHelper.events(stored)
        try await onOwnThread {
            let warm = try WarmTier(path: dir + "/data/warm.sqlite")
            _ = try warm.commit(events, deadLetterSize: nil, thenMergingKeys: false)
            #expect(warm.recentKeys == 65_536 && warm.mergedKeys == 0 && warm.keyMergeWaiting)
        }
        // 2,000 pages left in the log by a connection that never checkpoints, held open so
        // that closing it does not checkpoint them either: the engine's writer finds its log
        // past the idle checkpoint's length at its first commit (a merge step's).
        let filler = try SQLiteDatabase(path: dir + "/data/warm.sqlite")
        try filler.execute("PRAGMA wal_autocheckpoint=0; CREATE TABLE filler(b BLOB)")
        try filler.transaction { () throws(StoreError) in
            for _ in 0..<2_000 { try filler.execute("INSERT INTO filler(b) VALUES (zeroblob(16000))") }
        }
        let (feed, _) = try await writeFeed(dir, events: 500, seed: 42)
        var c = config([.file(feed)], dir)
        c.startPaused = true
        let engine = try Engine(c)
        engine.start()
        let reader = try SQLiteDatabase(path: dir + "/data/warm.sqlite", readOnly: true)
        func merged() -> Int64? { try? reader.scalar("SELECT value FROM meta WHERE key = 'merged_keys'") }
        #expect(await waitFor { merged() == 65_536 }, "merged \(merged() ?? -1) of 65,536 while paused")
        #expect(engine.snapshot.totals.accepted == 0, "no commit came meanwhile")
        // The upkeep is counted: 16 pieces of 4,096 ids at least, and the log checkpointed.
        #expect(await waitFor { engine.snapshot.upkeep.mergeSteps >= 16 && engine.snapshot.upkeep.idleCheckpoints >= 1 },
                "\(engine.snapshot.upkeep)")
        #expect(try reader.scalar("SELECT count(*) FROM recent_ids") == 0)
        await engine.send(.resume)
        let summary = await engine.waitUntilFinished()
        #expect(summary.accepted + summary.duplicates == 500 && summary.failure == nil)
        #expect((summary.writerUpkeep?.mergeSteps ?? 0) >= 16 && summary.writerUpkeep?.mergeFailures == 0)
        #expect(summary.json().contains("\"idleCheckpoints\""))
        _ = filler
        #expect(try reader.scalar("SELECT count(*) FROM events") == Int64(65_536 + summary.accepted))
    }

    /// A commit that finds the log at its forced length checkpoints it itself, and says so.
    @Test func aCheckpointACommitHadToRunIsCounted() async throws {
        let dir = scratch()
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try await onOwnThread { _ = try WarmTier(path: dir + "/data/warm.sqlite") }
        // 4,200 pages left in the log by a connection that never checkpoints (held open): the
        // engine's first commit finds the log past the forced length.
        let filler = try SQLiteDatabase(path: dir + "/data/warm.sqlite")
        try filler.execute("PRAGMA wal_autocheckpoint=0; CREATE TABLE filler(b BLOB)")
        try filler.transaction { () throws(StoreError) in
            for _ in 0..<4_200 { try filler.execute("INSERT INTO filler(b) VALUES (zeroblob(16000))") }
        }
        let (feed, _) = try await writeFeed(dir, events: 500, seed: 43)
        let summary = await (try Engine(config([.file(feed)], dir))).run()
        #expect(summary.accepted == 500 && summary.failure == nil)
        #expect((summary.writerUpkeep?.forcedCheckpoints ?? 0) >= 1, "\(String(describing: summary.writerUpkeep))")
        #expect(summary.json().contains("\"forcedCheckpoints\""))
        _ = filler
    }
}
