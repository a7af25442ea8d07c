import CTASConsole
import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import Foundation
import H3

/// `ctas bench heatmap`: ingests a generated feed with the real `ctas ingest` (a child
/// process), rebuilds the geo index from the warm tier, then measures what the analyst
/// waits for: the heatmap frame at 200×60 in steady state (pixel map cached) and after a pan
/// (pixel map rebuilt), hot spot computation for the world view and closer ones, and the
/// cell drill-down query, with a full-scan reference for the drill-down in the same run.
public enum HeatmapBenchmark {
    public struct Frames: Codable, Sendable {
        public var view: String
        public var resolution: Int
        public var steadyP50Micros: Double
        public var steadyP99Micros: Double
        public var panP50Micros: Double
        public var panP99Micros: Double
        /// The pane's question for this view (tallies folded from the index, hot spots over
        /// the world, or over the cells in view at resolution 7): its area and time.
        public var hotspotArea: String
        public var paneQueryMillis: Double
    }

    public struct HotspotTiming: Codable, Sendable {
        public var resolution: Int
        public var cellsWithEvents: Int
        public var hotspotRegions: Int
        public var millis: Double
    }

    public struct DrillTiming: Codable, Sendable {
        public var resolution: Int
        public var cell: String
        public var events: Int
        /// The drill-down list: the cell's newest 500 events.
        public var p50Micros: Double
        public var p99Micros: Double
        /// The cell's summary (exact count, top types and sources of its newest 2,000).
        public var summaryP50Micros: Double
        public var summaryP99Micros: Double
        /// The same question answered by scanning every row's coordinates (no cell column).
        public var fullScanMillis: Double?
    }

    public struct Result: Codable, Sendable {
        public var events: Int
        public var ingestSeconds: Double
        public var geoIndexRebuildSeconds: Double
        public var frames: [Frames]
        public var hotspots: [HotspotTiming]
        public var drillDowns: [DrillTiming]
        public var peakResidentBytes: Int
    }

    public static func run(events: Int, seed: UInt64, directory: String, executable: String, repeats: Int = 40,
                           reuse: Bool = false, landMask: LandMask?, atlas: WorldAtlas? = nil) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        var ingestSeconds = 0.0
        if !(reuse && FileManager.default.fileExists(atPath: fixture.warmDatabase)) {
            try fixture.reset()
            var options = FeedGenerator.Options()
            options.seed = seed
            let feedPath = try fixture.generateFeed(named: "heatmap-feed.ndjson", events: events, options: options)
            ingestSeconds = try fixture.ingest([feedPath]).seconds
            try? FileManager.default.removeItem(atPath: feedPath)
        }
        let reader: WarmReader
        do throws(StoreError) { reader = try WarmReader(path: fixture.warmDatabase) } catch { throw BenchError.store("\(error)") }

        // The geo index, as the engine rebuilds it at start.
        let rebuildStart = MonotonicClock.nanoseconds()
        var geo = GeoIndex()
        do throws(StoreError) {
            try reader.scanCells { cell, time, severity in geo.add(cell: cell == 0 ? nil : H3Index(cell), time: time, severity: severity) }
        } catch {
            throw BenchError.store("\(error)")
        }
        let rebuildSeconds = Double(MonotonicClock.nanoseconds() - rebuildStart) / 1e9

        // Hot spots over the whole world at every display resolution (what `ctas hotspots` does).
        var hotspots: [HotspotTiming] = []
        var answers: [Int: HeatmapData] = [:]
        for res in 0...GeoIndex.baseResolution {
            let started = MonotonicClock.nanoseconds()
            let tallies = geo.tallies(resolution: res, window: .all)
            let answer = HeatmapData(query: HeatmapQuery(resolution: res), tallies: tallies)
            let millis = Double(MonotonicClock.nanoseconds() - started) / 1e6
            answers[res] = answer
            hotspots.append(HotspotTiming(resolution: res, cellsWithEvents: tallies.count, hotspotRegions: answer.analysis.hotspots.count,
                                          millis: (millis * 100).rounded() / 100))
        }

