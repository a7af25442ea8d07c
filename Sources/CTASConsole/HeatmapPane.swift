import Foundation
import CTASCore
import CTASEngine
import H3

/// The threat-density pane: H3 cells at their true positions and shapes, drawn as a raster
/// of half-block pixels coloured from the theme's density ramp over a dim land/sea backdrop,
/// cell borders where neighbouring pixels change cell, hot spots marked, a crosshair cell
/// with an info line; or, after Enter, the crosshair cell's events.
public enum HeatmapPane {
    /// Rows of the pane used above and below the map.
    static let headerRows = 1
    static let footerRows = 3
    /// The glyph ramp for terminals without colours: empty, then lowest to highest density.
    static let ramp: [String] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    /// The map's rectangle inside a pane's area.
    public static func mapArea(in area: Rect) -> Rect {
        let inner = area.inset(1)
        return Rect(x: inner.x, y: inner.y + headerRows, width: max(0, inner.width),
                    height: max(0, inner.height - headerRows - footerRows))
    }

    /// Rows of the drill-down list in a pane of this area.
    public static func listRows(in area: Rect) -> Int { max(0, area.height - 2 - 2) }

    /// A timeline range as the header shows it: `11-20 10:00–11:00` (dates when it spans days).
    static func rangeText(_ range: TimeRange) -> String {
        let from = Array(range.from.rfc3339), until = Array(range.until.rfc3339)
        guard from.count >= 16, until.count >= 16 else { return range.description }
        let sameDay = from[0..<10] == until[0..<10]
        return String(from[5..<10]) + " " + String(from[11..<16]) + "–" + (sameDay ? "" : String(until[5..<10]) + " ") + String(until[11..<16])
    }

