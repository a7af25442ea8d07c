import CTASCore
import CTASEngine

/// The timeline pane: stored events per bucket of event time, stacked by severity band
/// (critical at the foot), with the cursor, the range being selected or followed, and the
/// replay's position. A pure render of the snapshot's histogram and the view state.
///
/// Rows: a header (bucket width, span, events, what the panes follow), the bars, a time
/// axis with the cursor mark, and the cursor's bucket (or the selection) in words.
public enum TimelinePane {
    /// Bar columns in a pane of this area.
    public static func columns(in area: Rect) -> Int { max(0, area.width - 2) }

    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext, focused: Bool) {
        b.box(area, title: PaneKind.timeline.title, glyphs: context.glyphs, focused: focused)
        let inner = area.inset(1)
        guard inner.width >= 20, inner.height >= 1 else { return }
        let histogram = context.snapshot.timeline
        let view = context.state.timeline
        guard let scale = view.scale(histogram, columns: inner.width) else {
            b.write(context.snapshot.geo.loaded ? "no events yet" : "loading stored events…", x: inner.x, y: inner.y, style: .muted, clip: inner)
            return
        }
        let bins = scale.bin(histogram)
        let shown = bins.reduce(0) { $0 + $1.total }
        let cursor = view.cursorColumn(scale, histogram: histogram)
        let selecting = view.selecting(scale, histogram: histogram)
        let followed = context.state.range.flatMap { range -> ClosedRange<Int>? in
            let low = range.from < scale.start ? 0 : scale.column(of: range.from) ?? scale.columns
            let last = range.until.shifted(byMicroseconds: -1)
            let high = last < scale.start ? -1 : scale.column(of: last) ?? scale.columns - 1
            return low <= high ? low...high : nil
        }

        // Header.
        var x = inner.x
        let header = "\(scale.widthText) buckets · \(label(scale.start, scale, long: true)) – \(label(scale.end, scale, long: true)) UTC · "
            + Format.count(shown) + " events"
        x += b.write(header, x: x, y: inner.y, style: Style(.title), clip: inner)
        let outside = histogram.total - shown
        if outside > 0 {
            x += b.write(" · \(Format.count(outside)) outside" + (view.zoom == nil ? "" : " (0: fit)"), x: x, y: inner.y, style: .muted, clip: inner)
        }
        // This run's minutes show while the stored ones load (they arrive with the geo index).
        if !context.snapshot.geo.loaded { x += b.write(" · loading stored events…", x: x, y: inner.y, style: .muted, clip: inner) }
        if let range = context.state.range {
            let text = "panes follow \(HeatmapPane.rangeText(range)) (esc clears)"
            let tx = max(x + 2, inner.maxX - DisplayText.width(text))
            b.write(text, x: tx, y: inner.y, style: Style(.accent, bold: true), clip: inner)
        } else if let latest = histogram.latest {
            // The live edge: the newest event time stored (▼ marks the replay's clock).
            let text = "newest " + String(latest.rfc3339.dropFirst(5).prefix(14).map { $0 == "T" ? " " : $0 })
            let tx = inner.maxX - DisplayText.width(text)
            if tx > x + 2 { b.write(text, x: tx, y: inner.y, style: .muted, clip: inner) }
        }
        guard inner.height >= 4 else { return }

        // Bars, stacked by band from the foot: each cell is an eighth-resolution slice.
        let barTop = inner.y + 1
        let barRows = inner.height - 3
        let peak = max(1, bins.map(\.total).max() ?? 1)
        let shapes = context.colorDepth == .monochrome || !context.densityColours
        for (column, counts) in bins.enumerated() {
            let cx = inner.x + column
            let inSelection = selecting?.contains(column) ?? false
            let inFollowed = followed?.contains(column) ?? false
            let eighths = counts.total == 0 ? 0 : max(1, Int((Double(counts.total) / Double(peak) * Double(barRows * 8)).rounded()))
            // Where each band's slice ends, in eighths from the foot.
            var bounds: [(band: Severity.Band?, end: Int)] = []
            var sum = 0
            for band in BandCounts.stackOrder where counts[band] > 0 {
                sum += counts[band]
                bounds.append((band, Int((Double(sum) / Double(counts.total) * Double(eighths)).rounded())))
            }
            for row in 0..<barRows {
                let y = barTop + barRows - 1 - row
                let low = row * 8
                let filled = eighths - low
                let background: Style? = inSelection ? Style(.selection, reverse: false) : inFollowed ? Style(.accent, reverse: true) : nil
                guard filled > 0 else {
                    if let background { b.set(Cell(" ", background), x: cx, y: y, clip: inner) }
                    continue
                }
                let middle = low + min(filled, 8) / 2
                let band = bounds.first { $0.end > middle }?.band ?? bounds.last?.band
                var style = Style(context.severityRole(band.flatMap(representative)), bold: band == .critical)
                if inSelection || inFollowed { style.reverse = true }
                let glyph: String
                if shapes {
                    glyph = bandGlyph(band, ascii: context.glyphs.ascii)
                } else {
                    glyph = context.glyphs.bars[min(8, filled) - 1]
                }
                b.set(Cell(glyph, style), x: cx, y: y, clip: inner)
            }
        }
        // Events that sighted known intelligence, marked on the row under the top.
        if barRows >= 2, context.snapshot.sightingTimeline.total > 0 {
            for (column, counts) in scale.bin(context.snapshot.sightingTimeline).enumerated() where counts.total > 0 {
                b.set(Cell(context.glyphs.ascii ? "*" : "◆", Style(.accent, bold: true)), x: inner.x + column, y: barTop + 1, clip: inner)
            }
        }
        // Behaviour anomalies found live, marked where they began (the newest thousand).
        for note in context.snapshot.anomalies?.recent ?? [] {
            guard let start = try? RFC3339.parse(note.start), let column = scale.column(of: start) else { continue }
            b.set(Cell("!", Style(.warning, bold: true)), x: inner.x + column, y: barTop, clip: inner)
        }
        // The replay's position (event clock) marked above its column.
        if let clock = context.snapshot.replay.eventTime, let column = scale.column(of: clock) {
            b.set(Cell(context.glyphs.ascii ? "v" : "▼", Style(.accent, bold: true)), x: inner.x + column, y: barTop, clip: inner)
        }

        // Axis: labels every few columns, the cursor mark on top of them.
        let axisY = inner.maxY - 2
        b.fill(Rect(x: inner.x, y: axisY, width: inner.width, height: 1), context.glyphs.horizontal, style: .muted)
        let sample = label(scale.start, scale, long: false)
        let step = max(DisplayText.width(sample) + 2, 8)
        var column = 0
        while column + DisplayText.width(sample) <= scale.columns {
            let text = label(scale.columnStart(column), scale, long: false)
            b.set(Cell(context.glyphs.ascii ? "+" : "┬", .muted), x: inner.x + column, y: axisY, clip: inner)
            b.write(text, x: inner.x + column + 1, y: axisY, style: .muted, clip: inner)
            column += step
        }
        b.set(Cell(context.glyphs.ascii ? "^" : "▲", Style(.cursor, bold: true)), x: inner.x + cursor, y: axisY, clip: inner)

        // The cursor's bucket, or the selection, in words.
        let infoY = inner.maxY - 1
        if let selecting {
            let from = scale.columnStart(selecting.lowerBound), until = scale.columnStart(selecting.upperBound + 1)
            let n = bins[selecting].reduce(0) { $0 + $1.total }
            let text = "selecting \(label(from, scale, long: true)) – \(label(until, scale, long: true)) · \(Format.count(n)) events"
                + " (enter: every pane follows · esc: cancel)"
            b.write(text, x: inner.x, y: infoY, style: Style(.accent), clip: inner)
        } else {
            let counts = bins[cursor]
            var text = "\(label(scale.columnStart(cursor), scale, long: true)) – \(label(scale.columnStart(cursor + 1), scale, long: true))"
                + " · \(Format.count(counts.total)) events"
            if counts.total > 0 {
                text += ": \(counts.critical) crit · \(counts.high) high · \(counts.medium) med · \(counts.low) low"
                if counts.unrated > 0 { text += " · \(counts.unrated) none" }
            }
            let sighted = context.snapshot.sightingTimeline.total > 0
                ? context.snapshot.sightingTimeline.counts(from: scale.columnStart(cursor), until: scale.columnStart(cursor + 1)).total : 0
            if sighted > 0 { text += " · \(Format.count(sighted)) sighted intelligence" }
            if view.cursor == nil { text += " (newest)" }
            b.write(text, x: inner.x, y: infoY, style: .text, clip: inner)
        }
    }

    /// A severity of the band, for the pane's colour of it.
    private static func representative(_ band: Severity.Band) -> Severity? {
        switch band {
        case .critical: Severity(9)
        case .high: Severity(7)
        case .medium: Severity(4)
        case .low: Severity(1)
        }
    }

    /// Without colours, each band has a shade of its own.
    static func bandGlyph(_ band: Severity.Band?, ascii: Bool) -> String {
        switch band {
        case .critical: ascii ? "#" : "█"
        case .high: ascii ? "%" : "▓"
        case .medium: ascii ? "+" : "▒"
        case .low: ascii ? "-" : "░"
        case nil: ascii ? "." : "·"
        }
    }

    /// A time as the scale reads it: to the minute below a day's buckets (seconds below a
    /// minute's), the date at day buckets and above; `long` adds the date to a time.
    static func label(_ t: Timestamp, _ scale: TimelineScale, long: Bool) -> String {
        let text = t.rfc3339
        // RFC 3339 is ASCII up to the seconds: cut it by bytes, not by characters.
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[0..<19].allSatisfy({ $0 < 0x80 }) else { return text }
        func part(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        let date = part(0..<10), monthDay = part(5..<10)
        let minute = part(11..<16), second = part(11..<19)
        if scale.width >= 86_400_000_000 { return long ? date : monthDay }
        let time = scale.width < 60_000_000 ? second : minute
        if long { return date + " " + time }
        return minute == "00:00" ? monthDay : time
    }
}
