/// The process's CPU use over the last few seconds, in percent of one core.
///
/// Snapshots come ten or more times a second; CPU time read over 100 ms is a handful of
/// scheduler ticks, so the metrics pane's figure jumped between 0 and 10% on a process using
/// 5%. Readings are kept for `span` (one every `spacing`), and the use is measured from the
/// oldest kept to now.
struct CPUWindow {
    var span: UInt64 = 5_000_000_000
    var spacing: UInt64 = 250_000_000
    private var samples: [(nanos: UInt64, cpu: Double)] = []

    /// Takes a reading (`cpuSeconds` used by the process so far, at monotonic `nanos`) and
    /// answers the use since the oldest reading kept; 0 before there is a span to measure.
    mutating func percent(cpuSeconds: Double, at nanos: UInt64) -> Double {
        if let last = samples.last, nanos < last.nanos { return 0 }   // a reading older than the last
        if samples.last.map({ nanos - $0.nanos >= spacing }) ?? true { samples.append((nanos, cpuSeconds)) }
        // Drop readings older than the span, keeping the newest one before it as the start.
        while samples.count > 2, nanos - samples[1].nanos >= span { samples.removeFirst() }
        guard let first = samples.first, nanos > first.nanos else { return 0 }
        return max(0, cpuSeconds - first.cpu) / (Double(nanos - first.nanos) / 1e9) * 100
    }
}
