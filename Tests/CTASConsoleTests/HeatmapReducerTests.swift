import Foundation
import CTASCore
import CTASEngine
import H3
import Testing
@testable import CTASConsole

@Suite struct HeatmapReducerTests {
    let reducer = Reducer(keymap: .standard)

    func ctx() -> Reducer.Context {
        Reducer.Context(snapshot: busySnapshot(), feedList: [], feedRows: 10, graphRows: 10, heatmapSize: (100, 30), drillRows: 12,
                        now: Timestamp(microseconds: 1_795_169_735_000_000))
    }

    func state() -> ViewState {
        var s = ViewState(panes: [.feed, .heatmap, .graph], themeName: "default")
        s.focus = .heatmap
        return s
    }

    @Test func arrowsAndHjklPanPlusMinusZoomAndEachAsksAgain() {
        var s = state()
        let start = s.heatmap.viewport
        #expect(reducer.handle(.character("l"), state: &s, context: ctx()) == [.queryHeatmap])
        #expect(s.heatmap.viewport.centerLng > start.centerLng)
        _ = reducer.handle(.left, state: &s, context: ctx())
        #expect(abs(s.heatmap.viewport.centerLng - start.centerLng) < 1e-9)
        _ = reducer.handle(.character("k"), state: &s, context: ctx())
        #expect(s.heatmap.viewport.centerLat > start.centerLat)
        _ = reducer.handle(.down, state: &s, context: ctx())
        #expect(abs(s.heatmap.viewport.centerLat - start.centerLat) < 1e-9)
        _ = reducer.handle(.character("+"), state: &s, context: ctx())
        #expect(s.heatmap.viewport.zoom == 1)
        _ = reducer.handle(.character("-"), state: &s, context: ctx())
        _ = reducer.handle(.character("-"), state: &s, context: ctx())
        #expect(s.heatmap.viewport.zoom == 0)
        #expect(s.message?.text == "whole world")
        // Panning far north stops at the pole; far east wraps.
        for _ in 0..<50 { _ = reducer.handle(.up, state: &s, context: ctx()) }
        #expect(s.heatmap.viewport.centerLat == 90)
        for _ in 0..<50 { _ = reducer.handle(.right, state: &s, context: ctx()) }
        #expect((-180...180).contains(s.heatmap.viewport.centerLng))
        // Zoom caps.
        for _ in 0..<40 { _ = reducer.handle(.character("+"), state: &s, context: ctx()) }
        #expect(s.heatmap.viewport.zoom == HeatmapViewport.maxZoom)
    }

    @Test func windowCyclesAndGoToTakesCoordinatesOrACell() throws {
        var s = state()
        _ = reducer.handle(.character("w"), state: &s, context: ctx())
        #expect(s.heatmap.window == .hour)
        _ = reducer.handle(.character("w"), state: &s, context: ctx())
        _ = reducer.handle(.character("w"), state: &s, context: ctx())
        #expect(s.heatmap.window == .all)
        _ = reducer.handle(.character("g"), state: &s, context: ctx())
        #expect(s.prompt?.kind == .goTo)
        for c in "48.85,2.35" { _ = reducer.handle(.character(c), state: &s, context: ctx()) }
        #expect(reducer.handle(.enter, state: &s, context: ctx()) == [.queryHeatmap])
        #expect(abs(s.heatmap.viewport.centerLat - 48.85) < 1e-9 && abs(s.heatmap.viewport.centerLng - 2.35) < 1e-9)
        let cell = try H3.latLngToCell(lat: -33.9, lng: 18.4, res: 5)
        #expect(reducer.runCommand("goto \(cell)", state: &s, context: ctx()) == [.queryHeatmap])
        #expect(s.heatmap.viewport.displayResolution(width: 100) == 5)
        let centre = try H3.cellToLatLng(cell)
        #expect(abs(s.heatmap.viewport.centerLat - centre.lat) < 1e-9)
        // Hostile or malformed input: an error, the view unchanged.
        let before = s.heatmap.viewport
        for bad in ["91,0", "0,181", "nan,0", "1,2,3", "zz", "\u{1B}[2J", String(repeating: "9", count: 400), "ffffffffffffffff"] {
            #expect(reducer.runCommand("goto \(bad)", state: &s, context: ctx()).isEmpty)
            #expect(s.message?.isError == true)
            #expect(s.heatmap.viewport == before, "\(bad)")
            #expect(!(s.message?.text.contains("\u{1B}") ?? false))
        }
        #expect(reducer.runCommand("window 24h", state: &s, context: ctx()) == [.queryHeatmap])
        #expect(s.heatmap.window == .day)
        #expect(reducer.runCommand("weight severity", state: &s, context: ctx()) == [.queryHeatmap])
        #expect(s.heatmap.weighting == .severity)
        #expect(reducer.runCommand("window 2h", state: &s, context: ctx()).isEmpty && s.message?.isError == true)
        #expect(reducer.runCommand("k 9", state: &s, context: ctx()).isEmpty && s.message?.isError == true)
    }

