import CTASCore
import Foundation
import CTASEngine
import CTASStore
import H3
import Testing
@testable import CTASConsole

/// A state showing `tallies` (cells at the viewport's display resolution).
func heatmapState(_ viewport: HeatmapViewport, width: Int, tallies: [H3Index: CellTally], land: LandMask? = nil) -> ViewState {
    var s = ViewState(panes: [.heatmap], themeName: "default")
    s.focus = .heatmap
    s.heatmap.viewport = viewport
    s.heatmap.land = land
    let query = HeatmapQuery(resolution: viewport.displayResolution(width: width))
    s.heatmap.data = HeatmapData(query: query, tallies: tallies)
    return s
}

/// Whether the point lies inside the spherical polygon, tested in a local plane around the
/// cell's centre (fine for one small cell): an independent check of which pixels a cell owns.
func inside(_ lat: Double, _ lng: Double, _ boundary: [LatLng], around center: LatLng) -> Bool {
    func local(_ p: LatLng) -> (Double, Double) {
        var dLng = p.lng - center.lng
        if dLng > 180 { dLng -= 360 }
        if dLng < -180 { dLng += 360 }
        return (dLng * cos(center.lat * .pi / 180), p.lat - center.lat)
    }
    let (x, y) = local(LatLng(lat: lat, lng: lng))
    var result = false
    var j = boundary.count - 1
    for i in boundary.indices {
        let (xi, yi) = local(boundary[i])
        let (xj, yj) = local(boundary[j])
        if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi { result.toggle() }
        j = i
    }
    return result
}

@Suite struct HeatmapPaneTests {
    init() { _ = utf8Locale }

    static let area = Rect(x: 1, y: 1, width: 102, height: 38)
    static var map: Rect { HeatmapPane.mapArea(in: area) }

    /// The pixels drawn with a density colour or a data cell's border.
    static func dataPixels(_ b: ScreenBuffer) -> Set<[Int]> {
        let map = Self.map
        let data = Set(Role.densityRamp + [.border])
        var out = Set<[Int]>()
        for y in map.y..<map.maxY {
            for x in map.x..<map.maxX {
                let cell = b[x, y]
                guard cell.text == "▀" else { continue }
                if data.contains(cell.style.role) { out.insert([x - map.x, 2 * (y - map.y)]) }
                if let bg = cell.style.background, data.contains(bg) { out.insert([x - map.x, 2 * (y - map.y) + 1]) }
            }
        }
        return out
    }

    static func render(_ state: ViewState, ascii: Bool = false, depth: ColorDepth = .colors256) -> ScreenBuffer {
        var ctx = context(busySnapshot(), state: state, ascii: ascii)
        ctx.colorDepth = depth
        return renderIsolated(area, width: 104, height: 40) { HeatmapPane.render(into: &$0, area: area, context: ctx, focused: true) }
    }

    static func centroid(_ pixels: Set<[Int]>) -> (Double, Double) {
        let n = Double(pixels.count)
        return (pixels.reduce(0.0) { $0 + Double($1[0]) } / n, pixels.reduce(0.0) { $0 + Double($1[1]) } / n)
    }

