import CTASCore
import CTASStore

/// `ctas timeline`: stored events per span of event time, by severity band: when activity
/// rose, and how bad it was.
///
/// Every bucket from the first holding events to the last is listed, empty ones too (a gap
/// is information). Buckets are aligned to the Unix epoch, so `--bucket 1d` starts at
/// midnight UTC. Without `--bucket` the width is the finest nice one (1m, 5m, 15m, 1h, …)
/// that shows the span in at most `automaticRows` rows.
public struct TimelineReport: Sendable {
    /// Where a window begins or ends: a time, or a span back from the newest stored event
    /// (so `--since 2h` over a replayed capture means its last two hours, not the wall
    /// clock's).
    public enum Bound: Sendable, Equatable {
        case time(Timestamp)
        case beforeNewest(Duration)

        /// `2026-11-20T10:00Z`, `2026-11-20`, or a span such as `2h` or `7d`.
        public init(parsing text: String) throws(TimestampError) {
            if let span = TimeArgument.relative(text.trimmingCharacters(in: " \t")) {
                self = .beforeNewest(span)
            } else {
                self = .time(try TimeArgument.parse(text))
            }
        }

        func resolve(newest: Timestamp?) -> Timestamp? {
            switch self {
            case .time(let t): t
            case .beforeNewest(let span): newest.map { $0 - span }
            }
        }
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The window and bucket would list more rows than `maximumRows`.
        case tooManyBuckets(count: Int64, width: String)
        case emptyWindow

        public var description: String {
            switch self {
            case .tooManyBuckets(let count, let width):
                "\(count) buckets of \(width) between the first and last event: choose a wider --bucket or a narrower --since/--until "
                    + "(at most \(TimelineReport.maximumRows))"
            case .emptyWindow: "--since must be before --until"
            }
        }
    }

    public static let automaticRows = 60
    public static let maximumRows: Int64 = 100_000

    public struct Row: Sendable, Equatable {
        public var start: Timestamp
        public var end: Timestamp
        public var counts: BandCounts
    }

    public var since: Timestamp?
    public var until: Timestamp?
    public var width: Int64
    public var rows: [Row]
    public var total: Int

    public var widthText: String { TimelineScale.spanText(width) }

    /// Reads the warm tier at `path`. `bucket` nil: chosen to fit `automaticRows`.
    public static func build(path: String, since: Bound?, until: Bound?, bucket: Duration?) throws(StoreError) -> Result<TimelineReport, Failure> {
        let reader = try WarmReader(path: path)
        let newest = try reader.newest()?.time
        let from = since?.resolve(newest: newest)
        let to = until?.resolve(newest: newest)
        if let from, let to, from >= to { return .failure(.emptyWindow) }
        var width: Int64
        if let bucket {
            let (seconds, overflow) = bucket.components.seconds.multipliedReportingOverflow(by: 1_000_000)
            width = overflow ? Int64.max / 4 : max(1_000_000, seconds)
        } else {
            // The span the rows must cover: the window, closed by the stored events' ends.
            let oldest = try reader.oldest()
            let first = from ?? oldest
            let last = to ?? newest.map { $0.shifted(byMicroseconds: 1) }
            guard let first, let last, first < last else {
                return .success(TimelineReport(since: from, until: to, width: 60_000_000, rows: [], total: 0))
            }
            width = TimelineScale(from: first, until: last, columns: automaticRows, finest: 60_000_000).width
        }
        var histogram = TimeHistogram(width: .microseconds(width))
        width = histogram.width
        try reader.scanTimes(since: from, until: to) { time, severity in
            histogram.add(time, severity: severity.flatMap { Severity($0) })
        }
        let keys = histogram.buckets.keys.sorted()
        guard let low = keys.first, let high = keys.last else {
            return .success(TimelineReport(since: from, until: to, width: width, rows: [], total: 0))
        }
        let (span, overflow) = high.subtractingReportingOverflow(low)
        guard !overflow, span < maximumRows else {
            return .failure(.tooManyBuckets(count: overflow ? Int64.max : span + 1, width: TimelineScale.spanText(width)))
        }
        var rows: [Row] = []
        rows.reserveCapacity(Int(span) + 1)
        for key in low...high {
            // Wide buckets at the ends of time are cut to what RFC 3339 can write (years 0000–9999).
            rows.append(Row(start: max(Timestamp.earliest, histogram.start(ofBucket: key)),
                            end: min(Timestamp.latest, histogram.start(ofBucket: key + 1)),
                            counts: histogram.buckets[key] ?? BandCounts()))
        }
        return .success(TimelineReport(since: from, until: to, width: width, rows: rows, total: histogram.total))
    }

    /// A table with a bar per bucket, scaled to the busiest.
    public var table: String {
        var out = "\(total) event(s) in \(rows.count) bucket(s) of \(widthText)"
        if since != nil || until != nil {
            out += ", window \(since?.rfc3339 ?? "…") to \(until?.rfc3339 ?? "…")"
        }
        out += "\n"
        guard !rows.isEmpty else { return out + "no events\n" }
        let peak = max(1, rows.map(\.counts.total).max() ?? 1)
        out += pad("start", 21) + pad("events", 9) + pad("crit", 7) + pad("high", 7) + pad("med", 7) + pad("low", 7) + pad("none", 7) + "\n"
        for r in rows {
            let c = r.counts
            let bar = c.total == 0 ? "" : String(repeating: "#", count: max(1, c.total * 30 / peak))
            out += pad(r.start.rfc3339, 21) + pad(String(c.total), 9) + pad(String(c.critical), 7) + pad(String(c.high), 7)
            out += pad(String(c.medium), 7) + pad(String(c.low), 7) + pad(String(c.unrated), 7) + bar + "\n"
        }
        return out
    }

    public var csv: String {
        var out = "start,end,events,critical,high,medium,low,unrated\n"
        for r in rows {
            let c = r.counts
            out += "\(r.start.rfc3339),\(r.end.rfc3339),\(c.total),\(c.critical),\(c.high),\(c.medium),\(c.low),\(c.unrated)\n"
        }
        return out
    }

    public var json: String {
        var out = "{\"bucket\":\"\(widthText)\",\"bucketSeconds\":\(width / 1_000_000)"
        out += ",\"since\":" + (since.map { "\"\($0.rfc3339)\"" } ?? "null")
        out += ",\"until\":" + (until.map { "\"\($0.rfc3339)\"" } ?? "null")
        out += ",\"events\":\(total),\"buckets\":["
        out += rows.map { r in
            let c = r.counts
            return "{\"start\":\"\(r.start.rfc3339)\",\"end\":\"\(r.end.rfc3339)\",\"events\":\(c.total),\"critical\":\(c.critical),"
                + "\"high\":\(c.high),\"medium\":\(c.medium),\"low\":\(c.low),\"unrated\":\(c.unrated)}"
        }.joined(separator: ",")
        return out + "]}\n"
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
}
