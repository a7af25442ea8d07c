import CTASCore
import CTASFeeds
import CTASStore
import Foundation
import CTASTestSupport
import Testing
@testable import CTASEngine

func scratch(_ name: String = #function) -> String {
    return Scratch.directory("engine-\(name.filter { $0.isLetter })")
}

/// Writes a generated feed; returns its path and the generator's counts.
func writeFeed(_ dir: String, events: Int, seed: UInt64 = 5, malformed: Double = 0, rate: Double = 100,
               name: String = "feed.ndjson") async throws -> (String, [String: Int]) {
    try await onOwnThread { try writeFeedNow(dir, events: events, seed: seed, malformed: malformed, rate: rate, name: name) }
}

func writeFeedNow(_ dir: String, events: Int, seed: UInt64, malformed: Double, rate: Double, name: String) throws -> (String, [String: Int]) {
    var options = FeedGenerator.Options()
    options.seed = seed
    options.malformedRate = malformed
    options.rate = rate
    var generator = FeedGenerator(options: options)
    var bytes: [UInt8] = []
    for _ in 0..<events { generator.appendNext(to: &bytes) }
    let path = dir + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return (path, generator.counts)
}

func config(_ sources: [Engine.SourceSpec], _ dir: String) -> Engine.Configuration {
    var c = Engine.Configuration(sources: sources, dataDirectory: DataDirectory(path: dir + "/data"))
    c.publishInterval = .milliseconds(20)
    return c
}

func storedIDs(_ dir: String) throws -> [String] { try WarmReader(path: dir + "/data/warm.sqlite").allIDs() }

