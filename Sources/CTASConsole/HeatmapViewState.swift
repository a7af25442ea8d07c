import CTASCore
import CTASEngine
import H3

/// What the heatmap pane shows: the viewport, the time window and weighting, the engine's
/// latest answer, the hot spot being visited, and an open drill-down list.
public struct HeatmapViewState: Sendable {
    public var viewport = HeatmapViewport()
    public var window: GeoWindow = .all
    /// The span selected on the timeline (it replaces the window while set).
    public var range: TimeRange?
    public var weighting: GeoWeighting = .count
    /// Gi* neighbourhood rings.
    public var k = 1
    /// The engine's answer to the last question (may be for an older one while loading).
    public var data: HeatmapData?
    public var loading = false
    /// Bumped when the question changes, so a late answer to an old one is ignored.
    public var generation = 0
    /// The hot spot `n`/`N` last went to (index into the answer's ranked list).
    public var hotspotIndex: Int?
    /// A hot spot step (`n` +1, `N` -1) asked for while the answer on hand was for another
    /// view (just zoomed, say); taken when the answer for this view arrives.
    public var pendingHotspotStep: Int?
    /// What the cursor cell holds (types, sources), fetched when the cursor moves.
    public var cursorSummary: CellDrill?
    public var drill: DrillState?
    /// The land/sea backdrop (nil: none found).
    public var land: LandMask?
    /// Borders, country and city names (nil: the map shows none).
    public var atlas: WorldAtlas?
    /// The pixel→cell map of the last frame.
    public let cache = PixelCellCache()

    public init() {}

    /// A drill-down: the events of one cell, newest first.
    public struct DrillState: Sendable {
        public var cell: H3Index
        public var result: CellDrill?
        public var selected = 0
        public var scroll = 0
        public var generation = 0
        /// How the list is ordered (`s` cycles).
        public var order: DrillOrder = .newest

        /// Puts the events in `order` (equal keys: newest first, then id, so the order is total).
        mutating func sortEvents() {
            guard var events = result?.events else { return }
            switch order {
            case .newest:
                events.sort { ($0.timestamp, $1.id) > ($1.timestamp, $0.id) }
            case .severity:
                events.sort { (Int($0.severity?.value ?? 0), $0.timestamp, $1.id) > (Int($1.severity?.value ?? 0), $1.timestamp, $0.id) }
            case .type:
                events.sort { ($1.type, $0.timestamp, $1.id) > ($0.type, $1.timestamp, $0.id) }
            case .risk:
                events.sort { (Int($0.risk?.total ?? 0) - ($0.risk == nil ? 1 : 0), $0.timestamp, $1.id)
                    > (Int($1.risk?.total ?? 0) - ($1.risk == nil ? 1 : 0), $1.timestamp, $0.id) }
            }
            result?.events = events
        }
    }

    /// Orders of the drilled cell's list.
    public enum DrillOrder: String, Sendable, CaseIterable {
        case newest, severity, risk, type
        var next: DrillOrder { Self.allCases[(Self.allCases.firstIndex(of: self).map { $0 + 1 } ?? 0) % Self.allCases.count] }
    }

    /// The events asked for per drill-down.
    public static let drillLimit = 500

    /// Up to this display resolution hot spots are sought over the whole world (stable as
    /// the view moves; measured at most ~0.2 s per answer on a million events); finer, over
    /// the cells in view (the world at resolution 7 takes seconds).
    public static let worldAreaMaxResolution = 6

    /// The question for a map of `width`×`height` characters.
    public func query(width: Int, height: Int) -> HeatmapQuery {
        let res = viewport.displayResolution(width: width)
        guard res > Self.worldAreaMaxResolution else {
            return HeatmapQuery(resolution: res, window: window, weighting: weighting, k: k, range: range)
        }
        let key = PixelCellMap.Key(viewport: viewport, width: width, height: height, resolution: res, hasLand: land != nil,
                                   hasAtlas: atlas != nil)
        let cells = cache.map(for: key, landMask: land, atlas: atlas).cells
        return HeatmapQuery(resolution: res, window: window, weighting: weighting, k: k, area: cells, range: range)
    }

    /// The cell under the crosshair (the map's centre).
    public func cursorCell(width: Int, height: Int) -> H3Index? {
        let res = viewport.displayResolution(width: width)
        guard let p = viewport.point(px: width / 2, py: 2 * (height / 2), width: width, height: height) else { return nil }
        return try? H3.latLngToCell(lat: p.lat, lng: p.lng, res: res)
    }

    /// Centres the map on the next (`step` +1) or previous (-1) ranked hot spot of the answer
    /// on hand; returns what to tell the analyst.
    public mutating func stepHotspot(_ step: Int) -> String {
        guard let spots = data?.analysis.hotspots, !spots.isEmpty else {
            return "no significant hot spots at this resolution and window"
        }
        var i = hotspotIndex ?? (step > 0 ? -1 : spots.count)
        i = ((i + step) % spots.count + spots.count) % spots.count
        hotspotIndex = i
        if let c = try? H3.cellToLatLng(spots[i].cell) {
            viewport.centerLat = c.lat
            viewport.centerLng = c.lng
        }
        return "hot spot \(i + 1) of \(spots.count): p \(Format.probability(spots[i].p)), \(Format.count(Int(spots[i].neighborhoodSum.rounded()))) in its k-ring"
    }

    mutating func changed() {
        generation += 1
    }
}
