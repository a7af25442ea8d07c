import CTASCore
import CTASTestSupport
import Foundation
import Testing

/// `ctas timeline` against an independent Python count of the same feed, and on hostile times.
@Suite(.serialized) struct TimelineCLITests {
    static let oracle = TestOracle.repository.appendingPathComponent("Tests/CTASEndToEndTests/Oracle/timeline_reference.py").path

    /// The oracle's buckets: start (µs) → [critical, high, medium, low, unrated].
    static func reference(_ python: String, bucketSeconds: Int64, since: Timestamp? = nil, until: Timestamp? = nil,
                          feeds: [String]) async throws -> (events: Int, buckets: [Int64: [Int]]) {
        let out = try await Run.process(python, [oracle, String(bucketSeconds), since.map { String($0.microseconds) } ?? "-",
                                                 until.map { String($0.microseconds) } ?? "-"] + feeds)
        let object = try #require(json(out), "\(out)")
        let raw = try #require(object["buckets"] as? [String: [Int]])
        var buckets: [Int64: [Int]] = [:]
        for (key, value) in raw { buckets[try #require(Int64(key))] = value }
        return (try #require(object["events"] as? Int), buckets)
    }

    /// `ctas timeline --format json`'s buckets in the oracle's shape.
    static func timeline(_ args: [String], dir: String) async throws -> (object: [String: Any], buckets: [Int64: [Int]], order: [Int64]) {
        let r = try await CLI.run(["timeline", "--format", "json", "--data-dir", dir] + args)
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(json(r.stdout), "\(r.stdout)")
        let rows = try #require(object["buckets"] as? [[String: Any]])
        var buckets: [Int64: [Int]] = [:]
        var order: [Int64] = []
        for row in rows {
            let start = try RFC3339.parse(try #require(row["start"] as? String)).microseconds
            let counts = ["critical", "high", "medium", "low", "unrated"].map { row[$0] as? Int ?? -1 }
            #expect(counts.reduce(0, +) == row["events"] as? Int)
            buckets[start] = counts
            order.append(start)
        }
        return (object, buckets, order)
    }

    @Test func bucketsEqualAnIndependentCountOfTheFeed() async throws {
        let python = try requirePython()
        let dir = scratchDir()
        // Two feeds a day apart with a quiet gap, so empty buckets are listed too.
        let first = dir + "/a.ndjson", second = dir + "/b.ndjson"
        #expect(try await CLI.run(["gen-feed", "--events", "4000", "--seed", "5", "--rate", "0.4", "--start", "2026-11-20T22:10:00Z",
                                   "-o", first]).status == 0)
        #expect(try await CLI.run(["gen-feed", "--events", "3000", "--seed", "6", "--rate", "2", "--start", "2026-11-22T03:00:00Z",
                                   "-o", second]).status == 0)
        let ingest = try await CLI.run(["ingest", first, second, "--data-dir", dir + "/data", "--quiet"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        for (bucket, seconds) in [("1m", Int64(60)), ("7m", 420), ("1h", 3600), ("1d", 86_400)] {
            let mine = try await Self.timeline(["--bucket", bucket], dir: dir + "/data")
            let theirs = try await Self.reference(python, bucketSeconds: seconds, feeds: [first, second])
            #expect(mine.object["events"] as? Int == 7000)
            #expect(theirs.events == 7000)
            #expect(mine.buckets == theirs.buckets, "--bucket \(bucket): \(mine.buckets.count) vs \(theirs.buckets.count) buckets")
            #expect(mine.order == mine.order.sorted() && Set(mine.order).count == mine.order.count)
        }
        // A window in absolute times, and one counted back from the newest stored event.
        let since = try RFC3339.parse("2026-11-21T00:30:00Z"), until = try RFC3339.parse("2026-11-22T03:10:00Z")
        let windowed = try await Self.timeline(["--bucket", "5m", "--since", "2026-11-21T00:30Z", "--until", "2026-11-22T03:10Z"], dir: dir + "/data")
        let windowRef = try await Self.reference(python, bucketSeconds: 300, since: since, until: until, feeds: [first, second])
        #expect(windowed.buckets == windowRef.buckets)
        #expect(windowed.object["events"] as? Int == windowRef.events)
        let all = try await CLI.run(["query", "events", "--limit", "1", "--format", "ndjson", "--data-dir", dir + "/data"])
        let newest = try RFC3339.parse(try #require(json(all.stdout)?["ts"] as? String))
        let lastHour = try await Self.timeline(["--bucket", "10m", "--since", "1h"], dir: dir + "/data")
        let lastHourRef = try await Self.reference(python, bucketSeconds: 600, since: newest - .seconds(3600), feeds: [first, second])
        #expect(lastHour.buckets == lastHourRef.buckets)
        #expect(lastHour.object["since"] as? String == (newest - .seconds(3600)).rfc3339)
        // Without --bucket: a nice width with at most 60 rows, the same counts.
        let auto = try await Self.timeline([], dir: dir + "/data")
        let width = try #require(auto.object["bucketSeconds"] as? Int)
        #expect(TimelineScale.niceWidths.contains(Int64(width)))
        #expect(auto.order.count <= 60 && auto.order.count > 20, "\(auto.order.count) rows of \(width)s")
        #expect(auto.buckets == (try await Self.reference(python, bucketSeconds: Int64(width), feeds: [first, second])).buckets)
        // CSV and the table say the same.
        let csv = try await CLI.run(["timeline", "--bucket", "1h", "--format", "csv", "--data-dir", dir + "/data"])
        let csvRows = csv.stdout.split(separator: "\n")
        #expect(csvRows.first == "start,end,events,critical,high,medium,low,unrated")
        let hourly = try await Self.reference(python, bucketSeconds: 3600, feeds: [first, second])
        #expect(csvRows.count == hourly.buckets.count + 1)
        let table = try await CLI.run(["timeline", "--bucket", "1d", "--data-dir", dir + "/data"])
        #expect(table.stdout.hasPrefix("7000 event(s) in 3 bucket(s) of 1d"), "\(table.stdout)")
    }

    @Test func hostileTimesNeverTrapAndTooManyBucketsIsAClearError() async throws {
        let python = try requirePython()
        let dir = scratchDir()
        let feed = dir + "/hostile.ndjson"
        let lines = [
            #"{"id":"h1","ts":"1969-12-31T23:59:30Z","type":"scan","severity":9}"#,
            #"{"id":"h2","ts":"1970-01-01T00:00:30Z","type":"scan"}"#,
            #"{"id":"h3","ts":"0001-01-01T00:00:00Z","type":"scan","severity":1}"#,
            #"{"id":"h4","ts":"9999-12-31T23:59:59.999999Z","type":"scan","severity":7}"#,
            #"{"id":"h5","ts":"2026-11-20T10:00:00+14:00","type":"scan","severity":4}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: feed, atomically: true, encoding: .utf8)
        let ingest = try await CLI.run(["ingest", feed, "--data-dir", dir + "/data", "--quiet"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        // Ten thousand years in 60 rows or fewer: a multiple of four weeks.
        let auto = try await Self.timeline([], dir: dir + "/data")
        #expect(auto.object["events"] as? Int == 5)
        #expect(auto.order.count <= 60)
        let width = try #require(auto.object["bucketSeconds"] as? Int)
        // A bucket reaching before year 0000 is written from 0000-01-01 (RFC 3339 has no earlier year).
        let reference = try await Self.reference(python, bucketSeconds: Int64(width), feeds: [feed]).buckets
        #expect(auto.buckets == Dictionary(uniqueKeysWithValues: reference.map { (max($0.key, Timestamp.earliest.microseconds), $0.value) }))
        let ends = try #require(auto.object["buckets"] as? [[String: Any]]).compactMap { $0["end"] as? String }
        #expect(ends.last == Timestamp.latest.rfc3339)
        // One minute over ten thousand years: refused, with what to do.
        let fine = try await CLI.run(["timeline", "--bucket", "1m", "--data-dir", dir + "/data"])
        #expect(fine.status == 1)
        #expect(fine.stderr.contains("buckets of 1m") && fine.stderr.contains("--bucket"), "\(fine.stderr)")
        // Around the epoch: floor division puts 23:59:30 in the minute before it.
        let epoch = try await Self.timeline(["--bucket", "1m", "--since", "1969-12-31T23:00Z", "--until", "1970-01-01T01:00Z"], dir: dir + "/data")
        #expect(epoch.buckets == [-60_000_000: [1, 0, 0, 0, 0], 0: [0, 0, 0, 0, 1]])
        // Bad arguments exit 2 and name the option; escapes are not echoed.
        for args in [["--bucket", "0s"], ["--bucket", "fortnight"], ["--since", "yesterday\u{1b}[2J"], ["--until", "2026-13-45"],
                     ["--since", "2026-11-21", "--until", "2026-11-20"], ["--format", "xml"]] {
            let r = try await CLI.run(["timeline", "--data-dir", dir + "/data"] + args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("\u{1b}"), "\(args)")
            #expect(r.stderr.contains("--" + (args[0].dropFirst(2))), "\(args): \(r.stderr)")
        }
        // No store: exit 1 and what to do.
        let none = try await CLI.run(["timeline", "--data-dir", dir + "/nothing"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no stored events"))
    }
}
