import CTASBehaviour
import CTASCore
import CTASFeeds
import CTASStore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASEngine

extension StoredHistoryLoader {
    /// Occupies the loader's thread until `gate` is signalled (after signalling `holding`).
    func hold(_ gate: DispatchSemaphore, holding: DispatchSemaphore) {
        holding.signal()
        gate.wait()
    }
}

/// What earlier runs stored (the geo index, the timeline, the behaviour monitor's history)
/// loads beside live batches: a console on a large store shows live events at once.
@Suite struct StoredHistoryTests {
    @Test func liveBatchesFlowWhileTheStoredHistoryLoadsAndNothingIsCountedTwiceOrLost() async throws {
        let dir = scratch()
        let activity = try StoredAndLiveActivity(entities: 10, seed: 23, in: dir)
        let (stored, live, burst, burstHour) = (activity.stored, activity.live, activity.burst, activity.burstHour)
        let all = stored + live
        _ = await (try Engine(config([.file(try StoredAndLiveActivity.write(stored, named: "stored.ndjson", in: dir))], dir))).run()
        let database = dir + "/data/warm.sqlite"
        let newest = try #require(try WarmReader(path: database).newest())

        // The loader's thread is held: nothing of the history can arrive yet.
        let loader = StoredHistoryLoader(path: database, throughSeq: newest.seq)
        let gate = DispatchSemaphore(value: 0), holding = DispatchSemaphore(value: 0)
        Task { await loader.hold(gate, holding: holding) }
        try await onOwnThread { holding.wait() }
        let hub = MetricsHub(sources: [])
        let geo = GeoHub()
        let queue = BoundedQueue<CommittedBatch>(capacity: 2)
        let monitorOptions = LiveAnomalyMonitor.Options()
        let batches = stride(from: 0, to: live.count, by: 250).map { Array(live[$0..<min($0 + 250, live.count)]) }
        #expect(batches.count > 8)
        // All but the last two batches flow while the history is held; then the monitor's
        // queue is full and the stage waits (the burst is among the events that waited).
        let flowing = batches.count - 2
        let waited = batches[..<flowing].reduce(0) { $0 + $1.count }
        #expect(burst.allSatisfy { b in batches[..<flowing].contains { $0.contains { $0.id == b.id } } })
        let fanout = FanoutStage(input: queue, hot: nil, recorder: nil, hub: hub, geo: geo, risk: nil,
                                 anomalies: LiveAnomalyMonitor(options: monitorOptions), storedBefore: loader, waitingLimit: waited)
        let running = Task { await fanout.run() }
        func batch(_ events: [Event]) -> CommittedBatch {
            CommittedBatch(events: [events], placements: [[]], rows: [WarmRowBlock()], cells: [[]],
                           inserted: [Bool](repeating: true, count: events.count), rejectKeys: [], warnings: [:],
                           blankLines: 0, lines: events.count, writeNanos: 0, storedEvents: 0)
        }
        func accepted() -> Int { hub.state.withLock { $0.totals.accepted } }
        func waitFor(_ count: Int) async throws {
            for _ in 0..<3_000 where accepted() < count { try await Task.sleep(for: .milliseconds(10)) }
        }
        for b in batches[..<flowing] { await queue.send(batch(b)) }
        try await waitFor(waited)
        #expect(accepted() == waited, "live batches pass while the history is held")
        #expect(hub.state.withLock { $0.anomalies?.rebuiltFromEvents } == nil)
        #expect(!geo.status.loaded && geo.status.located + geo.status.unlocated == waited)
        // The queue holds the last two batches; the stage takes neither until the history is in.
        for b in batches[flowing...] { await queue.send(batch(b)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(accepted() == waited, "the stage waits once the monitor's queue is full")

        gate.signal()
        queue.close()
        await running.value
        loader.finish()

        #expect(accepted() == live.count)
        let timeline = hub.state.withLock { $0.timeline }
        #expect(timeline.total == all.count, "stored and live minutes, each once")
        #expect(timeline.buckets == TimelineEngineTests.bands(all, width: timeline.width))
        #expect(geo.status.loaded && geo.status.located + geo.status.unlocated == all.count)
        // The monitor judged the live events after the stored ones, as if it had waited.
        var reference = LiveAnomalyMonitor(options: monitorOptions)
        _ = reference.observe(stored)
        reference.forgetFindings()
        let found = reference.observe(live)
        #expect(found.contains { $0.entity == "host-0" && $0.start == burstHour }, "the burst is judged by the stored weeks")
        let status = try #require(hub.state.withLock { $0.anomalies })
        #expect(status.rebuiltFromEvents == stored.filter { $0.entity != nil }.count)
        #expect(status.tracked == reference.status.tracked && status.untracked == reference.status.untracked)
        #expect(status.rate == reference.status.rate && status.rare == reference.status.rare)
        #expect(Set(status.recent.map { "\($0.entity) \($0.kind) \($0.start) \($0.detail)" })
                == Set(found.map { "\($0.entity) \($0.kind.rawValue) \($0.start.rfc3339) \($0.detail)" }))
        #expect(hub.state.withLock { $0.failure } == nil)
    }

    @Test func aCancelledGeoLoadStopsAtItsNextChunkAndGivesNoTimeline() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 60_000, seed: 4)
        _ = await (try Engine(config([.file(feed)], dir))).run()
        let database = dir + "/data/warm.sqlite"
        let newest = try #require(try WarmReader(path: database).newest())
        let loader = StoredHistoryLoader(path: database, throughSeq: newest.seq)
        defer { loader.finish() }
        let whole = GeoHub()
        let (timeline, problem) = await loader.loadGeo(into: whole)
        #expect(problem == nil && timeline?.total == 60_000)
        #expect(whole.status.located + whole.status.unlocated == 60_000)
        let stopped = GeoHub()
        stopped.cancelLoading()
        let (none, again) = await loader.loadGeo(into: stopped)
        #expect(again == nil && none == nil)
        #expect(stopped.status.loaded && stopped.status.located + stopped.status.unlocated == 50_000, "one chunk, then it stops")
    }
}

