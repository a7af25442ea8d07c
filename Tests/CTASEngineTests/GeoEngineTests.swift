import CTASCore
import CTASFeeds
import CTASStore
import CTASTestSupport
import Foundation
import H3
import Testing
@testable import CTASEngine

/// The engine's geo index: fed by committed events, rebuilt from the warm tier at start,
/// answering windows and drill-downs that agree with the store.
@Suite struct GeoEngineTests {
    /// Per resolution-`res` cell (parent of each event's resolution-15 cell), from the store.
    static func storedTallies(_ dir: String, res: Int, since: Timestamp? = nil) throws -> [H3Index: CellTally] {
        var out: [H3Index: CellTally] = [:]
        try WarmReader(path: dir + "/data/warm.sqlite").scanCells(since: since) { raw, _, severity in
            guard raw != 0, let c = try? H3.cellToParent(H3Index(raw), res: res) else { return }
            out[c, default: CellTally()].count += 1
            out[c, default: CellTally()].severitySum += severity ?? 1
        }
        return out
    }

    static func checkLive(feed: String, dir: String, events: Int) async throws {
        let engine = try Engine(config([.file(feed)], dir))
        #expect(engine.snapshot.geo.loaded, "a fresh store has nothing to load: the index is whole from the start")
        _ = await engine.run()
        for res in [0, 3, 7] {
            let live = await engine.heatmap(HeatmapQuery(resolution: res))
            #expect(live.tallies == (try storedTallies(dir, res: res)), "live, resolution \(res)")
            #expect(live.locatedInWindow + live.unlocated == events)
        }
        let severity = await engine.heatmap(HeatmapQuery(resolution: 4, weighting: .severity))
        let stored = try storedTallies(dir, res: 4)
        #expect(severity.maximum == Double(stored.values.map(\.severitySum).max() ?? 0))
    }

    @Test func densitiesMatchTheStoreLiveAndAfterARestart() async throws {
        let dir = scratch()
        let (feed, counts) = try await writeFeed(dir, events: 6_000, malformed: 0.01)
        try await Self.checkLive(feed: feed, dir: dir, events: counts["events"] ?? 0)

        // A second engine on the same data reads the stored events before its own.
        let (more, moreCounts) = try await writeFeed(dir, events: 2_000, seed: 77, name: "more.ndjson")
        let second = try Engine(config([.file(more)], dir))
        #expect(!second.snapshot.geo.loaded, "the stored events are still to load")
        _ = await second.run()
        let reloaded = await second.heatmap(HeatmapQuery(resolution: 5))
        #expect(reloaded.tallies == (try Self.storedTallies(dir, res: 5)), "stored and new, counted once each")
        #expect(reloaded.locatedInWindow + reloaded.unlocated == (counts["events"] ?? 0) + (moreCounts["events"] ?? 0))
        #expect(second.snapshot.geo.loaded)

        // Windows measure back from the newest event time, on whole minutes.
        let hour = await second.heatmap(HeatmapQuery(resolution: 5, window: .hour))
        let start = try #require(hour.windowStart)
        #expect(hour.tallies == (try Self.storedTallies(dir, res: 5, since: start)))
        #expect(start.microseconds % 60_000_000 == 0)

        // The drill-down lists the cell's newest events and agrees with the tallies.
        let top = try #require(reloaded.tallies.max { $0.value.count < $1.value.count })
        let drill = await second.drill(into: top.key, since: nil, limit: 50)
        #expect(drill.error == nil)
        #expect(drill.summary.count == top.value.count)
        #expect(drill.events.count == min(50, top.value.count))
        #expect(zip(drill.events, drill.events.dropFirst()).allSatisfy { $0.timestamp >= $1.timestamp }, "newest first")
        #expect(drill.summary.types.reduce(0) { $0 + $1.count } <= top.value.count)
        // Answers are cached until the index changes.
        let again = await second.heatmap(HeatmapQuery(resolution: 5))
        #expect(again.version == reloaded.version)
    }

    @Test func theIndexAloneHandlesWindowsLateEventsAndOddCells() {
        var geo = GeoIndex()
        let t0 = Timestamp(microseconds: 1_795_132_800_000_000)
        let paris = try! H3.latLngToCell(lat: 48.85, lng: 2.35, res: 15)
        geo.add(cell: paris, time: t0, severity: 9)
        geo.add(cell: paris, time: t0 + .seconds(7_200), severity: nil)
        geo.add(cell: nil, time: t0, severity: 3)
        geo.add(cell: try! H3.latLngToCell(lat: 0, lng: 0, res: 2), time: t0, severity: 1)   // coarser than the base: not placeable
        geo.add(cell: paris, time: t0 - .seconds(86_400 * 3), severity: 2)   // late and old: in the total only
        let parent = try! H3.cellToParent(paris, res: 3)
        #expect(geo.tallies(resolution: 3, window: .all)[parent] == CellTally(count: 3, severitySum: 12))
        #expect(geo.tallies(resolution: 3, window: .hour)[parent] == CellTally(count: 1, severitySum: 1))
        #expect(geo.tallies(resolution: 3, window: .day)[parent] == CellTally(count: 2, severitySum: 10))
        #expect(geo.located == 3 && geo.unlocated == 2)
        #expect(geo.tallies(resolution: 99, window: .all).keys.allSatisfy { $0.resolution == GeoIndex.baseResolution })
        #expect(geo.tallies(resolution: -4, window: .all).keys.allSatisfy { $0.resolution == 0 })
    }
}
