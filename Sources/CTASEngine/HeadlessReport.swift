import CTASCore

/// One-line text views of a snapshot for headless commands (the progress bar of
/// `ctas ingest`, the status lines of `ctas replay --headless`).
public enum HeadlessReport {
    /// `[#########.........]  45%  1.2M lines  340k ev/s  acc 1.1M rej 52 dup 3  ETA 4s`
    public static func progressLine(_ s: Snapshot, width: Int = 100) -> String {
        let done = s.sources.reduce(Int64(0)) { $0 + $1.bytesDone }
        let total = s.sources.reduce(Int64(0)) { $0 + ($1.bytesTotal ?? 0) }
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let barWidth = max(10, min(30, width - 70))
        let filled = Int(fraction * Double(barWidth))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "]"
        line += " " + pad(String(Int(fraction * 100)), 3) + "%"
        line += "  " + compact(Double(s.totals.lines)) + " lines"
        // Accepted over the last whole seconds: the write stage's rate since the previous
        // snapshot read 0 whenever a quarter second passed between two commits (a 10M
        // ingest at 83k events/s showed "0 ev/s" several times); that rate only fills the
        // first seconds.
        let rate = s.finished && s.uptimeSeconds > 0 ? Double(s.totals.accepted) / s.uptimeSeconds
            : s.rateHistory.count >= 3 ? s.currentRate
            : s.stages.first { $0.name == StageName.write.rawValue }?.eventsPerSecond ?? 0
        line += "  " + compact(rate) + " ev/s"
        line += "  acc " + compact(Double(s.totals.accepted)) + " rej " + compact(Double(s.totals.rejected))
        line += " dup " + compact(Double(s.totals.duplicates))
        if let eta = s.sources.compactMap(\.etaSeconds).max(), fraction < 1 { line += "  ETA " + duration(eta) }
        return String(line.prefix(width))
    }

    /// A status line for replay: time, speed, state, counts.
    public static func statusLine(_ s: Snapshot) -> String {
        var parts: [String] = []
        parts.append(s.replay.paused ? "paused" : "replaying")
        parts.append("speed " + s.replay.speed.description)
        if let t = s.replay.eventTime { parts.append("event time " + t.rfc3339) }
        parts.append("accepted \(s.totals.accepted)")
        parts.append("rejected \(s.totals.rejected)")
        parts.append("duplicates \(s.totals.duplicates)")
        if s.totals.dropped > 0 { parts.append("dropped \(s.totals.dropped)") }
        parts.append(compact(s.currentRate) + " ev/s")
        switch s.lag.level {
        case .keepingUp: break
        case .slow: parts.append("lag \(Int(s.lag.oldestWaitSeconds))s (\(s.lag.eventsInFlight) queued)")
        case .fallingBehind: parts.append("FALLING BEHIND \(Int(s.lag.oldestWaitSeconds))s (\(s.lag.eventsInFlight) queued, \(s.lag.recentlyDropped) dropped lately)")
        }
        return parts.joined(separator: "  ")
    }

    /// 1234 → "1.2k", 2_500_000 → "2.5M".
    public static func compact(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return String(format1(v / 1e9)) + "G" }
        if a >= 1e6 { return String(format1(v / 1e6)) + "M" }
        if a >= 1e4 { return String(Int((v / 1e3).rounded())) + "k" }
        if a >= 1e3 { return String(format1(v / 1e3)) + "k" }
        return String(Int(v.rounded()))
    }

    /// 75 → "1m15s".
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(s / 60 % 60)m" }
        if s >= 60 { return "\(s / 60)m\(s % 60)s" }
        return "\(s)s"
    }

    static func format1(_ v: Double) -> String {
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}