@Suite struct EngineTests {
    @Test func ingestsCountsAndDeadLetters() async throws {
        let dir = scratch()
        let (feed, counts) = try await writeFeed(dir, events: 20_000, malformed: 0.03)
        let engine = try Engine(config([.file(feed)], dir))
        let summary = await engine.run()
        let rejectedKinds = FeedGenerator.Injection.allCases.filter(\.isRejected).map(\.rawValue)
        let expectedRejects = rejectedKinds.reduce(0) { $0 + (counts[$1] ?? 0) }
        #expect(summary.accepted == counts["events"])
        #expect(summary.duplicates == counts["duplicate_id"] ?? 0)
        #expect(summary.rejected == expectedRejects)
        #expect(summary.rejectReasons.values.reduce(0, +) == expectedRejects)
        #expect(summary.blankLines == counts["empty_line"] ?? 0)
        #expect(summary.failure == nil)
        #expect(try storedIDs(dir).count == counts["events"])
        let letters = try String(contentsOfFile: dir + "/data/dead-letter.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(letters.count == expectedRejects)
        #expect(summary.tiers["warm"]?.placed == counts["events"])
        #expect((summary.tiers["hot"]?.held ?? 0) > 0)
        #expect(summary.stages["write"]?.events == (counts["events"] ?? 0) + (counts["duplicate_id"] ?? 0))
        let snapshot = engine.snapshot
        #expect(snapshot.finished)
        #expect(snapshot.recent.count == MetricsHub.recentCapacity)
        #expect(snapshot.tiers.first { $0.tier == .cold }?.available == false)
    }

    /// A headless run keeps no hot tier: nothing held, every decision a skip, and everything
    /// still stored warm (the same feed with the tier kept places events hot).
    @Test func aHeadlessRunKeepsNoHotTier() async throws {
        let dir = scratch()
        let (feed, counts) = try await writeFeed(dir, events: 5000)
        var c = config([.file(feed)], dir)
        c.keepsHotTier = false
        let engine = try Engine(c)
        #expect(engine.hot == nil)
        let summary = await engine.run()
        #expect(summary.accepted == counts["events"])
        #expect(try storedIDs(dir).count == counts["events"])
        let hot = try #require(summary.tiers["hot"])
        #expect(hot.available == false)
        #expect(hot.placed == 0)
        #expect((hot.held ?? 0) == 0)
        #expect(hot.decisions == [Engine.hotNotKept: summary.accepted])
        #expect(summary.tiers["warm"]?.placed == counts["events"])

        let kept = scratch()
        let (same, _) = try await writeFeed(kept, events: 5000)
        let withHot = await (try Engine(config([.file(same)], kept))).run()
        #expect(withHot.tiers["hot"]?.available == true)
        #expect((withHot.tiers["hot"]?.placed ?? 0) > 0)
        #expect(withHot.tiers["hot"]?.decisions[Engine.hotNotKept] == nil)
    }

    @Test func resumesFromTheCheckpointAndIsIdempotent() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 3000)
        let first = await (try Engine(config([.file(feed)], dir))).run()
        #expect(first.accepted == 3000)
        // More lines arrive; a second run reads only those.
        let (more, _) = try await writeFeed(dir, events: 500, seed: 6, name: "more.ndjson")
        let handle = try #require(FileHandle(forWritingAtPath: feed))
        handle.seekToEndOfFile()
        handle.write(try Data(contentsOf: URL(fileURLWithPath: more)))
        try handle.close()
        let second = await (try Engine(config([.file(feed)], dir))).run()
        #expect(second.accepted == 500 && second.duplicates == 0)
        #expect(second.sources[0].resumedFromOffset > 0)
        // Reading again from the start stores nothing twice.
        var c = config([.file(feed)], dir)
        c.fromStart = true
        let third = await (try Engine(c)).run()
        #expect(third.accepted == 0 && third.duplicates == 3500)
        #expect(try storedIDs(dir).count == 3500)
    }

    @Test func aFinishedEngineStillReferencedLetsTheNextOneIn() async throws {
        // The data directory's lock goes with the last commit, not with the last reference:
        // a snapshot being published (or a console still showing the result) must not make
        // the next run fail with "another ctas process".
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 200)
        let first = try Engine(config([.file(feed)], dir))
        _ = await first.run()
        let second = try Engine(config([.file(feed)], dir))
        #expect(throws: EngineError.self) { _ = try Engine(config([.file(feed)], dir)) }
        _ = await second.run()
        withExtendedLifetime(first) {}
    }

    @Test func aReplacedFileStartsOver() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 1000)
        _ = await (try Engine(config([.file(feed)], dir))).run()
        let (other, _) = try await writeFeed(dir, events: 700, seed: 77, name: "other.ndjson")
        try FileManager.default.removeItem(atPath: feed)
        try FileManager.default.copyItem(atPath: other, toPath: feed)
        let summary = await (try Engine(config([.file(feed)], dir))).run()
        #expect(summary.sources[0].resumedFromOffset == 0)
        #expect(summary.accepted == 700)
    }

    @Test func replayIsPacedByEventTime() async throws {
        let dir = scratch()
        // 30 events per second of event time: 60 events span about 2 s (long enough that the
        // unpaced run below beats it however loaded the machine is).
        let (feed, _) = try await writeFeed(dir, events: 60, rate: 30)
        var c = config([.file(feed)], dir)
        c.speed = .factor(1)
        // Durations as the engines measure them (start to last stage done), not the test's
        // clock: this task can wait long for the cooperative pool after an engine is done.
        let summary = await (try Engine(c)).run()
        let elapsed = summary.seconds
        #expect(summary.accepted == 60)
        #expect(elapsed > 1.2, "paced, not instant: \(elapsed) s")
        var fast = config([.file(feed)], dir + "-max")
        fast.speed = .max
        let unpaced = await (try Engine(fast)).run().seconds
        #expect(unpaced < elapsed, "max speed \(unpaced) s, paced \(elapsed) s")
    }

    /// 200 events, ten to each 100 ms of event time (about 2 s), replayed at 1×.
    func pacedTrickle(_ dir: String) async throws -> (Engine, IngestSummary, String) {
        let (feed, _) = try await writeFeed(dir, events: 200, rate: 100)
        var c = config([.file(feed)], dir)
        c.speed = .factor(1)
        let engine = try Engine(c)
        return (engine, await engine.run(), dir)
    }

    /// Paced events go out in batches at most ten times a second, not one batch per event:
    /// 200 events of which ten share each 100 ms of event time, at 1×, make about 20
    /// releases (one per 100 ms tick), where releasing each as it fell due made 200.
    @Test func pacedReplayReleasesAtMostTenBatchesASecond() async throws {
        let (engine, summary, _) = try await pacedTrickle(scratch())
        #expect(summary.accepted == 200)
        let releases = engine.hub.releases
        // At most one release per started tick of the run, plus the first (a slow machine
        // makes fewer and larger batches, never more).
        let ticks = Int((summary.seconds / 0.1).rounded(.up)) + 1
        #expect(releases >= 2 && releases <= ticks, "\(releases) releases in \(summary.seconds) s")
        #expect(releases < 60, "\(releases) releases for 200 events")
    }

    /// Writes `events` short native events (about 70 bytes each, so one 1 MiB read decodes
    /// to some 15,000), all at one event time, with a malformed line every 1,000 events.
    func writeDenseFeed(_ dir: String, events: Int) throws -> String {
        var text = ""
        for i in 0..<events {
            text += "{\"id\":\"d-\(i)\",\"ts\":\"2026-11-20T10:00:00Z\",\"type\":\"scan\"}\n"
            if i % 1000 == 999 { text += "{\"id\":\"bad-\(i)\"\n" }
        }
        let path = dir + "/dense.ndjson"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A read that decodes to many events goes on in pieces of at most `forwardEvents` at
    /// full speed (what is in flight is queued batches times their size), while a paced
    /// replay releases a tick's due events whole (in pieces, its read→durable p99 doubled); either way
    /// every event and reject is stored once.
    @Test(arguments: [false, true])
    func aLargeReadGoesOnInPieces(paced: Bool) async throws {
        let dir = scratch("aLargeReadGoesOnInPieces\(paced)")
        let events = 20_000
        let feed = try writeDenseFeed(dir, events: events)
        var c = config([.file(feed)], dir)
        if paced { c.speed = .factor(1) }
        let summary = try await Engine(c).run()
        #expect(summary.accepted == events)
        #expect(summary.rejected == events / 1000)
        #expect(try storedIDs(dir).count == events)
        let pieces = (events + ParseStage.forwardEvents - 1) / ParseStage.forwardEvents
        let batches = summary.stages["route"]?.batches ?? 0
        if paced {
            #expect(batches < pieces, "\(batches) batches: a tick's release was cut into pieces")
        } else {
            #expect(batches >= pieces, "\(batches) batches")
        }
        #expect(summary.stages["route"]?.events == events)
    }

    /// A trickle is committed in groups: a group of fewer than `lingerEvents` waits until its
    /// oldest batch was read `lingerNanos` ago (each commit writes whole pages, however few
    /// events changed them). The paced run above releases about twenty batches in two
    /// seconds; at most one commit per 200 ms of the run stores them all.
    @Test func aTrickleIsCommittedInGroups() async throws {
        let (engine, summary, dir) = try await pacedTrickle(scratch())
        #expect(summary.accepted == 200)
        #expect(try storedIDs(dir).count == 200)
        let commits = summary.stages["write"]?.batches ?? 0
        let bound = Int(summary.seconds * 1e9 / Double(StoreStage.lingerNanos)) + 2
        #expect(commits >= 1 && commits <= bound, "\(commits) commits of \(engine.hub.releases) releases in \(summary.seconds) s")
    }

    /// The linger's rule: a small group after a small one waits (in steps, never past its
    /// oldest batch's due time); a full group, or a small one after a full one (a burst's
    /// tail), goes at once.
    @Test func onlyATrickleLingers() {
        let step = StoreStage.lingerStepNanos, full = StoreStage.lingerEvents
        let t: UInt64 = 5_000_000_000
        #expect(StoreStage.linger(count: 40, lastGroup: 80, oldest: t, now: t) == step)
        #expect(StoreStage.linger(count: 40, lastGroup: 0, oldest: t, now: t + StoreStage.lingerNanos - 30_000_000) == 30_000_000)
        #expect(StoreStage.linger(count: 40, lastGroup: 80, oldest: t, now: t + StoreStage.lingerNanos) == nil, "past due")
        #expect(StoreStage.linger(count: full, lastGroup: 80, oldest: t, now: t) == nil, "a full group")
        #expect(StoreStage.linger(count: 40, lastGroup: full + 500, oldest: t, now: t) == nil, "a burst's tail")
    }

    @Test func pauseHoldsAndResumeReleases() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 2000)
        var c = config([.file(feed)], dir)
        c.startPaused = true
        let engine = try Engine(c)
        engine.start()
        // The file has been read (the parse stage holds its events while paused, or the
        // source already reached the end of this small file).
        #expect(await waitFor { [.paused, .ended].contains(engine.snapshot.sources.first?.state) })
        #expect(engine.snapshot.totals.accepted == 0)
        #expect(engine.snapshot.replay.paused)
        await engine.send(.resume)
        let summary = await engine.waitUntilFinished()
        #expect(summary.accepted == 2000)
    }

    /// A file read to its end is all read, though its last bytes are no record: a JSON
    /// array's closing bracket, blank lines. Its progress used to stop at the last record's
    /// end ("99% ended" in the feed pane), held open as the console holds it or not.
    @Test(arguments: [false, true])
    func aFileReadToItsEndIsAllRead(heldOpen: Bool) async throws {
        let dir = scratch("aFileReadToItsEndIsAllRead\(heldOpen)")
        let elements = (0..<300).map { "  {\"id\":\"a-\($0)\",\"ts\":\"2026-11-20T10:00:\(String(format: "%02d", $0 % 60))Z\",\"type\":\"scan\"}" }
        let text = "[\n" + elements.joined(separator: ",\n") + "\n]\n\n\n"
        let path = dir + "/export.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var c = config([.file(path)], dir)
        c.holdAtEnd = heldOpen
        let engine = try Engine(c)
        let size = Int64(text.utf8.count)
        if heldOpen {
            engine.start()
            #expect(await waitFor { engine.snapshot.totals.accepted == 300 && engine.snapshot.sources.first?.bytesDone == size })
            let source = try #require(engine.snapshot.sources.first)
            #expect(source.fractionDone == 1 && source.state == .ended, "\(source.bytesDone) of \(source.bytesTotal ?? -1)")
            _ = await engine.stop()
        } else {
            let summary = await engine.run()
            #expect(summary.accepted == 300)
            #expect(summary.sources.first?.bytesRead == size)
        }
    }

    @Test func seekSkipsToATime() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 4000, rate: 10)   // about 400 s of event time
        let events = try FeedDecoderHelper.events(feed)
        let target = events[2500].timestamp
        var c = config([.file(feed)], dir)
        c.startPaused = true
        c.holdAtEnd = true   // as the console does: the file stays open however late the seek comes
        let engine = try Engine(c)
        engine.start()
        #expect(await engine.send(.seek(target)) == nil)
        await engine.send(.resume)
        // Released to the end of the file and the events after the target stored; then stop
        // (which commits anything still on its way, so an extra release would be counted).
        let expected = events.filter { $0.timestamp >= target }.count
        #expect(await waitFor {
            let s = engine.snapshot
            return s.sources.first.map { $0.bytesDone == $0.bytesTotal } == true && s.totals.accepted >= expected
        })
        let summary = await engine.stop()
        #expect(summary.accepted == expected)
        // Read again from the last indexed position before the target (the start, or a
        // position the parse stage indexed before the seek came in) and skipped up to it.
        #expect(summary.skippedBySeek > 0 && summary.skippedBySeek <= 2500)
        #expect(try storedIDs(dir).first == events[2500].id)
    }

    /// A seek forward while replaying at a factor releases from the target at once: the
    /// pacing anchors on an event after the seek, never on one the old position was pacing
    /// (which made the replay wait out the skipped span at the replay speed). A step of 90 s
    /// of event time at 1× would stall 90 s, well past the minute a loaded machine may need to
    /// re-read and skip to the target, so the check holds however busy the machine is.
    @Test func seeksForwardWhileReplayingReleaseAtOnce() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 110_000, rate: 100)   // 1,100 s of event time
        let events = try FeedDecoderHelper.events(feed)
        var c = config([.file(feed)], dir)
        c.speed = .factor(1)
        c.holdAtEnd = true
        let engine = try Engine(c)
        engine.start()
        #expect(await waitFor { engine.snapshot.totals.accepted > 0 })
        for step in 1...12 {
            let target = events[step * 9000].timestamp
            #expect(await engine.send(.seek(target)) == nil)
            let moved = await waitFor(60) { (engine.snapshot.replay.eventTime.map { $0 >= target }) == true }
            #expect(moved, "seek \(step) to \(target.rfc3339): the replay clock shows \(engine.snapshot.replay.eventTime?.rfc3339 ?? "nothing")")
            if !moved { break }
        }
        _ = await engine.stop()
    }

    @Test func startAtSkipsToATimeBeforeAnythingIsReleased() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 4000, rate: 10)
        let events = try FeedDecoderHelper.events(feed)
        var c = config([.file(feed)], dir)
        c.startAt = events[2500].timestamp
        let summary = await (try Engine(c)).run()
        let expected = events.filter { $0.timestamp >= events[2500].timestamp }.count
        #expect(summary.accepted == expected)
        #expect(summary.skippedBySeek == 4000 - expected)
        #expect(try storedIDs(dir).first == events[2500].id)
    }

    @Test func aSeekAfterTheSourceWasReadAndClosedIsRefusedNotLeftWaiting() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 300, rate: 10)
        let events = try FeedDecoderHelper.events(feed)
        var c = config([.file(feed)], dir)
        c.startPaused = true
        let engine = try Engine(c)
        engine.start()
        // Not held open: once read to its end, the source closes its file.
        #expect(await waitFor { engine.snapshot.sources.first?.state == .ended })
        let problem = await engine.send(.seek(events[150].timestamp))
        #expect(problem != nil, "a closed source cannot move")
        await engine.send(.resume)
        let summary = await engine.waitUntilFinished()
        #expect(summary.accepted == 300)
        #expect(summary.skippedBySeek == 0)
    }

    @Test func seekingBackAfterTheEndWithTheFileHeldOpen() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 3000, rate: 10)
        let events = try FeedDecoderHelper.events(feed)
        var c = config([.file(feed)], dir)
        c.holdAtEnd = true
        let engine = try Engine(c)
        engine.start()
        #expect(await waitFor { engine.snapshot.totals.accepted == 3000 })
        #expect(await engine.send(.seek(events[1000].timestamp)) == nil)
        #expect(await waitFor { engine.snapshot.totals.duplicates == 2000 }, "the replayed tail is recognised as stored")
        let summary = await engine.stop()
        #expect(summary.accepted == 3000)
    }

    @Test func loopShiftsIdsAndTimes() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 50)
        var c = config([.file(feed)], dir)
        c.loop = true
        let engine = try Engine(c)
        engine.start()
        #expect(await waitFor { engine.snapshot.totals.accepted >= 160 })
        let summary = await engine.stop()
        #expect(summary.duplicates == 0, "each pass has new ids")
        let ids = try storedIDs(dir)
        #expect(ids.contains("evt-5-000000001~1") && ids.contains("evt-5-000000001~2"))
        var q = EventQuery()
        q.limit = 10_000
        let stored = try WarmReader(path: dir + "/data/warm.sqlite").events(q)
        let first = try #require(stored.first { $0.id == "evt-5-000000001" })
        let second = try #require(stored.first { $0.id == "evt-5-000000001~1" })
        let last = try #require(stored.filter { !$0.id.contains("~") }.max { $0.timestamp < $1.timestamp })
        #expect(second.timestamp > last.timestamp, "pass 1 comes after all of pass 0")
        #expect(second.timestamp > first.timestamp)
    }

    @Test func recordingReplaysToTheSameEvents() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 2000, malformed: 0.05)
        var c = config([.file(feed)], dir)
        c.recordPath = dir + "/recorded.ndjson"
        let summary = await (try Engine(c)).run()
        let recorded = try FeedDecoderHelper.events(dir + "/recorded.ndjson")
        #expect(recorded.count == summary.accepted)
        var q = EventQuery()
        q.limit = 100_000
        let stored = try WarmReader(path: dir + "/data/warm.sqlite").events(q)
        #expect(Set(recorded.map(\.id)) == Set(stored.map(\.id)))
        // The recording leaves out the risk score (every ingest gives its own); all else is the same.
        #expect(stored.allSatisfy { $0.risk != nil }, "every accepted event was scored")
        let unscored = stored.map { e -> Event in
            var copy = e
            copy.risk = nil
            return copy
        }
        #expect(Dictionary(uniqueKeysWithValues: recorded.map { ($0.id, $0) }) == Dictionary(uniqueKeysWithValues: unscored.map { ($0.id, $0) }),
                "recorded and stored events differ")
    }

    @Test func liveSourceDropsAreCountedNotLost() async throws {
        let dir = scratch()
        var c = config([.udp(host: "127.0.0.1", port: 0)], dir)
        c.queueCapacity = 2
        c.startPaused = true
        let engine = try Engine(c)
        engine.start()
        let port = try #require(UInt16(engine.snapshot.sources[0].name.split(separator: ":").last ?? ""))
        let sender = try UDPSender(port: port)
        var sent = 0
        for i in 0..<400 {
            let line = NDJSONEventWriter.line(Event(id: "u\(i)", timestamp: Timestamp(microseconds: Int64(i)), type: "udp_test"))
            sender.send(line)
            sent += 1
            if i % 20 == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        // The paused pipeline fills and the source starts dropping (counting) what it cannot queue.
        #expect(await waitFor { engine.snapshot.totals.dropped > 0 })
        await engine.send(.resume)
        #expect(await waitFor { let t = engine.snapshot.totals; return t.accepted + t.dropped == sent })
        let summary = await engine.stop()
        #expect(summary.dropped > 0, "the pipeline was held full")
        #expect(summary.accepted + summary.dropped == sent)
        #expect(summary.sources[0].dropped == summary.dropped)
    }

    /// A followed file is live: the console's replay speed (1× by default) does not pace it.
    /// Its backlog, spanning days here, is caught up at once, and lines appended later show
    /// as they arrive; the same lines as a recording are paced by their times. Pause holds
    /// both. (`ctas console --follow eve.json` showed 5 of a 50-alert backlog, then nothing.)
    @Test func aFollowedFileIsNotPacedByEventTime() async throws {
        let dir = scratch()
        let line = { (n: Int) in #"{"id":"f-\#(n)","ts":"2015-03-\#(String(format: "%02d", 1 + n % 28))T10:00:00Z","type":"alert","severity":5}"# + "\n" }
        try (0..<50).map(line).joined().write(toFile: dir + "/live.ndjson", atomically: true, encoding: .utf8)
        try (0..<50).map(line).joined().write(toFile: dir + "/recorded.ndjson", atomically: true, encoding: .utf8)
        var followed = config([.follow(dir + "/live.ndjson")], dir + "/a")
        followed.speed = .factor(1)
        followed.holdAtEnd = true
        let live = try Engine(followed)
        live.start()
        #expect(await waitFor(60) { live.snapshot.totals.accepted == 50 }, "the backlog caught up: \(live.snapshot.totals.accepted)")
        let more = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/live.ndjson"))
        try more.seekToEnd()
        try more.write(contentsOf: Data((50..<60).map(line).joined().utf8))
        try more.close()
        #expect(await waitFor(60) { live.snapshot.totals.accepted == 60 }, "appended lines shown: \(live.snapshot.totals.accepted)")
        _ = await live.send(.pause)
        let appended = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/live.ndjson"))
        try appended.seekToEnd()
        try appended.write(contentsOf: Data((60..<70).map(line).joined().utf8))
        try appended.close()
        try await Task.sleep(for: .milliseconds(600))
        #expect(live.snapshot.totals.accepted == 60, "paused: held")
        _ = await live.send(.resume)
        #expect(await waitFor(60) { live.snapshot.totals.accepted == 70 })
        _ = await live.stop()

        var recorded = config([.file(dir + "/recorded.ndjson")], dir + "/b")
        recorded.speed = .factor(1)
        recorded.holdAtEnd = true
        let replay = try Engine(recorded)
        replay.start()
        #expect(await waitFor(60) { replay.snapshot.totals.accepted >= 1 })
        try await Task.sleep(for: .seconds(1))
        #expect(replay.snapshot.totals.accepted < 50, "a recording is paced: a day between events at 1×")
        _ = await replay.stop()
    }

    @Test func followPicksUpAppendedLines() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 100)
        let engine = try Engine(config([.follow(feed)], dir))
        engine.start()
        #expect(await waitFor { engine.snapshot.totals.accepted == 100 })
        let (more, _) = try await writeFeed(dir, events: 40, seed: 9, name: "more.ndjson")
        let handle = try #require(FileHandle(forWritingAtPath: feed))
        handle.seekToEndOfFile()
        handle.write(try Data(contentsOf: URL(fileURLWithPath: more)))
        try handle.close()
        #expect(await waitFor { engine.snapshot.totals.accepted == 140 })
        #expect(engine.snapshot.sources[0].kind == .follow)
        _ = await engine.stop()
    }

    @Test func secondWriterOnADataDirectoryIsRefused() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 10)
        let first = try Engine(config([.file(feed)], dir))
        #expect { try Engine(config([.file(feed)], dir)) } throws: { error in
            if case .locked = error as? EngineError { true } else { false }
        }
        // Once the first has finished, the directory is free again (in this process too).
        _ = await first.run()
        let next = try Engine(config([.file(feed)], dir))
        _ = await next.run()
    }

    @Test func badFormatStopsWithAClearFailure() async throws {
        let dir = scratch()
        let path = dir + "/garbage.txt"
        try "hello there\nnot a feed\n".write(toFile: path, atomically: true, encoding: .utf8)
        let summary = await (try Engine(config([.file(path)], dir))).run()
        #expect(summary.failure?.contains("cannot tell the feed format") == true)
        #expect(summary.accepted == 0)
    }

    /// A file that is not a feed fails alone: the others are read whole (the run used to stop
    /// at it, leaving the rest of a directory of logs unread), and the summary names it.
    @Test func aFileThatIsNotAFeedFailsAloneAndTheOthersAreRead() async throws {
        let dir = scratch()
        let garbage = dir + "/stderr.log"
        try "listening on eth0\n\nnot a feed\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let (before, _) = try await writeFeed(dir, events: 300, seed: 5, name: "a.ndjson")
        let (after, _) = try await writeFeed(dir, events: 500, seed: 6, name: "b.ndjson")
        let summary = await (try Engine(config([.file(before), .file(garbage), .file(after)], dir + "/data"))).run()
        #expect(summary.failure?.contains("cannot tell the feed format") == true, "\(String(describing: summary.failure))")
        #expect(summary.accepted == 800, "every event of the two feeds: \(summary.accepted) accepted")
        let states = summary.sources.map(\.state)
        #expect(states.filter { $0.hasPrefix("failed") }.count == 1 && states.filter { $0 == "ended" }.count == 2, "\(states)")
    }
}

enum FeedDecoderHelper {
    static func events(_ path: String) throws -> [Event] {
        let reader = try FileFeedReader(path: path)
        var decoder = FeedDecoder(format: .auto, sourceName: path)
        var out: [Event] = []
        while case .lines(let batch) = try reader.read(maxBytes: 1 << 20) { out += try decoder.decode(batch).events }
        return out
    }
}

struct UDPSender {
    let fd: Int32
    var address = sockaddr_in()

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    }

    func send(_ text: String) {
        var addr = address
        _ = text.withCString { p in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, p, strlen(p), 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }
}