    /// Whether colours cannot carry the densities (ASCII, 8 colours and fewer, or a theme
    /// without density colours such as monochrome, which NO_COLOR selects).
    static func usesGlyphRamp(_ context: RenderContext) -> Bool {
        context.glyphs.ascii || context.colorDepth <= .colors8 || !context.densityColours
    }

    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let state = context.state.heatmap
        b.box(area, title: PaneKind.heatmap.title, glyphs: context.glyphs, focused: focused)
        let inner = area.inset(1)
        guard inner.width > 8, inner.height > 3 else { return }
        if let drill = state.drill {
            renderDrill(drill, into: &b, inner: inner, context: context, focused: focused)
            return
        }
        let map = mapArea(in: area)
        header(into: &b, inner: inner, state: state, map: map, context: context)
        guard map.width > 0, map.height > 0 else { return }
        renderMap(into: &b, map: map, state: state, context: context)
        footer(into: &b, inner: inner, state: state, map: map, context: context)
    }

    // MARK: map

    /// Pixel kinds below the density levels 0…9.
    static let land: Int8 = 10, sea: Int8 = 11, border: Int8 = 12, outline: Int8 = 13, none: Int8 = -1

    static func renderMap(into b: inout ScreenBuffer, map: Rect, state: HeatmapViewState, context: RenderContext) {
        let res = state.viewport.displayResolution(width: map.width)
        let key = PixelCellMap.Key(viewport: state.viewport, width: map.width, height: map.height, resolution: res, hasLand: state.land != nil,
                                   hasAtlas: state.atlas != nil)
        let pixels = state.cache.map(for: key, landMask: state.land, atlas: state.atlas)
        let data = state.data.flatMap { $0.query.resolution == res ? $0 : nil }

        // Per distinct cell: its density level (−1 empty).
        var level = [Int8](repeating: -1, count: pixels.cells.count)
        var hot = [Bool](repeating: false, count: pixels.cells.count)
        if let data, data.maximum > 0 {
            let scale = DensityScale(data: data)
            let hotCells = Set(data.analysis.hotspots.map(\.cell))
            for (i, cell) in pixels.cells.enumerated() {
                // Level 1 up (level 0 of the ramp stays for the backdrop's sake); at or below an
                // even share, the backdrop shows.
                if let l = scale.level(of: data.value(of: cell)) { level[i] = Int8(l) }
                if !hotCells.isEmpty, hotCells.contains(cell) { hot[i] = true }
            }
        }
        // Per pixel: what it shows.
        let w = map.width
        let h = 2 * map.height
        var kind = [Int8](repeating: none, count: w * h)
        pixels.pixels.withUnsafeBufferPointer { px in
            for i in 0..<(w * h) {
                let s = Int(px[i])
                guard s >= 0 else { continue }
                let l = level[s]
                if l >= 0 {
                    // A border where the cell changes to the right or below.
                    let right = i % w + 1 < w ? Int(px[i + 1]) : s
                    let below = i + w < w * h ? Int(px[i + w]) : s
                    kind[i] = (right != s && right >= 0) || (below != s && below >= 0) ? border : l
                } else {
                    kind[i] = pixels.land[i] ? land : sea
                }
            }
        }
        // Coastlines (where the land mask meets the sea) and land borders, over the densities
        // (worked out once per view, with the pixel map).
        for i in 0..<min(kind.count, pixels.outline.count) where pixels.outline[i] { kind[i] = outline }
        let glyphMode = usesGlyphRamp(context)
        let half = context.glyphs.upperHalf
        for row in 0..<map.height {
            for col in 0..<w {
                let top = kind[(2 * row) * w + col]
                let bottom = kind[(2 * row + 1) * w + col]
                let cell: Cell
                if glyphMode {
                    let l = max(densityOf(top, pixels, (2 * row) * w + col, level), densityOf(bottom, pixels, (2 * row + 1) * w + col, level))
                    if l >= 0 {
                        cell = Cell(ramp[Int(l) + (l < 9 ? 1 : 0)], Style(Role.densityRamp[Int(l)], bold: l >= 7))
                    } else if top == outline || bottom == outline {
                        // Without colours, the outlines carry the map's shape.
                        cell = Cell(context.glyphs.ascii ? "." : "·", Style(.outline))
                    } else {
                        cell = Cell(" ", .text)
                    }
                } else if top == none && bottom == none {
                    cell = Cell(" ", .text)
                } else {
                    cell = Cell(half, Style(role(top), background: role(bottom)))
                }
                b.set(cell, x: map.x + col, y: map.y + row, clip: map)
            }
        }
        // Hot spots: a mark at each one's centre.
        if let data {
            let mark = context.glyphs.ascii ? "X" : "◆"
            for (rank, spot) in data.analysis.hotspots.enumerated() {
                guard let c = try? H3.cellToLatLng(spot.cell) else { continue }
                let p = state.viewport.pixel(lat: c.lat, lng: c.lng, width: w, height: map.height)
                guard p.x >= 0, p.x < w, p.y >= 0, p.y < h else { continue }
                let under = kind[p.y * w + p.x]
                let selected = state.hotspotIndex == rank
                b.set(Cell(mark, Style(.hotspot, background: glyphMode ? nil : role(under), bold: true, reverse: selected)),
                      x: map.x + p.x, y: map.y + p.y / 2, clip: map)
            }
        }
        // Place names, never over a hot spot mark or the crosshair.
        if let atlas = state.atlas {
            var taken = Set<Int>()
            taken.insert((map.height / 2) * w + w / 2)
            if let data {
                for spot in data.analysis.hotspots {
                    guard let c = try? H3.cellToLatLng(spot.cell) else { continue }
                    let p = state.viewport.pixel(lat: c.lat, lng: c.lng, width: w, height: map.height)
                    if p.x >= 0, p.x < w, p.y >= 0, p.y < h { taken.insert((p.y / 2) * w + p.x) }
                }
            }
            labelPlaces(atlas, into: &b, map: map, viewport: state.viewport, taken: taken, context: context)
        }
        if let data { rankList(data, into: &b, map: map, state: state, context: context) }
        // The crosshair.
        b.set(Cell("+", Style(.cursor, bold: true)), x: map.x + w / 2, y: map.y + map.height / 2, clip: map)
    }

    private static func densityOf(_ kind: Int8, _ pixels: PixelCellMap, _ i: Int, _ level: [Int8]) -> Int8 {
        if kind >= 0 && kind <= 9 { return kind }
        if kind == border || kind == outline { let s = Int(pixels.pixels[i]); return s >= 0 ? level[s] : -1 }
        return -1
    }

    static func role(_ kind: Int8) -> Role {
        switch kind {
        case 0...9: Role.densityRamp[Int(kind)]
        case land: .land
        case sea: .sea
        case outline: .outline
        case border: .border
        default: .text
        }
    }

    // MARK: header and footer

    static func header(into b: inout ScreenBuffer, inner: Rect, state: HeatmapViewState, map: Rect, context: RenderContext) {
        let y = inner.y
        var x = inner.x
        let res = state.viewport.displayResolution(width: map.width)
        x += b.write("res \(res)", x: x, y: y, style: Style(.accent), clip: inner)
        x += b.write(state.range == nil ? "  window " : "  range ", x: x, y: y, style: .muted, clip: inner)
        x += b.write(state.range.map(Self.rangeText) ?? state.window.rawValue, x: x, y: y, style: Style(.accent, bold: true), clip: inner)
        x += b.write("  " + (state.weighting == .count ? "events" : "severity"), x: x, y: y, style: .text, clip: inner)
        // Live events show while the stored ones load: the map says first that it is not whole yet.
        if !context.snapshot.geo.loaded {
            x += b.write("  loading stored events…", x: x, y: y, style: .muted, clip: inner)
        }
        if let data = state.data, data.query.resolution == res {
            x += b.write("  \(Format.count(data.analysis.hotspots.count)) hot\(data.query.area == nil ? "" : " in view")", x: x, y: y,
                         style: Style(data.analysis.hotspots.isEmpty ? .muted : .hotspot), clip: inner)
            x += b.write("  \(Format.count(data.locatedInWindow)) on map", x: x, y: y, style: .text, clip: inner)
            if data.unlocated > 0 { x += b.write("  \(Format.count(data.unlocated)) unlocated", x: x, y: y, style: .muted, clip: inner) }
        }
        if state.loading { x += b.write("  …", x: x, y: y, style: .muted, clip: inner) }
        if state.land == nil { x += b.write("  no land mask", x: x, y: y, style: Style(.warning), clip: inner) }
        let keys = "w window  n/N hot  g go  enter events"
        let kx = inner.maxX - DisplayText.width(keys)
        if kx > x + 1 { b.write(keys, x: kx, y: y, style: .muted, clip: inner) }
    }

    static func footer(into b: inout ScreenBuffer, inner: Rect, state: HeatmapViewState, map: Rect, context: RenderContext) {
        let y = map.maxY
        guard y < inner.maxY else { return }
        legend(into: &b, inner: inner, y: y + 2, state: state, map: map, context: context)
        var x = inner.x
        guard let cell = state.cursorCell(width: map.width, height: map.height) else {
            b.write("beyond the pole", x: x, y: y, style: .muted, clip: inner)
            return
        }
        x += b.write("+ ", x: x, y: y, style: Style(.cursor), clip: inner)
        x += b.write(cell.description, x: x, y: y, style: Style(.title, bold: true), clip: inner)
        x += b.write(" r\(cell.resolution)", x: x, y: y, style: .muted, clip: inner)
        if let c = try? H3.cellToLatLng(cell) {
            x += b.write("  \(Format.fixed(c.lat, 3)),\(Format.fixed(c.lng, 3))", x: x, y: y, style: .muted, clip: inner)
        }
        // The crosshair's own point (the cell centre can be far at coarse resolutions).
        if let atlas = state.atlas, let p = state.viewport.point(px: map.width / 2, py: 2 * (map.height / 2), width: map.width, height: map.height),
           let near = atlas.nearestCity(lat: p.lat, lng: p.lng, within: 300) {
            x += b.write("  near \(context.safe(near.place.name)) \(near.place.code) \(Int(near.km.rounded())) km", x: x, y: y, style: Style(.place), clip: inner)
        }
        if let data = state.data, data.query.resolution == cell.resolution {
            let tally = data.tallies[cell] ?? CellTally()
            x += b.write("  \(Format.count(tally.count)) ev", x: x, y: y, style: .text, clip: inner)
            x += b.write("  sev-sum \(Format.count(tally.severitySum))", x: x, y: y, style: .text, clip: inner)
            if let score = data.analysis.score(of: cell) {
                // Gi* counts the neighbourhood, not the cell: say how many it holds, and p (comparable
                // across resolutions, unlike z, whose size grows with the number of cells).
                x += b.write("  k-ring \(Format.count(Int(score.neighborhoodSum.rounded())))", x: x, y: y, style: .text, clip: inner)
                x += b.write("  p \(Format.probability(score.p))", x: x, y: y, style: .text, clip: inner)
                if let rank = data.analysis.hotspots.firstIndex(where: { $0.cell == cell }) {
                    x += b.write("  hot spot #\(rank + 1)", x: x, y: y, style: Style(.hotspot, bold: true), clip: inner)
                }
            }
        }
        let y2 = y + 1
        guard y2 < inner.maxY else { return }
        if let summary = state.cursorSummary, summary.cell == cell {
            if let error = summary.error {
                b.write(context.safe(error.description), x: inner.x, y: y2, style: Style(.error), clip: inner)
                return
            }
            let types = summary.summary.types.map { "\(context.safe($0.value)) \(Format.count($0.count))" }.joined(separator: ", ")
            let sources = summary.summary.sources.map { "\(context.safe($0.value)) \(Format.count($0.count))" }.joined(separator: ", ")
            var x2 = inner.x
            let sampled = summary.summary.sampled > 0 && summary.summary.sampled < summary.summary.count ? " (newest \(Format.count(summary.summary.sampled)))" : ""
            x2 += b.write("types\(sampled) ", x: x2, y: y2, style: .muted, clip: inner)
            x2 += b.write(types.isEmpty ? "-" : types, x: x2, y: y2, style: .text, clip: inner)
            x2 += b.write("  sources ", x: x2, y: y2, style: .muted, clip: inner)
            b.write(sources.isEmpty ? "-" : sources, x: x2, y: y2, style: .text, clip: inner)
        }
    }

    // MARK: drill-down

    private static let extractor = IndicatorExtractor()

    static func renderDrill(_ drill: HeatmapViewState.DrillState, into b: inout ScreenBuffer, inner: Rect, context: RenderContext, focused: Bool) {
        var y = inner.y
        var x = inner.x
        x += b.write("cell ", x: x, y: y, style: .muted, clip: inner)
        x += b.write(drill.cell.description, x: x, y: y, style: Style(.title, bold: true), clip: inner)
        x += b.write(" r\(drill.cell.resolution)", x: x, y: y, style: .muted, clip: inner)
        guard let result = drill.result else {
            b.write("  loading…", x: x, y: y, style: .muted, clip: inner)
            return
        }
        let window = context.state.heatmap.range.map(Self.rangeText) ?? context.state.heatmap.window.rawValue
        x += b.write("  \(Format.count(result.summary.count)) event(s)\(window == GeoWindow.all.rawValue ? "" : " in \(window)")", x: x, y: y,
                     style: .text, clip: inner)
        if result.summary.count > result.events.count {
            x += b.write(", newest \(result.events.count) shown", x: x, y: y, style: .muted, clip: inner)
        }
        let keys = "by \(drill.order.rawValue) (s)  enter detail+graph  esc map"
        let kx = inner.maxX - DisplayText.width(keys)
        if kx > x + 1 { b.write(keys, x: kx, y: y, style: .muted, clip: inner) }
        y += 1
        if let error = result.error {
            b.write(context.safe(error.description), x: inner.x, y: y, style: Style(.error), clip: inner)
            return
        }
        let types = result.summary.types.map { "\(context.safe($0.value)) \(Format.count($0.count))" }.joined(separator: ", ")
        b.write("types " + (types.isEmpty ? "-" : types), x: inner.x, y: y, style: .muted, clip: inner)
        y += 1
        let visible = inner.maxY - y
        guard visible > 0 else { return }
        if result.events.isEmpty {
            b.write("no events in this cell for this window", x: inner.x, y: y, style: .muted, clip: inner)
            return
        }
        for (offset, e) in result.events.dropFirst(drill.scroll).prefix(visible).enumerated() {
            let index = drill.scroll + offset
            let rowY = y + offset
            let selected = index == drill.selected
            let rowRect = Rect(x: inner.x, y: rowY, width: inner.width, height: 1)
            if selected { b.fill(rowRect, style: Style(.selection)) }
            var cx = inner.x
            let base: Style = selected ? Style(.selection) : .text
            cx += b.write(Format.dateTime(e.timestamp) + " ", x: cx, y: rowY, style: selected ? base : .muted, clip: rowRect)
            cx += b.write(DisplayText.fit(e.severity.map { String($0.value) } ?? "-", 3), x: cx, y: rowY,
                          style: selected ? base : Style(context.severityRole(e.severity)), clip: rowRect)
            let g = context.glyphs
            cx += b.write(DisplayText.fit(context.safe(e.type), 16, ellipsis: g.ellipsis) + " ", x: cx, y: rowY, style: base, clip: rowRect)
            cx += b.write(DisplayText.fit(context.safe(e.entity ?? "-"), 16, ellipsis: g.ellipsis) + " ", x: cx, y: rowY, style: base, clip: rowRect)
            cx += b.write(DisplayText.fit(context.safe(e.source ?? "-"), 12, ellipsis: g.ellipsis) + " ", x: cx, y: rowY,
                          style: selected ? base : .muted, clip: rowRect)
            // Its indicators, listed and found in its description.
            let indicators = extractor.indicators(of: e).map { context.safe($0.value) }.joined(separator: " ")
            b.write(DisplayText.truncate(indicators.isEmpty ? "-" : indicators, to: max(0, rowRect.maxX - cx), ellipsis: g.ellipsis),
                    x: cx, y: rowY, style: selected ? base : Style(.accent), clip: rowRect)
        }
    }
}
