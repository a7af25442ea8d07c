import ArgumentParser
import CTASCore
import CTASEngine
import Foundation

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Stored events per span of event time, by severity band: when activity rose, and how bad it was.",
        discussion: """
            Every bucket from the first holding events to the last is listed, empty ones too. Buckets are aligned \
            to the Unix epoch (a day's starts at midnight UTC). Without --bucket the width is the finest of 1m, 2m, \
            5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h, 12h, 1d, 2d, 7d, … that shows the span in at most 60 rows. Relative \
            --since and --until (2h, 7d) count back from the newest stored event, so a replayed capture's last \
            hours are its own. Bands: critical 9–10, high 7–8, medium 4–6, low 1–3, none (no severity).
            """)

    @Option(help: "From this time (2026-11-20T10:00Z, 2026-11-20) or this far back from the newest stored event (2h, 7d).")
    var since: String?

    @Option(help: "Up to (not including) this time, same forms as --since.")
    var until: String?

    @Option(help: "Bucket width (30s, 1m, 15m, 1h, 1d); default: fits the span in 60 rows.")
    var bucket: String?

    @Option(help: "Output: table, json or csv.")
    var format: Format = .table

    @OptionGroup var data: DataOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    func bound(_ text: String?, _ option: String) throws -> TimelineReport.Bound? {
        guard let text else { return nil }
        do throws(TimestampError) {
            return try TimelineReport.Bound(parsing: text)
        } catch {
            throw ValidationError("--\(option) \(SafeText.sanitize(error.message))")
        }
    }

    var bucketDuration: Duration? { bucket.flatMap { TimeArgument.relative($0) } }

    func validate() throws {
        if case .time(let from)? = try bound(since, "since"), case .time(let to)? = try bound(until, "until"), from >= to {
            throw ValidationError(TimelineReport.Failure.emptyWindow.description)
        }
        if let bucket {
            guard let d = bucketDuration, d >= .seconds(1) else {
                throw ValidationError("--bucket '\(SafeText.sanitize(bucket))': expected a width such as 30s, 5m, 1h or 1d")
            }
        }
    }

    func run() throws {
        let result = try TimelineReport.build(path: data.directory.warmDatabase, since: try bound(since, "since"),
                                              until: try bound(until, "until"), bucket: bucketDuration)
        let report: TimelineReport
        switch result {
        case .success(let r): report = r
        case .failure(.emptyWindow): throw ValidationError(TimelineReport.Failure.emptyWindow.description)
        case .failure(let failure): throw RuntimeError(failure.description)
        }
        let text = switch format {
        case .table: report.table
        case .json: report.json
        case .csv: report.csv
        }
        StandardStreams.writeOutput(text)
    }
}