    @Test func aSingleHotCellIsAHexagonAtItsCentresPosition() throws {
        let map = Self.map
        // Zoomed so that resolution-4 cells are ~10 pixels across, the cell a bit off centre.
        var viewport = HeatmapViewport(centerLat: 48.0, centerLng: 2.0, zoom: 6)
        let res = viewport.displayResolution(width: map.width)
        let cell = try H3.latLngToCell(lat: 48.6, lng: 3.1, res: res)
        let b = Self.render(heatmapState(viewport, width: map.width, tallies: [cell: CellTally(count: 40, severitySum: 200)]))
        let drawn = Self.dataPixels(b)
        #expect(drawn.count >= 20, "a cell several pixels across (got \(drawn.count) pixels at res \(res))")
        // Independently: the pixels whose centre lies inside the cell's boundary polygon.
        let boundary = try H3.cellToBoundary(cell)
        let center = try H3.cellToLatLng(cell)
        var expected = Set<[Int]>()
        for py in 0..<(2 * map.height) {
            for px in 0..<map.width {
                guard let p = viewport.point(px: px, py: py, width: map.width, height: map.height) else { continue }
                if inside(p.lat, p.lng, boundary, around: center) { expected.insert([px, py]) }
            }
        }
        let agree = drawn.intersection(expected).count
        #expect(Double(agree) >= 0.9 * Double(max(drawn.count, expected.count)), "drawn \(drawn.count), polygon \(expected.count), shared \(agree)")
        // Its centre where the projection puts the cell's centre.
        let c = Self.centroid(drawn)
        let p = viewport.pixel(lat: center.lat, lng: center.lng, width: map.width, height: map.height)
        #expect(abs(c.0 - Double(p.x)) <= 1.5 && abs(c.1 - Double(p.y)) <= 1.5, "centroid \(c) vs projected \(p)")
        // A hexagon: as wide as tall within the pixel grid's error (not a square, not a line).
        let xs = drawn.map { $0[0] }, ys = drawn.map { $0[1] }
        let w = Double(xs.max()! - xs.min()! + 1), h = Double(ys.max()! - ys.min()! + 1)
        #expect(w / h > 0.7 && w / h < 1.4, "aspect \(w)×\(h)")
        // Corners of its bounding box are outside: six sides, not four.
        #expect(!drawn.contains([xs.min()!, ys.min()!]) && !drawn.contains([xs.max()!, ys.max()!]))

        // Pan right a quarter pane: the blob moves left by a quarter of the width.
        viewport = viewport.panned(dx: 1, dy: 0, width: map.width, height: map.height)
        let panned = Self.dataPixels(Self.render(heatmapState(viewport, width: map.width, tallies: [cell: CellTally(count: 40, severitySum: 200)])))
        let c2 = Self.centroid(panned)
        #expect(abs((c.0 - c2.0) - Double(map.width) / 4) <= 1.5, "moved \(c.0 - c2.0), expected \(Double(map.width) / 4)")
        #expect(abs(c.1 - c2.1) <= 1)
        // Pan down: it moves up by a quarter of the pixel rows.
        let down = viewport.panned(dx: 0, dy: 1, width: map.width, height: map.height)
        let c3 = Self.centroid(Self.dataPixels(Self.render(heatmapState(down, width: map.width, tallies: [cell: CellTally(count: 40, severitySum: 200)]))))
        #expect(abs((c2.1 - c3.1) - Double(2 * map.height) / 4) <= 1.5)
    }

