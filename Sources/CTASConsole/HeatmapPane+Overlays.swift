import CTASCore
import CTASEngine
import H3

/// What the map draws over the densities to orient the analyst: coastlines and borders, place
/// names, the ranked hot spots, and the legend.
extension HeatmapPane {
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
}
