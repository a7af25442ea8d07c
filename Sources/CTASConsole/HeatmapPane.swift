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

    /// The ranked hot spots of the view, top right over the map: rank, place, events in the
    /// peak cell and its k-ring, p.
    static func rankList(_ data: HeatmapData, into b: inout ScreenBuffer, map: Rect, state: HeatmapViewState, context: RenderContext) {
        let spots = data.analysis.hotspots
        let rows = min(spots.count, 5, max(0, map.height / 3 - 1))
        guard rows > 0, map.width >= 60 else { return }
        var lines: [(String, Bool)] = [("HOT SPOTS (\(spots.count))", false)]
        for (rank, spot) in spots.prefix(rows).enumerated() {
            let c = try? H3.cellToLatLng(spot.cell)
            let place = c.flatMap { state.atlas?.describe(lat: $0.lat, lng: $0.lng) }
                ?? c.map { "\(Format.fixed($0.lat, 1)),\(Format.fixed($0.lng, 1))" } ?? spot.cell.description
            let events = data.tallies[spot.cell]?.count ?? 0
            var text = "#\(rank + 1) " + DisplayText.truncate(context.safe(place), to: 18, ellipsis: context.glyphs.ellipsis)
                + "  \(Format.compact(Double(events))) ev  k-ring \(Format.compact(spot.neighborhoodSum))  p \(Format.probability(spot.p))"
            if let trend = data.trend[spot.cell] {
                // The peak cell's last hour of event time against the hour before.
                let arrow = trend.lastHour > trend.hourBefore ? (context.glyphs.ascii ? "^" : "↑")
                    : trend.lastHour < trend.hourBefore ? (context.glyphs.ascii ? "v" : "↓") : "="
                text += "  \(arrow)\(Format.compact(Double(trend.lastHour)))/h (\(Format.compact(Double(trend.hourBefore))))"
            }
            lines.append((text, state.hotspotIndex == rank))
        }
        let width = min(map.width / 2, lines.map { DisplayText.width($0.0) }.max() ?? 0) + 2
        let x = map.maxX - width
        for (i, (text, selected)) in lines.enumerated() {
            let y = map.y + i
            b.fill(Rect(x: x, y: y, width: width, height: 1), " ", style: Style(.overlay))
            let style = i == 0 ? Style(.overlayTitle) : selected ? Style(.hotspot, bold: true, reverse: true) : Style(.overlay)
            b.write(" " + text, x: x, y: y, style: style, clip: Rect(x: x, y: y, width: width, height: 1))
        }
    }

    /// Land pixels with sea beside them (left, right, above, below): the coastline.
    static func coasts(land: [Bool], width w: Int, height h: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: w * h)
        guard land.count == w * h, land.contains(true) else { return out }
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                guard land[i] else { continue }
                out[i] = (x > 0 && !land[i - 1]) || (x + 1 < w && !land[i + 1]) || (y > 0 && !land[i - w]) || (y + 1 < h && !land[i + w])
            }
        }
        return out
    }

    /// The atlas's land borders drawn as pixel lines (segments that wrap around the
    /// antimeridian, or run far outside the view, are skipped).
    static func drawBorders(_ atlas: WorldAtlas, into outline: inout [Bool], viewport: HeatmapViewport, width w: Int, rows: Int) {
        let h = 2 * rows
        let limit = 4 * (w + h)
        let points = atlas.borderPoints
        for line in 0..<max(0, atlas.borderStarts.count - 1) {
            let start = atlas.borderStarts[line], end = atlas.borderStarts[line + 1]
            guard end - start >= 2 else { continue }
            var previous = viewport.pixel(lat: points[start].lat, lng: points[start].lng, width: w, height: rows)
            for k in (start + 1)..<end {
                let next = viewport.pixel(lat: points[k].lat, lng: points[k].lng, width: w, height: rows)
                defer { previous = next }
                let (x0, y0, x1, y1) = (previous.x, previous.y, next.x, next.y)
                if abs(x1 - x0) > w / 2 + 1 && abs(x1 - x0) > 8 { continue }
                if (x0 < 0 && x1 < 0) || (x0 >= w && x1 >= w) || (y0 < 0 && y1 < 0) || (y0 >= h && y1 >= h) { continue }
                let steps = max(abs(x1 - x0), abs(y1 - y0))
                guard steps <= limit else { continue }
                for s in 0...steps {
                    let x = steps == 0 ? x0 : x0 + (x1 - x0) * s / steps
                    let y = steps == 0 ? y0 : y0 + (y1 - y0) * s / steps
                    if x >= 0, x < w, y >= 0, y < h { outline[y * w + x] = true }
                }
            }
        }
    }

    /// Country names at the world and continent views, cities as the map zooms in (bigger
    /// places first), each where it lies, none overlapping another or a taken cell.
    static func labelPlaces(_ atlas: WorldAtlas, into b: inout ScreenBuffer, map: Rect, viewport: HeatmapViewport, taken: Set<Int>,
                            context: RenderContext) {
        let w = map.width
        var used = taken
        var placed = 0
        // Enough names to orient, few enough to leave the densities readable.
        let budget = max(3, w * map.height / 160)
        func place(_ p: WorldAtlas.Place, dot: Bool) {
            guard placed < budget else { return }
            let px = viewport.pixel(lat: p.lat, lng: p.lng, width: w, height: map.height)
            let row = px.y / 2
            guard px.x >= 0, px.x < w, px.y >= 0, row < map.height else { return }
            let name = DisplayText.truncate(context.safe(p.name), to: min(16, max(4, w / 4)), ellipsis: context.glyphs.ellipsis)
            let text = dot ? (context.glyphs.ascii ? "*" : "•") + name : name
            let width = DisplayText.width(text)
            let x = dot ? px.x : px.x - width / 2
            guard x >= 0, x + width <= w else { return }
            // A blank column either side keeps names apart.
            for c in (x - 1)...(x + width) where used.contains(row * w + c) { return }
            for c in (x - 1)...(x + width) { used.insert(row * w + c) }
            b.write(text, x: map.x + x, y: map.y + row, style: Style(.place), clip: map)
            placed += 1
        }
        let zoom = viewport.zoom
        if zoom <= 2 { for country in atlas.countries { place(country, dot: false) } }
        let minimum: Double = switch zoom {
        case ...0: .infinity
        case 1: 5_000_000
        case 2, 3: 1_000_000
        default: 0
        }
        for city in atlas.cities where city.weight >= minimum { place(city, dot: true) }
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
        if let data = state.data, data.query.resolution == res {
            x += b.write("  \(Format.count(data.analysis.hotspots.count)) hot\(data.query.area == nil ? "" : " in view")", x: x, y: y,
                         style: Style(data.analysis.hotspots.isEmpty ? .muted : .hotspot), clip: inner)
            x += b.write("  \(Format.count(data.locatedInWindow)) on map", x: x, y: y, style: .text, clip: inner)
            if data.unlocated > 0 { x += b.write("  \(Format.count(data.unlocated)) unlocated", x: x, y: y, style: .muted, clip: inner) }
        } else if !context.snapshot.geo.loaded {
            x += b.write("  loading stored events…", x: x, y: y, style: .muted, clip: inner)
        }
        if state.loading { x += b.write("  …", x: x, y: y, style: .muted, clip: inner) }
        if state.land == nil { x += b.write("  no land mask", x: x, y: y, style: Style(.warning), clip: inner) }
        let keys = "w window  n/N hot  g go  enter events"
        let kx = inner.maxX - DisplayText.width(keys)
        if kx > x + 1 { b.write(keys, x: kx, y: y, style: .muted, clip: inner) }
    }

    /// The legend: what the colour steps stand for, the hot spot mark, what is left uncoloured.
    static func legend(into b: inout ScreenBuffer, inner: Rect, y: Int, state: HeatmapViewState, map: Rect, context: RenderContext) {
        guard y < inner.maxY else { return }
        let res = state.viewport.displayResolution(width: map.width)
        guard let data = state.data, data.query.resolution == res, data.maximum > 0 else { return }
        let scale = DensityScale(data: data)
        let glyphMode = usesGlyphRamp(context)
        var x = inner.x
        x += b.write("key ", x: x, y: y, style: .muted, clip: inner)
        for level in [1, 3, 5, 7, 9] {
            let swatch = glyphMode ? String(repeating: ramp[level + (level < 9 ? 1 : 0)], count: 2) : (context.glyphs.ascii ? "##" : "██")
            x += b.write(swatch, x: x, y: y, style: Style(Role.densityRamp[level], bold: glyphMode && level >= 7), clip: inner)
            x += b.write(" " + Format.compact(scale.lowerBound(of: level).rounded(.up)) + " ", x: x, y: y, style: .muted, clip: inner)
        }
        let unit = state.weighting == .count ? "events" : "severity"
        let window = state.range.map { " in " + rangeText($0) } ?? (state.window == .all ? "" : " in the last " + state.window.rawValue)
        x += b.write(unit + "/cell" + window, x: x, y: y, style: .muted, clip: inner)
        x += b.write("  " + (context.glyphs.ascii ? "X" : "◆"), x: x, y: y, style: Style(.hotspot, bold: true), clip: inner)
        x += b.write(" hot spot (Gi*, 5% FDR)", x: x, y: y, style: .muted, clip: inner)
        if scale.threshold >= 1 {
            b.write("  uncoloured: \(context.glyphs.ascii ? "<=" : "≤") \(Format.compact(scale.threshold)) (an even share)", x: x, y: y,
                    style: .muted, clip: inner)
        }
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
