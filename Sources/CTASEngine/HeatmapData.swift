import CTASCore
import H3

/// What the heatmap asks the engine: densities and hot spots at a display resolution, for a
/// time window and a weighting, with Gi* neighbourhoods of `k` rings.
public struct HeatmapQuery: Sendable, Hashable {
    public var resolution: Int
    public var window: GeoWindow
    public var weighting: GeoWeighting
    public var k: Int

    public init(resolution: Int, window: GeoWindow = .all, weighting: GeoWeighting = .count, k: Int = 1) {
        self.resolution = max(0, min(GeoIndex.baseResolution, resolution))
        self.window = window
        self.weighting = weighting
        self.k = max(1, min(5, k))
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
    public var computeMillis: Double

    /// The value the query's weighting gives `cell` (0 when empty).
    public func value(of cell: H3Index) -> Double { tallies[cell]?.value(query.weighting) ?? 0 }
}

/// The geo index's state in the snapshot.
public struct GeoStatus: Sendable, Equatable {
    public var loaded = false
    public var located = 0
    public var unlocated = 0
    public var baseCells = 0
    public var version = 0
}
