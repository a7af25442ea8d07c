import CTASCore
import Testing
@testable import CTASEngine

/// The lag the status bar shows: events released and not yet committed, how long the
/// oldest has waited, and lines dropped lately.
@Suite struct PipelineLagTests {
    let second: UInt64 = 1_000_000_000

    @Test func theOldestUncommittedReleaseSetsTheWait() {
        let hub = MetricsHub(sources: [])
        let t0 = MonotonicClock.nanoseconds()
        hub.released(100, at: t0)
        hub.released(50, at: t0 + 3 * second)
        var lag = hub.lag(now: t0 + 4 * second)
        #expect(lag.eventsInFlight == 150)
        #expect(abs(lag.oldestWaitSeconds - 4) < 1e-9)
        #expect(lag.level == .slow)
        // The writer commits the first release: the second one is now the oldest.
        hub.stage(.write, events: 100, nanos: 1)
        lag = hub.lag(now: t0 + 4 * second)
        #expect(lag.eventsInFlight == 50)
        #expect(abs(lag.oldestWaitSeconds - 1) < 1e-9)
        #expect(lag.level == .keepingUp)
        #expect(hub.lag(now: t0 + 14 * second).level == .fallingBehind)
        hub.stage(.write, events: 50, nanos: 1)
        lag = hub.lag(now: t0 + 20 * second)
        #expect(lag.eventsInFlight == 0 && lag.oldestWaitSeconds == 0 && lag.level == .keepingUp)
    }

    @Test func dropsCountForTenSecondsThenAge() {
        let hub = MetricsHub(sources: [])
        hub.dropped(30, source: 0)
        hub.dropped(12, source: 0)
        let now = MonotonicClock.nanoseconds()
        #expect(hub.lag(now: now).recentlyDropped == 42)
        #expect(hub.lag(now: now).level == .fallingBehind)
        #expect(hub.lag(now: now + 11 * second).recentlyDropped == 0)
        #expect(hub.lag(now: now + 11 * second).level == .keepingUp)
    }

    /// Read → durable is each batch's own wait: a batch read just before its commit is not
    /// charged with the wait of an older batch committed in the same transaction.
    @Test func durableLatencyIsEachBatchsOwn() {
        let hub = MetricsHub(sources: [])
        let now = MonotonicClock.nanoseconds() + 10 * second
        hub.durable([(readAtNanos: now - 50_000_000, events: 20), (readAtNanos: now - 1_000_000, events: 980)], at: now)
        hub.durable([(readAtNanos: now + 1, events: 5)], at: now)   // a clock that went backwards: not counted
        let latency = hub.durableLatency
        #expect(latency.count == 1_000)
        #expect(latency.p50 >= 900 && latency.p50 <= 1_100, "\(latency)")
        #expect(latency.p99 >= 45_000 && latency.p99 <= 55_000, "\(latency)")
    }

    @Test func aFinishedRunHasNothingInFlight() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 5000)
        let engine = try Engine(config([.file(feed)], dir))
        _ = await engine.run()
        #expect(engine.snapshot.lag.eventsInFlight == 0)
        #expect(engine.snapshot.lag.level == .keepingUp)
    }

    @Test func headlessStatusLinesSayWhenIngestFallsBehind() {
        var s = Snapshot()
        #expect(!HeadlessReport.statusLine(s).contains("lag"))
        s.lag.oldestWaitSeconds = 3.5
        s.lag.eventsInFlight = 900
        #expect(HeadlessReport.statusLine(s).hasSuffix("lag 3s (900 queued)"))
        s.lag.oldestWaitSeconds = 16
        #expect(HeadlessReport.statusLine(s).hasSuffix("FALLING BEHIND 16s (900 queued, 0 dropped lately)"))
    }

    /// The progress bar's rate is accepted events over the last whole seconds, so a moment
    /// between two commits does not read "0 ev/s"; before there are seconds to count, the
    /// write stage's rate; at the end, the run's.
    @Test func theProgressRateIsOverWholeSecondsNotTheLastMoment() {
        var s = Snapshot()
        var write = StageStatus(name: StageName.write.rawValue)
        write.eventsPerSecond = 0
        s.stages = [write]
        s.rateHistory = [80_000, 90_000, 85_000, 95_000, 90_000, 12_000]
        #expect(s.currentRate == 88_000)
        #expect(HeadlessReport.progressLine(s).contains("  88k ev/s"), "\(HeadlessReport.progressLine(s))")
        s.rateHistory = [4_000]
        s.stages[0].eventsPerSecond = 52_000
        #expect(HeadlessReport.progressLine(s).contains("  52k ev/s"), "\(HeadlessReport.progressLine(s))")
        s.finished = true
        s.uptimeSeconds = 10
        s.totals.accepted = 830_000
        #expect(HeadlessReport.progressLine(s).contains("  83k ev/s"), "\(HeadlessReport.progressLine(s))")
    }
}