    /// A state zoomed in to display resolution 2 (where two busy cells are both significant).
    func zoomedState() -> ViewState {
        var s = state()
        while s.heatmap.viewport.displayResolution(width: 100) < 2 { _ = reducer.handle(.character("+"), state: &s, context: ctx()) }
        return s
    }

    @Test func nextAndPreviousHotSpotCentreOnThemInRankOrder() throws {
        var s = zoomedState()
        let view = s.heatmap.query(width: 100, height: 30)
        s.heatmap.data = HeatmapData(query: view, tallies: [:])
        _ = reducer.handle(.character("n"), state: &s, context: ctx())
        #expect(s.message?.text.contains("no significant hot spots") == true)
        let a = try H3.latLngToCell(lat: 35.68, lng: 139.69, res: view.resolution)
        let b = try H3.latLngToCell(lat: -23.55, lng: -46.63, res: view.resolution)
        s.heatmap.data = HeatmapData(query: view, tallies: [a: CellTally(count: 900, severitySum: 1), b: CellTally(count: 400, severitySum: 1)])
        let spots = try #require(s.heatmap.data?.analysis.hotspots)
        try #require(spots.count >= 2)
        _ = reducer.handle(.character("n"), state: &s, context: ctx())
        #expect(s.heatmap.hotspotIndex == 0)
        #expect(s.message?.text.hasPrefix("hot spot 1 of \(spots.count)") == true)
        let first = try H3.cellToLatLng(spots[0].cell)
        #expect(abs(s.heatmap.viewport.centerLat - first.lat) < 1e-9)
        _ = reducer.handle(.character("N"), state: &s, context: ctx())
        #expect(s.heatmap.hotspotIndex == spots.count - 1, "previous wraps to the last")
        _ = reducer.handle(.character("n"), state: &s, context: ctx())
        #expect(s.heatmap.hotspotIndex == 0)
    }

    /// After a zoom, n starts at the new view's #1 (it went on to #2 when the old index stayed).
    @Test func nAfterAZoomStartsAtNumberOne() throws {
        var s = zoomedState()
        let view = s.heatmap.query(width: 100, height: 30)
        let a = try H3.latLngToCell(lat: 35.68, lng: 139.69, res: view.resolution)
        let b = try H3.latLngToCell(lat: -23.55, lng: -46.63, res: view.resolution)
        s.heatmap.data = HeatmapData(query: view, tallies: [a: CellTally(count: 900, severitySum: 1), b: CellTally(count: 400, severitySum: 1)])
        _ = reducer.handle(.character("n"), state: &s, context: ctx())
        _ = reducer.handle(.character("n"), state: &s, context: ctx())
        #expect(s.heatmap.hotspotIndex == 1)
        _ = reducer.handle(.character("+"), state: &s, context: ctx())
        #expect(s.heatmap.hotspotIndex == nil)
        let zoomed = s.heatmap.query(width: 100, height: 30)
        let c = try H3.latLngToCell(lat: 35.68, lng: 139.69, res: zoomed.resolution)
        s.heatmap.data = HeatmapData(query: zoomed, tallies: [c: CellTally(count: 900, severitySum: 1)])
        _ = reducer.handle(.character("n"), state: &s, context: ctx())
        #expect(s.heatmap.hotspotIndex == 0 && s.message?.text.hasPrefix("hot spot 1 of") == true, "\(s.message?.text ?? "")")
        #expect(s.message?.text.contains(" p ") == true && s.message?.text.contains("k-ring") == true)
    }

    /// Mouse: a click recentres the map on the clicked point (the crosshair goes there);
    /// outside the map, nothing moves.
    @Test func aClickMovesTheCrosshairThere() throws {
        var s = state()
        let before = s.heatmap.viewport
        let target = try #require(before.point(px: 80, py: 2 * 18, width: 100, height: 30))
        #expect(reducer.clickMap(column: 80, row: 18, state: &s, context: ctx()) == [.queryHeatmap])
        #expect(abs(s.heatmap.viewport.centerLat - target.lat) < 1e-9 && abs(s.heatmap.viewport.centerLng - target.lng) < 1e-9)
        let centre = s.heatmap.cursorCell(width: 100, height: 30)
        #expect(centre == (try H3.latLngToCell(lat: target.lat, lng: target.lng, res: s.heatmap.viewport.displayResolution(width: 100))))
        for (column, row) in [(-1, 5), (100, 5), (5, -1), (5, 30)] {
            let kept = s.heatmap.viewport
            #expect(reducer.clickMap(column: column, row: row, state: &s, context: ctx()).isEmpty)
            #expect(s.heatmap.viewport == kept)
        }
    }