/// The saved monitor against what was stored after it.
@Suite struct SavedMonitorResumeTests {
    /// More events stored since the monitor was saved than a rebuild reads: the history is
    /// rebuilt (the shorter way), and the file set aside says why.
    @Test func moreStoredSinceThanARebuildReadsRebuilds() async throws {
        let dir = scratch()
        let activity = try StoredAndLiveActivity(entities: 4, seed: 9, in: dir)
        let cut = activity.stored.count / 2
        let first = try StoredAndLiveActivity.write(Array(activity.stored[..<cut]), named: "first.ndjson", in: dir)
        let unseen = try StoredAndLiveActivity.write(Array(activity.stored[cut...]), named: "unseen.ndjson", in: dir)
        _ = await (try Engine(config([.file(first)], dir))).run()
        var off = config([.file(unseen)], dir)
        off.anomalies = nil
        _ = await (try Engine(off)).run()
        let data = DataDirectory(path: dir + "/data")
        let newest = try #require(try WarmReader(path: data.warmDatabase).newest())
        let unseenCount = activity.stored.count - cut
        let limit = unseenCount - 1
        let loader = StoredHistoryLoader(path: data.warmDatabase, throughSeq: newest.seq, maximumEvents: limit)
        let rebuilt = await loader.resume(LiveAnomalyMonitor(), risk: nil, savedIn: data.savedMonitorFile)
        let times = activity.stored.map(\.timestamp).sorted(by: >)
        let newestRead = activity.stored.filter { $0.timestamp >= times[limit - 1] && $0.entity != nil }.count
        #expect(!rebuilt.resumed && rebuilt.events == newestRead, "the newest \(limit) rebuilt (\(newestRead) with an entity), not \(rebuilt.events)")
        #expect(rebuilt.setAside?.contains("\(unseenCount) events stored since it was saved") == true, "\(rebuilt.setAside ?? "nothing set aside")")
        let within = StoredHistoryLoader(path: data.warmDatabase, throughSeq: newest.seq, maximumEvents: unseenCount)
        let resumed = await within.resume(LiveAnomalyMonitor(), risk: nil, savedIn: data.savedMonitorFile)
        #expect(resumed.resumed && resumed.events == activity.stored[cut...].filter { $0.entity != nil }.count && resumed.setAside == nil)
        loader.finish()
        within.finish()
    }

    /// A run whose stored history could not be read leaves no saved monitor: the next run
    /// must not resume a partial history as a whole one. The same stage on a readable store
    /// saves one (so the check can fail).
    @Test func aRunWhoseHistoryCouldNotBeReadSavesNoMonitor() async throws {
        let dir = scratch()
        let activity = try StoredAndLiveActivity(entities: 4, seed: 13, in: dir)
        _ = await (try Engine(config([.file(try StoredAndLiveActivity.write(activity.stored, named: "stored.ndjson", in: dir))], dir))).run()
        let data = DataDirectory(path: dir + "/data")
        let newest = try #require(try WarmReader(path: data.warmDatabase).newest())
        let damaged = dir + "/damaged.sqlite"
        try Data(repeating: 0x41, count: 8_192).write(to: URL(fileURLWithPath: damaged))
        for (history, saves) in [(data.warmDatabase, true), (damaged, false)] {
            let file = dir + "/monitor-\(saves).saved"
            let hub = MetricsHub(sources: [])
            let queue = BoundedQueue<CommittedBatch>(capacity: 2)
            let fanout = FanoutStage(input: queue, hot: nil, recorder: nil, hub: hub, geo: nil, risk: nil,
                                     anomalies: LiveAnomalyMonitor(), storedBefore: StoredHistoryLoader(path: history, throughSeq: newest.seq),
                                     savedMonitor: (file: file, warmPath: data.warmDatabase), storedThroughSeq: newest.seq)
            let running = Task { await fanout.run() }
            queue.close()
            await running.value
            let failure = hub.state.withLock { $0.failure }
            #expect(FileManager.default.fileExists(atPath: file) == saves, "history from \(history)")
            #expect((failure != nil) == !saves, "\(failure ?? "no failure")")
        }
    }
}
