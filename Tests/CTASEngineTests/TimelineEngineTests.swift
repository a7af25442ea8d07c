import CTASCore
import CTASFeeds
import CTASIntel
import CTASStore
import CTASTestSupport
import Foundation
import H3
import Testing
@testable import CTASEngine

/// The engine's timeline: every committed event counted by event time and band; what earlier
/// runs stored read back at start (when the engine keeps its on-screen views); intelligence
/// sightings marked.
@Suite struct TimelineEngineTests {
    static func bands(_ events: [Event], width: Int64) -> [Int64: BandCounts] {
        var out: [Int64: BandCounts] = [:]
        for e in events { out[e.timestamp.microseconds.floorDivided(by: width).quotient, default: BandCounts()].add(e.severity) }
        return out
    }

    @Test func theTimelineCountsEveryCommittedEventAndReadsEarlierRunsBack() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 4_000, rate: 2)
        let events = try FeedDecoderHelper.events(feed)
        let engine = try Engine(config([.file(feed)], dir))
        _ = await engine.run()
        let timeline = engine.snapshot.timeline
        #expect(timeline.total == events.count)
        #expect(timeline.buckets == Self.bands(events, width: timeline.width))
        // A second run over the same directory with nothing new: the timeline is read back.
        let (other, _) = try await writeFeed(dir, events: 500, seed: 9, rate: 2, name: "more.ndjson")
        let more = try FeedDecoderHelper.events(other)
        let second = try Engine(config([.file(other)], dir))
        _ = await second.run()
        #expect(second.snapshot.timeline.total == events.count + more.count)
        #expect(second.snapshot.timeline.buckets == Self.bands(events + more, width: second.snapshot.timeline.width))
        // Headless runs (no geo index: nothing on screen) skip reading earlier runs back.
        var headless = config([.file(other)], dir)
        headless.geoIndex = false
        headless.fromStart = true
        let third = try Engine(headless)
        _ = await third.run()
        // Duplicates are not stored again, so they are not counted again either.
        #expect(third.snapshot.timeline.total == 0, "\(third.snapshot.timeline.total)")
    }

    /// A console's feed that ends or pauses: the timeline and the attention line show its
    /// last batch, however soon after the one before it came. They are worked out again at
    /// most every `attentionInterval` while batches queue up; the last batch of a burst used
    /// to wait for a next one, which a feed that has ended never sends.
    @Test func theLastBatchBeforeAPauseIsShown() async throws {
        let dir = scratch()
        let feed = dir + "/grows.ndjson"
        let line = { (n: Int) in #"{"id":"g-\#(n)","ts":"2026-11-20T10:\#(String(format: "%02d", n % 60)):00Z","type":"dns","severity":9,"entity":"host-\#(n % 3)"}"# + "\n" }
        try (0..<10).map(line).joined().write(toFile: feed, atomically: true, encoding: .utf8)
        var c = config([.follow(feed)], dir)
        c.holdAtEnd = true
        c.attentionInterval = .seconds(3_600)   // one update per hour while batches queue
        let engine = try Engine(c)
        engine.start()
        #expect(await waitFor(60) { engine.snapshot.timeline.total == 10 }, "the first batch shown: \(engine.snapshot.timeline.total)")
        let more = try FileHandle(forWritingTo: URL(fileURLWithPath: feed))
        try more.seekToEnd()
        try more.write(contentsOf: Data((10..<25).map(line).joined().utf8))
        try more.close()
        #expect(await waitFor(60) { engine.snapshot.totals.accepted == 25 })
        let shown = await waitFor(10) { engine.snapshot.timeline.total == 25 && engine.snapshot.attention.critical == 25 }
        #expect(shown, "timeline \(engine.snapshot.timeline.total), critical \(engine.snapshot.attention.critical) of 25 accepted")
        _ = await engine.stop()
    }

    @Test func eventsThatSightIntelligenceAreMarked() async throws {
        let dir = scratch()
        let directory = DataDirectory(path: dir + "/data")
        try directory.create()
        let database = try WarmTier(path: directory.warmDatabase).database
        let store = try IntelStore(database: database)
        let bundle = #"{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","name":"c2","pattern":"[domain-name:value = 'c2-known.net']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}]}"#
        let batch = Array(bundle.utf8).withUnsafeBufferPointer { STIXBundleReader().read($0, file: "b.json") }
        _ = try store.store(batch, importedAt: Timestamp(microseconds: 0))
        let feed = dir + "/feed.ndjson"
        try """
            {"id":"a","ts":"2026-11-20T10:00:10Z","type":"dns","indicators":["c2-known.net"]}
            {"id":"b","ts":"2026-11-20T10:05:00Z","type":"dns","indicators":["benign.org"]}
            {"id":"c","ts":"2026-11-20T11:30:00Z","type":"dns","description":"lookup of c2-known[.]net"}

            """.write(toFile: feed, atomically: true, encoding: .utf8)
        let engine = try Engine(config([.file(feed)], dir))
        _ = await engine.run()
        let sightings = engine.snapshot.sightingTimeline
        #expect(sightings.total == 2)
        let minutes = sightings.series().map { $0.start.rfc3339 }
        #expect(minutes == ["2026-11-20T10:00:00Z", "2026-11-20T11:30:00Z"], "\(minutes)")
        #expect(engine.snapshot.timeline.total == 3)
    }
}

/// A hot spot's trend: its peak cell's events in the last hour of event time against the hour before.
@Suite struct HotspotTrendTests {
    @Test func theLastHourIsComparedWithTheHourBefore() throws {
        let hub = GeoHub()
        let hot = try H3.latLngToCell(lat: 48.8566, lng: 2.3522, res: 9)
        let base: Int64 = 1_795_132_800_000_000  // 2026-11-20T00:00Z
        var events: [Event] = []
        var cells: [UInt64] = []
        // Hour 0: 30 events; hour 1: 90 events, the last at 01:59:30; a little noise elsewhere.
        for i in 0..<30 { events.append(Event(id: "a\(i)", timestamp: Timestamp(microseconds: base + Int64(i) * 100_000_000), type: "x")); cells.append(hot.rawValue) }
        for i in 0..<90 {
            events.append(Event(id: "b\(i)", timestamp: Timestamp(microseconds: base + 3_600_000_000 + Int64(i) * 39_000_000), type: "x"))
            cells.append(hot.rawValue)
        }
        for (i, (lat, lng)) in [(10.0, 10.0), (-20.0, 40.0), (35.0, -100.0)].enumerated() {
            events.append(Event(id: "n\(i)", timestamp: Timestamp(microseconds: base + 60_000_000), type: "x"))
            cells.append(try H3.latLngToCell(lat: lat, lng: lng, res: 9).rawValue)
        }
        hub.add(events, cells: cells, inserted: ArraySlice(Array(repeating: true, count: events.count)))
        let data = hub.heatmap(HeatmapQuery(resolution: 5))
        let peak = try H3.cellToParent(hot, res: 5)
        #expect(data.analysis.hotspots.contains { $0.cell == peak })
        #expect(data.trend[peak] == HotspotTrend(lastHour: 90, hourBefore: 30), "\(String(describing: data.trend[peak]))")
    }
}