    /// An even share is left uncoloured; the steps above it follow a log scale to the busiest
    /// cell, and the legend's figures are where the steps begin.
    @Test func densityStepsStartAboveAnEvenShare() {
        let scale = DensityScale(threshold: 24, maximum: 2_024)
        #expect(scale.level(of: 0) == nil && scale.level(of: 24) == nil)
        #expect(scale.level(of: 25) == 1)
        #expect(scale.level(of: 2_024) == 9)
        for level in 1...9 {
            let bound = scale.lowerBound(of: level)
            #expect(scale.level(of: bound + 1e-6) == level, "step \(level) starts at \(bound)")
            if level > 1 { #expect(scale.level(of: bound - 1e-3) == level - 1) }
        }
        // Below one event per cell (fine resolutions), every event shows.
        let fine = DensityScale(threshold: 0.01, maximum: 3)
        #expect(fine.level(of: 1) != nil)
        // Everything equal: nothing stands out, nothing is coloured.
        #expect(DensityScale(threshold: 5, maximum: 5).level(of: 5) == nil)
        #expect(Format.probability(0) == "<1e-300" && Format.probability(0.0312) == "0.0312" && Format.probability(2.04e-7) == "2e-7")
        #expect(Format.probability(9.7e-5) == "1e-4" && Format.probability(.nan) == "-")
    }

    /// The footer's p-values are formatted by the C library: the same text as Foundation's
    /// `%.3g` from the smallest shown to the largest, rounding edges included.
    @Test func pValuesReadAsPercentThreeGWrites() {
        var values: [Double] = [0.001, 0.0015, 0.00999, 0.009995, 0.0312, 0.1, 0.12345, 0.5, 0.9995, 0.99999, 1, 12.5, 999.5, 1234.5, 1e300]
        var p = 0.001
        while p < 2 {
            values.append(p)
            p *= 1.0137
        }
        for v in values {
            #expect(Format.threeSignificantDigits(v) == String(format: "%.3g", v), "\(v)")
        }
    }

    /// Just after a zoom the answer on hand is for the old resolution: its hot spots would send
    /// the map to a cell that is not ranked in the new view, so `n` waits for the new answer.
    @Test func aHotSpotStepWaitsForTheAnswerOfTheViewOnScreen() throws {
        var s = zoomedState()
        let old = s.heatmap.query(width: 100, height: 30)
        let a = try H3.latLngToCell(lat: 35.68, lng: 139.69, res: old.resolution)
        let b = try H3.latLngToCell(lat: -23.55, lng: -46.63, res: old.resolution)
        s.heatmap.data = HeatmapData(query: old, tallies: [a: CellTally(count: 900, severitySum: 1), b: CellTally(count: 400, severitySum: 1)])
        while s.heatmap.query(width: 100, height: 30).resolution == old.resolution { _ = reducer.handle(.character("+"), state: &s, context: ctx()) }
        let view = s.heatmap.viewport
        #expect(reducer.handle(.character("n"), state: &s, context: ctx()).isEmpty)
        #expect(s.heatmap.pendingHotspotStep == 1 && s.heatmap.viewport == view && s.heatmap.hotspotIndex == nil)
        #expect(s.message?.text.contains("finding hot spots") == true)
        // Another key supersedes the waiting step.
        _ = reducer.handle(.character("l"), state: &s, context: ctx())
        #expect(s.heatmap.pendingHotspotStep == nil)
        _ = reducer.handle(.character("N"), state: &s, context: ctx())
        #expect(s.heatmap.pendingHotspotStep == -1)
        // The answer for this view arrives: the step is taken on it (ConsoleApp does this).
        let fine = s.heatmap.query(width: 100, height: 30)
        let c = try H3.latLngToCell(lat: 35.68, lng: 139.69, res: fine.resolution)
        s.heatmap.data = HeatmapData(query: fine, tallies: [c: CellTally(count: 900, severitySum: 1)])
        let spots = try #require(s.heatmap.data?.analysis.hotspots)
        try #require(!spots.isEmpty)
        #expect(s.heatmap.stepHotspot(-1).hasPrefix("hot spot \(spots.count) of \(spots.count)"))
        let last = try H3.cellToLatLng(spots[spots.count - 1].cell)
        #expect(abs(s.heatmap.viewport.centerLat - last.lat) < 1e-9)
    }

    @Test func theDrilledCellsListShowsEntityAndIndicatorsAndSorts() throws {
        var s = state()
        _ = reducer.handle(.enter, state: &s, context: ctx())
        let drill = try #require(s.heatmap.drill)
        var result = CellDrill(cell: drill.cell)
        result.events = busySnapshot().recent.suffix(20).reversed()
        // Most events scored (severity, and intel for some); a few stored before scores existed.
        for i in result.events.indices where i % 5 != 0 {
            result.events[i].risk = RiskScore(severity: result.events[i].severity, intelScore: i % 3 == 0 ? 70 : nil,
                                              anomalyScore: nil, inHotspot: false)
        }
        _ = reducer.receive(.drill(result, generation: drill.generation), state: &s, context: ctx())
        func order() -> [Event] { s.heatmap.drill?.result?.events ?? [] }
        #expect(order().map(\.timestamp) == order().map(\.timestamp).sorted(by: >), "newest first")
        _ = reducer.handle(.character("s"), state: &s, context: ctx())
        #expect(s.heatmap.drill?.order == .severity)
        let severities = order().map { Int($0.severity?.value ?? 0) }
        #expect(severities == severities.sorted(by: >) && severities.first == 10)
        _ = reducer.handle(.character("s"), state: &s, context: ctx())
        #expect(s.heatmap.drill?.order == .risk)
        let risks = order().map { $0.risk.map { Int($0.total) } ?? -1 }
        #expect(risks == risks.sorted(by: >) && risks.last == -1, "riskiest first, unscored last: \(risks)")
        _ = reducer.handle(.character("s"), state: &s, context: ctx())
        #expect(order().map(\.type) == order().map(\.type).sorted())
        _ = reducer.handle(.character("s"), state: &s, context: ctx())
        #expect(s.heatmap.drill?.order == .newest)
        s.maximized = true
        let screen = ScreenRenderer.render(width: 160, height: 40, context: context(busySnapshot(), state: s)).text
        let first = try #require(order().first)
        #expect(screen.contains("by newest (s)"))
        let entity = try #require(first.entity)
        let indicator = try #require(first.indicators.first)
        #expect(screen.contains(entity) && screen.contains(indicator))
    }

    @Test func enterDrillsAndAnEventOpensItsDetailAndFocusesTheGraph() throws {
        var s = state()
        #expect(reducer.handle(.enter, state: &s, context: ctx()) == [.drillCell])
        let drill = try #require(s.heatmap.drill)
        #expect(drill.cell == s.heatmap.cursorCell(width: 100, height: 30))
        // While the list loads, keys do nothing harmful.
        #expect(reducer.handle(.enter, state: &s, context: ctx()).isEmpty)
        var result = CellDrill(cell: drill.cell)
        result.events = busySnapshot().recent.suffix(20).reversed()
        s.heatmap.drill?.result = result
        _ = reducer.handle(.down, state: &s, context: ctx())
        _ = reducer.handle(.down, state: &s, context: ctx())
        #expect(s.heatmap.drill?.selected == 2)
        for _ in 0..<30 { _ = reducer.handle(.down, state: &s, context: ctx()) }
        #expect(s.heatmap.drill?.selected == 19)
        #expect(s.heatmap.drill.map { $0.scroll + 12 > $0.selected && $0.scroll <= $0.selected } == true)
        let chosen = result.events[19]
        #expect(reducer.handle(.enter, state: &s, context: ctx()) == [.describeEvent("evt-980"), .queryGraph])
        #expect(s.overlay == .detail(chosen))
        #expect(s.graph.focus == .event(chosen.id))
        _ = reducer.handle(.escape, state: &s, context: ctx())   // closes the detail
        #expect(s.overlay == nil && s.heatmap.drill != nil)
        #expect(reducer.handle(.escape, state: &s, context: ctx()) == [.queryHeatmap])
        #expect(s.heatmap.drill == nil)
    }

    @Test func withoutTheHeatmapShownItsKeysDoNothing() {
        var s = state()
        let empty = Reducer.Context(snapshot: busySnapshot(), feedList: [], feedRows: 10)
        #expect(reducer.handle(.character("+"), state: &s, context: empty).isEmpty)
        #expect(reducer.handle(.enter, state: &s, context: empty).isEmpty)
        #expect(s.heatmap.viewport == HeatmapViewport())
    }
}
