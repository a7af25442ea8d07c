import CTASCore
import CTASEngine


/// The performance pane: per-stage throughput and latency percentiles, queues, tiers and
/// their routing decisions, the process, and the console's own frame time.
public enum MetricsPane {
    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext, focused: Bool) {
        if context.state.anomalies.shown {
            AnomaliesView.render(into: &b, area: area, context: context, focused: focused)
            return
        }
        let s = context.snapshot
        let g = context.glyphs
        let ascii = g.ascii
        b.box(area, title: PaneKind.metrics.title, glyphs: g, focused: focused)
        let inner = area.inset(1)
        guard inner.width > 10, inner.height > 0 else { return }
        var y = inner.y
        func line(_ text: String, _ style: Style = .text) {
            guard y < inner.maxY else { return }
            b.write(text, x: inner.x, y: y, style: style, clip: inner)
            y += 1
        }
        let wide = inner.width >= 62

        // Stages.
        let stageHeader = wide
            ? DisplayText.fit("stage", 7) + DisplayText.fit("ev/s", 8, alignRight: true) + DisplayText.fit("p50", 8, alignRight: true)
              + DisplayText.fit("p95", 8, alignRight: true) + DisplayText.fit("p99", 8, alignRight: true)
              + DisplayText.fit("max", 8, alignRight: true) + DisplayText.fit("queue", 7, alignRight: true) + DisplayText.fit("busy", 6, alignRight: true)
            : DisplayText.fit("stage", 7) + DisplayText.fit("ev/s", 8, alignRight: true) + DisplayText.fit("p50", 8, alignRight: true)
              + DisplayText.fit("p99", 8, alignRight: true)
        line(stageHeader, Style(.title))
        for stage in s.stages {
            var text = DisplayText.fit(stage.name, 7) + DisplayText.fit(Format.compact(stage.eventsPerSecond), 8, alignRight: true)
                + DisplayText.fit(Format.micros(stage.latency.p50, ascii: ascii), 8, alignRight: true)
            if wide {
                text += DisplayText.fit(Format.micros(stage.latency.p95, ascii: ascii), 8, alignRight: true)
                    + DisplayText.fit(Format.micros(stage.latency.p99, ascii: ascii), 8, alignRight: true)
                    + DisplayText.fit(Format.micros(stage.latency.max, ascii: ascii), 8, alignRight: true)
                    + DisplayText.fit(Self.queue(stage), 7, alignRight: true)
                    + DisplayText.fit("\(Int((stage.busy * 100).rounded()))%", 6, alignRight: true)
            } else {
                text += DisplayText.fit(Format.micros(stage.latency.p99, ascii: ascii), 8, alignRight: true)
            }
            line(text)
        }
        line("to durable p50 \(Format.micros(s.endToEnd.p50, ascii: ascii))  p99 \(Format.micros(s.endToEnd.p99, ascii: ascii))"
             + (s.lag.eventsInFlight > 0 ? "  in flight \(Format.compact(Double(s.lag.eventsInFlight)))" : "")
             + (s.totals.dropped > 0 ? "  dropped \(Format.count(s.totals.dropped))" : ""), s.totals.dropped > 0 ? Style(.warning) : .muted)
        if wide { line("queue: batches waiting for the stage / room; +N: senders held back (full)", .muted) }
        y += 1

        // Tiers.
        line(DisplayText.fit("tier", 7) + DisplayText.fit("held", 10, alignRight: true) + DisplayText.fit("size", 8, alignRight: true)
             + DisplayText.fit("placed", 10, alignRight: true) + "  " + (wide ? "retention / write p50 p99" : ""), Style(.title))
        for tier in s.tiers {
            var text = DisplayText.fit(tier.tier.rawValue, 7)
            if tier.available {
                text += DisplayText.fit(Format.count(tier.storedEvents), 10, alignRight: true)
                    + DisplayText.fit(tier.bytes > 0 ? Format.bytes(tier.bytes) : "-", 8, alignRight: true)
            } else {
                text += DisplayText.fit("(later)", 18, alignRight: true)
            }
            text += DisplayText.fit(Format.count(tier.placedThisRun), 10, alignRight: true)
            if wide {
                text += "  " + tier.retention
                if tier.writeLatency.count > 0 {
                    text += "  \(Format.micros(tier.writeLatency.p50, ascii: ascii)) \(Format.micros(tier.writeLatency.p99, ascii: ascii))"
                }
            }
            line(text, tier.available ? .text : .muted)
        }
        if let upkeep = Self.upkeep(s.upkeep, wide: wide), y < inner.maxY - 3 {
            line(DisplayText.fit(upkeep, inner.width, ellipsis: g.ellipsis), s.upkeep.mergeFailures > 0 ? Style(.warning) : .muted)
        }
        y += 1

        // Routing decisions: the most frequent reasons per tier.
        if y < inner.maxY - 3 {
            line("routing decisions", Style(.title))
            var rows: [(String, Int)] = []
            for tier in s.tiers where tier.tier != .warm {
                for (reason, n) in tier.decisions.sorted(by: { $0.value > $1.value }).prefix(2) {
                    rows.append(("\(tier.tier.rawValue) \(reason)", n))
                }
            }
            for (reason, n) in rows.prefix(max(0, inner.maxY - y - 3)) {
                let count = Format.count(n)
                line(DisplayText.fit(reason, inner.width - count.count - 1, ellipsis: g.ellipsis) + " " + count, .muted)
            }
            y += 1
        }

        // Geolocation by address, when a database is in use.
        if let geo = s.geolocation, y < inner.maxY - 2 {
            var text = "geo \(DisplayText.safe(geo.database, ascii: ascii))  located \(Format.count(geo.located))"
            if geo.notFound > 0 { text += "  unknown \(Format.count(geo.notFound))" }
            if wide { text += "  no address \(Format.count(geo.noAddress))  feed \(Format.count(geo.hadCoordinates))" }
            line(DisplayText.fit(text, inner.width, ellipsis: g.ellipsis), .muted)
        }

        // Behaviour anomalies found live: counts and the newest.
        if let anomalies = s.anomalies, y < inner.maxY - 2 {
            var text = "anomalies \(Format.count(anomalies.rate)) rate  \(Format.count(anomalies.rare)) rare"
            if let newest = anomalies.recent.first {
                let when = newest.start.count >= 16 ? String(newest.start.dropFirst(11).prefix(5)) : newest.start
                text += "  newest \(DisplayText.safe(newest.entity, ascii: ascii)) \(DisplayText.safe(newest.detail, ascii: ascii)) \(when)"
                    + " (\(Int(newest.score.rounded())))"
            }
            if wide && anomalies.untracked > 0 { text += "  untracked events \(Format.count(anomalies.untracked))" }
            line(DisplayText.fit(text, inner.width, ellipsis: g.ellipsis), anomalies.recent.isEmpty ? .muted : .text)
        }

        // Process and console.
        let p = s.process
        line("rss \(Format.bytes(p.residentBytes))  peak \(Format.bytes(p.peakResidentBytes))  cpu \(Int(p.cpuPercent.rounded()))%"
             + "  frame p50 \(Format.micros(context.frames.p50Micros, ascii: ascii)) p99 \(Format.micros(context.frames.p99Micros, ascii: ascii))")
        if y < inner.maxY {
            let label = "rate "
            let spark = Sparkline.render(s.rateHistory.map(Double.init), width: inner.width - label.count, glyphs: g)
            b.write(label, x: inner.x, y: y, style: .muted, clip: inner)
            b.write(spark, x: inner.x + label.count, y: y, style: Style(.sparkline), clip: inner)
        }
    }

    /// The warm tier's upkeep between commits, once there was any: checkpoints taken while
    /// idle and forced inside a commit, merge steps, and failed ones (a full disk), which
    /// make every later commit slower.
    static func upkeep(_ u: WriterUpkeep, wide: Bool) -> String? {
        guard u.idleCheckpoints + u.forcedCheckpoints + u.mergeSteps + u.mergeFailures > 0 else { return nil }
        let failed = u.mergeFailures > 0 ? "  failed \(Format.count(u.mergeFailures))" : ""
        if wide {
            return "warm upkeep  checkpoints \(Format.count(u.idleCheckpoints)) idle \(Format.count(u.forcedCheckpoints)) forced"
                + "  merge steps \(Format.count(u.mergeSteps))" + failed
        }
        return "upkeep ckpt \(Format.count(u.idleCheckpoints))+\(Format.count(u.forcedCheckpoints)) merge \(Format.count(u.mergeSteps))" + failed
    }

    /// A stage's input queue: batches waiting over room, "+N" for senders held back when it
    /// is full (so it never reads as more than full).
    static func queue(_ stage: StageStatus) -> String {
        guard stage.queueCapacity > 0 else { return "-" }
        let waiting = min(stage.queueDepth, stage.queueCapacity)
        let held = stage.queueDepth - waiting
        return "\(waiting)/\(stage.queueCapacity)" + (held > 0 ? "+\(held)" : "")
    }
}
