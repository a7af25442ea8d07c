import CTASCore
import CTASStore
import CTASTestSupport
import Foundation
import Testing

/// What issue 19 found: hostile times, unchecked arithmetic, pipes, CSV escapes. Each test
/// failed on the build before the fix.
@Suite struct ReliabilityTests {
    func stored(_ dir: String) throws -> Int { try WarmReader(path: dir + "/warm.sqlite").count() }

    /// One future-dated event used to purge everything older than a year before it; now the
    /// retention clock ignores it, and a run never deletes what it accepted.
    @Test func aFutureDatedEventPurgesNothingAndAcceptedEqualsStored() async throws {
        let dir = scratchDir()
        let feed = try await CLI.run(["gen-feed", "--events", "20000", "--seed", "3", "--output", dir + "/base.ndjson"])
        #expect(feed.status == 0)
        let first = try await CLI.run(["ingest", dir + "/base.ndjson", "--data-dir", dir + "/d", "--quiet"])
        #expect(first.status == 0, "\(first.stderr)")
        let firstAccepted = try #require(json(first.stdout)?["accepted"] as? Int)
        #expect(try stored(dir + "/d") == firstAccepted)
        let future = #"{"id":"f","ts":"2027-11-20T00:00:00Z","type":"x"}"# + "\n"
        let second = try await CLI.run(["ingest", "-", "--data-dir", dir + "/d", "--quiet"], input: Data(future.utf8))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(json(second.stdout)?["accepted"] as? Int == 1)
        #expect(try stored(dir + "/d") == firstAccepted + 1, "accepted == stored after both runs")
        // A third run with older events than the retention allows still keeps what it accepted.
        let old = #"{"id":"old","ts":"2020-01-01T00:00:00Z","type":"x"}"# + "\n"
        let third = try await CLI.run(["ingest", "-", "--data-dir", dir + "/d", "--quiet"], input: Data(old.utf8))
        #expect(json(third.stdout)?["accepted"] as? Int == 1)
        #expect(try stored(dir + "/d") == firstAccepted + 2)
    }

    /// The retention clock: a robust high percentile of stored times, clamped to now + skew.
    @Test func theRetentionClockIgnoresOutliers() throws {
        let dir = scratchDir()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let base = try RFC3339.parse("2024-03-01T00:00:00Z")
        var events = (0..<5000).map { Event(id: "e\($0)", timestamp: base + .seconds(Int64($0)), type: "t") }
        events.append(Event(id: "future", timestamp: try RFC3339.parse("9999-12-31T23:59:59Z"), type: "t"))
        _ = try warm.commit(events, deadLetterSize: 0, ingestedAt: try RFC3339.parse("2024-03-02T00:00:00Z"))
        let now = try RFC3339.parse("2026-12-01T00:00:00Z")
        let reference = try #require(try RetentionClock.reference(in: warm.database, now: now))
        #expect(reference < base + .seconds(5000), "one event in 5001 beyond the rest cannot move it")
        #expect(reference > base + .seconds(4980))
        // A replay of this old recording, measured against its own time: 30 days keeps it all.
        #expect(try warm.purge(retention: .seconds(30 * 86_400), now: now) == 0)
        #expect(try warm.count() == 5001)
        // A clock a week fast: times are believed only up to now + one day.
        let ahead = try WarmTier(path: dir + "/ahead.sqlite")
        _ = try ahead.commit([Event(id: "a", timestamp: now + .seconds(7 * 86_400), type: "t")], deadLetterSize: 0)
        #expect(try RetentionClock.reference(in: ahead.database, now: now) == now + .seconds(86_400))
    }