        // Frames at 200×60 with the heatmap maximized.
        let width = 200, height = 60
        var frames: [Frames] = []
        let views: [(String, HeatmapViewport)] = [("world", HeatmapViewport(centerLat: 20, centerLng: 0, zoom: 0)),
                                                  ("region (Europe)", HeatmapViewport(centerLat: 50, centerLng: 10, zoom: 3)),
                                                  ("metro (Ashburn)", HeatmapViewport(centerLat: 39.04, centerLng: -77.49, zoom: 8)),
                                                  ("city (Ashburn)", HeatmapViewport(centerLat: 39.04, centerLng: -77.49, zoom: 10))]
        var snapshot = Snapshot()
        snapshot.geo.loaded = true
        for (name, viewport) in views {
            var state = ViewState(panes: [.heatmap], themeName: "default")
            state.focus = .heatmap
            state.heatmap.land = landMask
            state.heatmap.atlas = atlas
            state.heatmap.viewport = viewport
            let map = HeatmapPane.mapArea(in: Rect(x: 0, y: 0, width: width, height: height - 1))
            let res = viewport.displayResolution(width: map.width)
            let query = state.heatmap.query(width: map.width, height: map.height)
            let inViewStart = MonotonicClock.nanoseconds()
            state.heatmap.data = HeatmapData(query: query, tallies: geo.tallies(resolution: res, window: .all))
            let inViewMillis = Double(MonotonicClock.nanoseconds() - inViewStart) / 1e6
            func frame(_ s: ViewState) -> Double {
                let context = RenderContext(snapshot: snapshot, state: s, glyphs: .unicode, keymap: .standard)
                let started = MonotonicClock.nanoseconds()
                _ = ScreenRenderer.render(width: width, height: height, context: context)
                return Double(MonotonicClock.nanoseconds() - started) / 1e3
            }
            _ = frame(state)
            let steady = (0..<repeats).map { _ in frame(state) }.sorted()
            var panned = state
            var pans: [Double] = []
            for i in 0..<repeats {
                panned.heatmap.viewport = panned.heatmap.viewport.panned(dx: i % 8 < 4 ? 1 : -1, dy: 0, width: map.width, height: map.height)
                pans.append(frame(panned))
            }
            pans.sort()
            frames.append(Frames(view: name, resolution: res, steadyP50Micros: steady[steady.count / 2].rounded(),
                                 steadyP99Micros: steady[min(steady.count - 1, steady.count * 99 / 100)].rounded(),
                                 panP50Micros: pans[pans.count / 2].rounded(), panP99Micros: pans[min(pans.count - 1, pans.count * 99 / 100)].rounded(),
                                 hotspotArea: query.area.map { "\($0.count) cells in view" } ?? "world",
                                 paneQueryMillis: (inViewMillis * 100).rounded() / 100))
        }

        // Drill-downs: the busiest cells at a few resolutions, as the pane asks (newest 500
        // events and the cell's summary), and one full-scan reference per resolution.
        var drills: [DrillTiming] = []
        for res in [3, 5, 7] {
            guard let busiest = answers[res]?.tallies.max(by: { $0.value.count < $1.value.count }) else { continue }
            var samples: [Double] = []
            var summaries: [Double] = []
            for _ in 0..<repeats {
                do throws(StoreError) {
                    let started = MonotonicClock.nanoseconds()
                    var q = EventQuery()
                    q.cell = busiest.key
                    q.newestFirst = true
                    q.limit = 500
                    _ = try reader.events(q)
                    let listed = MonotonicClock.nanoseconds()
                    _ = try reader.cellSummary(busiest.key, since: nil)
                    samples.append(Double(listed - started) / 1e3)
                    summaries.append(Double(MonotonicClock.nanoseconds() - listed) / 1e3)
                } catch {
                    throw BenchError.store("\(error)")
                }
            }
            samples.sort()
            summaries.sort()
            let scanStart = MonotonicClock.nanoseconds()
            var matched = 0
            do throws(StoreError) {
                let s = try reader.database.prepare("SELECT lat, lon FROM events WHERE lat IS NOT NULL")
                while try s.step() {
                    if let fine = try? H3.latLngToCell(lat: s.double(0), lng: s.double(1), res: 15),
                       (try? H3.cellToParent(fine, res: res)) == busiest.key { matched += 1 }
                }
            } catch {
                throw BenchError.store("\(error)")
            }
            let scanMillis = Double(MonotonicClock.nanoseconds() - scanStart) / 1e6
            guard matched == busiest.value.count else {
                throw BenchError.store("drill-down reference disagrees: \(matched) events by scan, \(busiest.value.count) by the index")
            }
            drills.append(DrillTiming(resolution: res, cell: busiest.key.description, events: busiest.value.count,
                                      p50Micros: samples[samples.count / 2].rounded(),
                                      p99Micros: samples[min(samples.count - 1, samples.count * 99 / 100)].rounded(),
                                      summaryP50Micros: summaries[summaries.count / 2].rounded(),
                                      summaryP99Micros: summaries[min(summaries.count - 1, summaries.count * 99 / 100)].rounded(),
                                      fullScanMillis: scanMillis.rounded()))
        }
        return Result(events: events, ingestSeconds: (ingestSeconds * 100).rounded() / 100,
                      geoIndexRebuildSeconds: (rebuildSeconds * 1000).rounded() / 1000, frames: frames, hotspots: hotspots,
                      drillDowns: drills, peakResidentBytes: ProcessStats.peakResidentBytes())
    }
}
