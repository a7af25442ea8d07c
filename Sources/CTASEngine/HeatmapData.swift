import CTASCore
import H3

/// What the heatmap asks the engine: densities and hot spots at a display resolution, for a
/// time window and a weighting, with Gi* neighbourhoods of `k` rings, over an area: the
/// cells in view (the pane's question: where, within what I see, is it hot?) or, when nil,
/// the whole world.
public struct HeatmapQuery: Sendable, Hashable {
    public var resolution: Int
    public var window: GeoWindow
    public var weighting: GeoWeighting
    public var k: Int
    public var area: [H3Index]?
    /// A span of event time selected on the timeline: it replaces the window.
    public var range: TimeRange?

    public init(resolution: Int, window: GeoWindow = .all, weighting: GeoWeighting = .count, k: Int = 1, area: [H3Index]? = nil,
                range: TimeRange? = nil) {
        self.range = range
        self.resolution = max(0, min(GeoIndex.baseResolution, resolution))
        self.window = window
        self.weighting = weighting
        self.k = max(1, min(5, k))
        self.area = area
    }
}

/// The engine's answer: per-cell tallies at the display resolution and the hot spot analysis.
public struct HeatmapData: Sendable {
    public var query: HeatmapQuery
    public var tallies: [H3Index: CellTally]
    public var analysis: HotspotAnalysis
    /// The largest cell value (for the colour ramp).
    public var maximum: Double
    public var windowStart: Timestamp?
    public var newestTime: Timestamp?
    /// Events on the map in the window, and events without a location (all time).
    public var locatedInWindow: Int
    public var unlocated: Int
    /// The geo index version this answers (the pane asks again when the snapshot's is newer).
    public var version: Int
    /// For the leading hot spots: events in their peak cell in the last hour of event time
    /// (to the newest event's minute) and in the hour before, for the trend.
    public var trend: [H3Index: HotspotTrend] = [:]
    public var computeMillis: Double

    /// Scores `tallies` (cells at the query's resolution) for `query`: the maximum, the
    /// located count and the hot spot analysis over the whole world.
    public init(query: HeatmapQuery, tallies: [H3Index: CellTally], windowStart: Timestamp? = nil, newestTime: Timestamp? = nil,
                unlocated: Int = 0, version: Int = 0) {
        let started = MonotonicClock.nanoseconds()
        var values: [H3Index: Double] = [:]
        values.reserveCapacity(tallies.count)
        var maximum = 0.0
        var located = 0
        for (cell, tally) in tallies {
            let v = tally.value(query.weighting)
            values[cell] = v
            maximum = max(maximum, v)
            located += tally.count
        }
        self.query = query
        self.tallies = tallies
        analysis = Hotspots.analyze(values: values, resolution: query.resolution, k: query.k, area: query.area.map { .cells($0) } ?? .world)
        self.maximum = maximum
        self.windowStart = windowStart
        self.newestTime = newestTime
        locatedInWindow = located
        self.unlocated = unlocated
        self.version = version
        computeMillis = Double(MonotonicClock.nanoseconds() - started) / 1e6
    }

    /// The value the query's weighting gives `cell` (0 when empty).
    public func value(of cell: H3Index) -> Double { tallies[cell]?.value(query.weighting) ?? 0 }
}

/// A hot spot's last hour against the hour before.
public struct HotspotTrend: Sendable, Equatable {
    public var lastHour: Int
    public var hourBefore: Int
    public init(lastHour: Int, hourBefore: Int) {
        self.lastHour = lastHour
        self.hourBefore = hourBefore
    }
}

/// The geo index's state in the snapshot.
public struct GeoStatus: Sendable, Equatable {
    public var loaded = false
    public var located = 0
    public var unlocated = 0
    public var baseCells = 0
    public var version = 0
}