    /// Extreme times and durations from outside: each a clear error or a count, never a trap.
    @Test func extremeDurationsAndTimesAreErrorsNotTraps() async throws {
        let dir = scratchDir()
        let feed = [#"{"id":"lo","ts":"0000-01-01T00:00:00Z","type":"x"}"#, #"{"id":"hi","ts":"9999-12-31T23:59:59.999999Z","type":"x"}"#]
        try (feed.joined(separator: "\n") + "\n").write(toFile: dir + "/extremes.ndjson", atomically: true, encoding: .utf8)
        // Looped at max speed: the second pass shifts both out of the calendar; they are rejected and counted.
        // (It loops until stopped: SIGTERM after a few seconds of passes, then a clean exit.)
        let (looping, exit) = try CLI.start(["replay", dir + "/extremes.ndjson", "--headless", "--loop", "--speed", "max", "--data-dir", dir + "/d"])
        // Passes have begun once the store exists (a loaded machine can take seconds to start).
        #expect(await waitFor(60) { FileManager.default.fileExists(atPath: dir + "/d/warm.sqlite") })
        #expect(await signal(looping, SIGTERM, after: 3), "still looping when stopped")
        let loopStatus = await exit.status()
        #expect(loopStatus == 0, "no trap: exit status \(loopStatus)")
        let stopped = try await CLI.run(["replay", dir + "/extremes.ndjson", "--headless", "--rebase-to-now", "--speed", "max",
                                         "--data-dir", dir + "/r"])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        let summary = try #require(json(stopped.stdout))
        #expect(summary["accepted"] as? Int == 1 && summary["rejected"] as? Int == 1, "\(stopped.stdout)")
        #expect((summary["rejectReasons"] as? [String: Int])?["out_of_range:ts"] == 1)
        let listed = try await CLI.run(["query", "events", "--data-dir", dir + "/r", "--format", "ndjson"])
        for line in listed.stdout.split(separator: "\n") {
            let ts = try #require(json(String(line))?["ts"] as? String)
            #expect((try? RFC3339.parse(ts)) != nil, "a stored time reads back: \(ts)")
        }
        try "[warm]\nretention = 300000y\n".write(toFile: dir + "/long.rules", atomically: true, encoding: .utf8)
        try "[hot]\nmemory = 9223372036854775807GiB\n".write(toFile: dir + "/big.rules", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["ingest", dir + "/extremes.ndjson", "--rules", dir + "/long.rules", "--data-dir", dir + "/x"], "out of range"),
            (["ingest", dir + "/extremes.ndjson", "--rules", dir + "/big.rules", "--data-dir", dir + "/x"], "out of range"),
            (["hotspots", "--window", "999999999999d", "--data-dir", dir + "/r"], "--window"),
            (["query", "events", "--since", "9999999999999h", "--data-dir", dir + "/r"], "since"),
            (["gen-feed", "--events", "10", "--rate", "1e-300"], "--rate"),
        ]
        for (args, words) in cases {
            let r = try await CLI.run(args)
            #expect(r.status == 2 || r.status == 1, "\(args): status \(r.status)")
            #expect(r.status < 128, "\(args) trapped")
            #expect(r.stderr.contains(words), "\(args): \(r.stderr)")
        }
    }

    /// A named pipe or `<(…)` is read like stdin: no seek, no resume, and the summary says so.
    @Test func namedPipesAndProcessSubstitutionAreReadAsStreams() async throws {
        let dir = scratchDir()
        let fifo = dir + "/feed.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let lines = (0..<300).map { #"{"id":"p\#($0)","ts":"2026-11-20T10:00:00Z","type":"x"}"# }.joined(separator: "\n") + "\n"
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(lines.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let r = try await CLI.run(["ingest", fifo, "--data-dir", dir + "/d", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(json(r.stdout))
        #expect(summary["accepted"] as? Int == 300)
        let source = try #require((summary["sources"] as? [[String: Any]])?.first)
        #expect(source["resumable"] as? Bool == false)
        let sub = try await Run.process("/bin/bash", ["-c", "\(TmuxSession.quote(CLI.binary)) ingest <(printf '%s\\n' '{\"id\":\"s1\",\"ts\":\"2026-11-20T10:00:00Z\",\"type\":\"x\"}') --data-dir \(TmuxSession.quote(dir + "/s")) --quiet"])
        #expect(json(sub)?["accepted"] as? Int == 1, "\(sub)")
    }

    /// CSV escapes control, C1 and bidi characters even when piped; `--raw` writes them as stored.
    /// A list cut by --limit says so on stderr; rows stream newest first.
    @Test func queryEscapesCSVStreamsAndSaysWhereItStopped() async throws {
        let dir = scratchDir()
        let hostile = #"{"id":"h1","ts":"2026-11-20T10:00:00Z","type":"x\u001b]52;c;AAAA\u0007","entity":"\u009b2J\u202egnp"}"#
        let plain = (0..<5).map { #"{"id":"n\#($0)","ts":"2026-11-20T11:0\#($0):00Z","type":"y"}"# }
        let input = ([hostile] + plain).joined(separator: "\n") + "\n"
        #expect(try await CLI.run(["ingest", "-", "--data-dir", dir, "--quiet"], input: Data(input.utf8)).status == 0)
        let csv = try await CLI.run(["query", "events", "--format", "csv", "--data-dir", dir])
        #expect(!csv.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x202E })
        #expect(csv.stdout.contains("\\e]52;c;AAAA\\x07"))
        let raw = try await CLI.run(["query", "events", "--format", "csv", "--raw", "--data-dir", dir])
        #expect(raw.stdout.unicodeScalars.contains { $0.value == 0x1B })
        let limited = try await CLI.run(["query", "events", "--format", "ndjson", "--limit", "3", "--data-dir", dir])
        let ids = limited.stdout.split(separator: "\n").compactMap { json(String($0))?["id"] as? String }
        #expect(ids == ["n4", "n3", "n2"], "newest first")
        #expect(limited.stderr.contains("stopped at --limit 3"))
        let all = try await CLI.run(["query", "events", "--format", "ndjson", "--order", "oldest", "--data-dir", dir])
        #expect(all.stdout.split(separator: "\n").first.flatMap { json(String($0))?["id"] as? String } == "h1")
        #expect(all.stderr.isEmpty, "nothing cut, nothing said")
    }
}