    @Test func zoomingInOnACellDoublesItAroundTheCentre() throws {
        let map = Self.map
        // A zoom whose next step keeps the display resolution (so the same cell just grows).
        let zoom = try #require((2..<HeatmapViewport.maxZoom).first { z in
            HeatmapViewport(centerLat: -33.87, centerLng: 151.2, zoom: z).displayResolution(width: map.width)
                == HeatmapViewport(centerLat: -33.87, centerLng: 151.2, zoom: z + 1).displayResolution(width: map.width)
        })
        let v0 = HeatmapViewport(centerLat: -33.87, centerLng: 151.2, zoom: zoom)
        let res = v0.displayResolution(width: map.width)
        let cell = try H3.latLngToCell(lat: -33.87, lng: 151.2, res: res)
        let center = try H3.cellToLatLng(cell)
        let v1 = HeatmapViewport(centerLat: center.lat, centerLng: center.lng, zoom: zoom)
        let v2 = v1.zoomed(by: 1)
        #expect(v2.displayResolution(width: map.width) == res, "same resolution one step in")
        let a = Self.dataPixels(Self.render(heatmapState(v1, width: map.width, tallies: [cell: CellTally(count: 5, severitySum: 5)])))
        let b = Self.dataPixels(Self.render(heatmapState(v2, width: map.width, tallies: [cell: CellTally(count: 5, severitySum: 5)])))
        let ratio = Double(b.count) / Double(a.count)
        #expect(ratio > 3.4 && ratio < 4.6, "area ×4 when the scale doubles (got \(a.count) → \(b.count))")
        let ca = Self.centroid(a), cb = Self.centroid(b)
        #expect(abs(ca.0 - cb.0) <= 1.5 && abs(ca.1 - cb.1) <= 1.5, "stays at the centre")
    }

    @Test func acrossTheAntimeridianAndAtAPoleNothingIsMissing() throws {
        let map = Self.map
        for viewport in [HeatmapViewport(centerLat: 0, centerLng: 180, zoom: 3), HeatmapViewport(centerLat: -16, centerLng: -179.99, zoom: 5),
                         HeatmapViewport(centerLat: 90, centerLng: 0, zoom: 2), HeatmapViewport(centerLat: -90, centerLng: 45, zoom: 4),
                         HeatmapViewport(centerLat: 89, centerLng: 179.9, zoom: 0)] {
            let res = viewport.displayResolution(width: map.width)
            let key = PixelCellMap.Key(viewport: viewport, width: map.width, height: map.height, resolution: res, hasLand: false)
            let pixels = PixelCellMap(key: key, landMask: nil)
            // Every pixel on the globe has a cell; only pixels beyond a pole have none.
            for py in 0..<(2 * map.height) {
                for px in 0..<map.width {
                    let onGlobe = viewport.point(px: px, py: py, width: map.width, height: map.height) != nil
                    #expect((pixels.pixels[py * map.width + px] >= 0) == onGlobe, "\(viewport) pixel \(px),\(py)")
                }
            }
            // Data on both sides of the line draws on both sides of the screen.
            let east = try H3.latLngToCell(lat: viewport.centerLat.clamped(-85, 85), lng: 179.8, res: res)
            let west = try H3.latLngToCell(lat: viewport.centerLat.clamped(-85, 85), lng: -179.8, res: res)
            var tallies = [east: CellTally(count: 3, severitySum: 3)]
            tallies[west] = CellTally(count: 9, severitySum: 9)
            let b = Self.render(heatmapState(viewport, width: map.width, tallies: tallies))
            if abs(viewport.centerLng) > 170 && viewport.zoom >= 3 {
                let drawn = Self.dataPixels(b)
                #expect(drawn.contains { $0[0] < map.width / 2 } && drawn.contains { $0[0] > map.width / 2 }, "\(viewport)")
            }
        }
        // The pole itself renders a pentagon-free cell ring without a crash at every resolution.
        for zoom in 0...HeatmapViewport.maxZoom {
            _ = Self.render(heatmapState(HeatmapViewport(centerLat: 90, centerLng: 0, zoom: zoom), width: Self.map.width, tallies: [:]))
        }
    }

    @Test func hotSpotsCrosshairInfoAndHeaderAreShown() throws {
        let map = Self.map
        let viewport = HeatmapViewport(centerLat: 40.7, centerLng: -74.0, zoom: 6)
        let res = viewport.displayResolution(width: map.width)
        let hot = try #require(heatmapState(viewport, width: map.width, tallies: [:]).heatmap.cursorCell(width: map.width, height: map.height))
        #expect(hot.resolution == res)
        var tallies: [H3Index: CellTally] = [hot: CellTally(count: 500, severitySum: 4000)]
        for (i, c) in try H3.gridDisk(try H3.latLngToCell(lat: 10, lng: 10, res: res), k: 6).enumerated() where i % 3 == 0 {
            tallies[c] = CellTally(count: 1, severitySum: 2)
        }
        var state = heatmapState(viewport, width: map.width, tallies: tallies)
        var summary = CellDrill(cell: hot)
        summary.summary.count = 500
        summary.summary.types = [CellSummary.Count(value: "c2_beacon\u{1B}[31m", count: 300)]
        summary.summary.sources = [CellSummary.Count(value: "sensor-am-1", count: 500)]
        state.heatmap.cursorSummary = summary
        let b = Self.render(state)
        let text = b.text
        #expect(text.contains("Threat density"))
        #expect(text.contains("res \(res)") && text.contains("window all") && text.contains("on map"))
        #expect(text.contains(hot.description) && text.contains("500 ev") && text.contains("hot spot #1"))
        #expect(text.contains("types c2_beacon") && text.contains("sensor-am-1 500"))
        #expect(!text.contains("\u{1B}"), "feed strings are sanitised")
        #expect(text.contains("◆"), "hot spots marked")
        #expect(b[map.x + map.width / 2, map.y + map.height / 2].text == "+", "crosshair at the centre")
        #expect(text.contains("no land mask"))
    }

    @Test func asciiAndEightColourTerminalsGetAGlyphRamp() throws {
        let map = Self.map
        let viewport = HeatmapViewport(centerLat: 51.5, centerLng: -0.1, zoom: 6)
        let res = viewport.displayResolution(width: map.width)
        let hot = try H3.latLngToCell(lat: 51.9, lng: 0.5, res: res)
        let warm = try H3.latLngToCell(lat: 51.0, lng: -1.0, res: res)
        let state = heatmapState(viewport, width: map.width, tallies: [hot: CellTally(count: 1000, severitySum: 1), warm: CellTally(count: 2, severitySum: 1)])
        for (ascii, depth) in [(true, ColorDepth.colors256), (false, .colors8), (false, .monochrome)] {
            let b = Self.render(state, ascii: ascii, depth: depth)
            let mapText = (map.y..<map.maxY).map { y in (map.x..<map.maxX).map { b[$0, y].text }.joined() }.joined()
            #expect(!mapText.contains("▀"), "no half blocks")
            #expect(mapText.contains("@"), "the densest cell at the top of the ramp")
            #expect(mapText.contains(":") || mapText.contains(".") || mapText.contains("-"), "a faint cell low on the ramp")
            #expect(mapText.contains(ascii ? "X" : "◆"), "hot spot mark")
        }
    }

    @Test func thePixelMapIsBuiltOncePerViewport() {
        let map = Self.map
        let state = heatmapState(HeatmapViewport(centerLat: 10, centerLng: 10, zoom: 2), width: map.width, tallies: [:])
        let before = state.heatmap.cache.buildCount
        _ = Self.render(state)
        _ = Self.render(state)
        #expect(state.heatmap.cache.buildCount == before + 1)
        var panned = state
        panned.heatmap.viewport = state.heatmap.viewport.panned(dx: 1, dy: 0, width: map.width, height: map.height)
        _ = Self.render(panned)
        #expect(state.heatmap.cache.buildCount == before + 2)
    }

    @Test func theBundledLandMaskKnowsLandFromSea() throws {
        let path = TestPaths.repository + "/SampleData/landmask.bin"
        let mask = try LandMask(path: path)
        #expect(mask.width == 10_800 && mask.height == 5_400)
        for (lat, lng) in [(48.85, 2.35), (40.0, -100.0), (-25.0, 134.0), (23.0, 10.0), (-80.0, 0.0), (35.7, 139.7), (-15.8, -47.9)] {
            #expect(mask.isLand(lat: lat, lng: lng), "land at \(lat),\(lng)")
        }
        for (lat, lng) in [(30.0, -40.0), (0.0, -150.0), (-40.0, 80.0), (55.0, -160.0), (36.0, 18.0)] {
            #expect(!mask.isLand(lat: lat, lng: lng), "sea at \(lat),\(lng)")
        }
        #expect(!mask.isLand(lat: .nan, lng: 0))
        _ = mask.isLand(lat: 90, lng: 180)
        _ = mask.isLand(lat: -90, lng: -180)
    }

    static let badMasks: [([UInt8], String)] = [
        ([UInt8](), "no header line"),
        (Array("CTASLAND 2 10 1\n".utf8), "expected \"CTASLAND 1"),
        (Array("CTASLAND 1 999999999 999999\n".utf8), "sane size"),
        (Array("CTASLAND 1 10 2\n".utf8) + [5, 5], "row 1: data ends early"),
        (Array("CTASLAND 1 10 1\n".utf8) + [8, 8], "more than the width"),
        (Array("CTASLAND 1 10 1\n".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "run length too long"),
        (Array("CTASLAND 1 10 1\n".utf8) + [10, 1], "1 byte(s) after the last row"),
    ]

    @Test(arguments: badMasks)
    func badLandMasksAreRefusedWithWhereAndWhy(bytes: [UInt8], expected: String) {
        do throws(LandMask.LoadError) {
            _ = try LandMask(bytes: bytes, origin: "mask.bin")
            Issue.record("accepted a bad mask")
        } catch {
            let message: String = error.message
            #expect(message.hasPrefix("mask.bin:"), "\(message)")
            #expect(message.contains(expected), "\(message)")
        }
    }

    @Test func aHandMadeMaskDecodes() throws {
        // 10 wide, 2 rows: row 0 sea 3, land 4, sea 3; row 1 all land (zero-length sea first).
        let mask = try LandMask(bytes: Array("CTASLAND 1 10 2\n".utf8) + [3, 4, 3, 0, 10], origin: "t")
        let row0 = (0..<10).map { mask.isLand(lat: 45, lng: -180 + 36 * Double($0) + 18) }
        #expect(row0 == [false, false, false, true, true, true, true, false, false, false])
        #expect((0..<10).allSatisfy { mask.isLand(lat: -45, lng: -180 + 36 * Double($0) + 18) })
    }
}

extension Double {
    func clamped(_ low: Double, _ high: Double) -> Double { Swift.max(low, Swift.min(high, self)) }
}

enum TestPaths {
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}
