import CTASTestSupport
import Foundation
import Testing

@Suite struct CLITests {
    @Test func usageErrorsExitTwoRuntimeErrorsOne() async throws {
        let dir = scratchDir()
        for args in [["ingest"], ["ingest", "--bogus"], ["query", "events", "--limit", "-1"], ["gen-feed", "--malformed-rate", "2"],
                     ["replay", "x.ndjson"], ["query", "events", "--since", "yesterday"], ["nonsense"], ["ingest", "x", "--format", "xml"],
                     ["ingest", "x", "--udp", "nohostport"], ["ingest", "x", "--rules", "/nonexistent.rules"]] {
            let r = try await CLI.run(args + ["--data-dir", dir])
            #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
            #expect(!r.stderr.isEmpty)
        }
        let missing = try await CLI.run(["ingest", dir + "/missing.ndjson", "--data-dir", dir])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing.ndjson: cannot open feed"))
        let noData = try await CLI.run(["query", "events", "--data-dir", dir + "/empty"])
        #expect(noData.status == 1 && noData.stderr.contains("no stored events yet"))
        for command in [[], ["ingest"], ["replay"], ["gen-feed"], ["query", "events"], ["bench"]] {
            let help = try await CLI.run(command + ["--help"])
            #expect(help.status == 0 && help.stdout.contains("USAGE"), "\(command)")
        }
    }

    @Test func benchFormatsNamesAnUnknownFormatAndRunsAChosenOne() async throws {
        let dir = scratchDir()
        let bad = try await CLI.run(["bench", "formats", "--formats", "eve,evee", "--records", "10", "--directory", dir + "/b"])
        #expect(bad.status == 2 && bad.stderr.contains("unknown format 'evee'") && bad.stderr.contains("eve, zeek, zeek-json"), "\(bad.stderr)")
        let run = try await CLI.run(["bench", "formats", "--formats", "zeek", "--records", "200", "--lnav-records", "0", "--directory", dir + "/b"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let formats = (result?["rates"] as? [[String: Any]])?.compactMap { $0["format"] as? String } ?? []
        #expect(formats == ["ndjson", "ndjson", "zeek", "zeek"], "native and the chosen format, plain and gzip: \(formats)")
        let rejects = (result?["rates"] as? [[String: Any]])?.compactMap { $0["rejects"] as? Int } ?? []
        #expect(rejects == [0, 0, 0, 0])
        // Each rate against plain native, and against native of its own compression.
        let rates = (result?["rates"] as? [[String: Any]]) ?? []
        func number(_ row: Int, _ key: String) -> Double { (rates.count > row ? rates[row][key] as? Double : nil) ?? -1 }
        #expect(number(0, "ratioToNative") == 1 && number(0, "ratioToNativeSameCompression") == 1)
        #expect(number(1, "ratioToNativeSameCompression") == 1, "native gzip against itself")
        let gz = number(3, "recordsPerSecond") / number(1, "recordsPerSecond")
        #expect(abs(number(3, "ratioToNativeSameCompression") - gz) < 0.001, "zeek gzip against native gzip")
        #expect(abs(number(3, "ratioToNative") - number(3, "recordsPerSecond") / number(0, "recordsPerSecond")) < 0.001)
    }

    /// `bench intel` end to end on a small feed: the measured store sights some events, the
    /// dense one more, every ingest of a round counted; a round count out of range is refused.
    @Test func benchIntelMeasuresBothStoresAndRefusesBadRounds() async throws {
        let dir = scratchDir()
        let bad = try await CLI.run(["bench", "intel", "--rounds", "0", "--directory", dir + "/b"])
        #expect(bad.status == 2 && bad.stderr.contains("--rounds"), "\(bad.stderr)")
        let run = try await CLI.run(["bench", "intel", "--attributes", "3000", "--events", "3000", "--feed-values", "5", "--rounds", "1",
                                     "--directory", dir + "/b"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(json(run.stdout))
        let sightings = result["sightings"] as? Int ?? 0
        let dense = result["denseSightings"] as? Int ?? 0
        #expect(sightings > 0 && dense > sightings, "\(result)")
        #expect(result["feedValues"] as? Int == 5 && result["rounds"] as? Int == 1)
        #expect((result["attributesPerSecond"] as? Double ?? 0) > 0 && (result["cpuSecondsWithIntel"] as? Double ?? 0) > 0)
        // One round: its paired slowdown is the slowdown.
        #expect(result["pairedSlowdownMedian"] as? Double != nil && result["pairedSlowdownMedian"] as? Double == result["slowdown"] as? Double, "\(result)")
        #expect(result["pairedCPUSlowdownMedian"] as? Double == result["cpuSlowdown"] as? Double, "\(result)")
    }

    @Test func badRulesFileNamesFileAndLine() async throws {
        let dir = scratchDir()
        try "[hot]\nplace when severity >> 3 \"x\"\n".write(toFile: dir + "/bad.rules", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["ingest", "-", "--rules", dir + "/bad.rules", "--data-dir", dir])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.rules:2:"), "\(r.stderr)")
    }

    @Test func ingestFromStdinPrintsTheSummaryAndStrictFailsOnRejects() async throws {
        let dir = scratchDir()
        let feed = try await CLI.run(["gen-feed", "--events", "5000", "--seed", "3", "--malformed-rate", "0.02"])
        #expect(feed.status == 0)
        let counts = try #require(json(feed.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))
        let r = try await CLI.run(["ingest", "-", "--data-dir", dir + "/d"], input: feed.output)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(json(r.stdout))
        for key in ["accepted", "rejected", "duplicates", "rejectReasons", "seconds", "eventsPerSecond", "tiers", "stages"] {
            #expect(summary[key] != nil, "summary has \(key)")
        }
        #expect(summary["accepted"] as? Int == counts["events"] as? Int)
        #expect(summary["duplicates"] as? Int == (counts["duplicate_id"] as? Int ?? 0))
        #expect(r.stderr.isEmpty, "no progress bar when stderr is not a terminal")
        let tiers = try #require(summary["tiers"] as? [String: Any])
        #expect((tiers["warm"] as? [String: Any])?["placed"] as? Int == counts["events"] as? Int)
        let strict = try await CLI.run(["ingest", "-", "--data-dir", dir + "/s", "--strict"], input: feed.output)
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("rejected (--strict)"))
    }

    @Test func queryFormats() async throws {
        let dir = scratchDir()
        let feed = try await CLI.run(["gen-feed", "--events", "3000", "--seed", "4", "--output", dir + "/f.ndjson"])
        #expect(feed.status == 0 && feed.stdout.isEmpty)
        #expect(try await CLI.run(["ingest", dir + "/f.ndjson", "--data-dir", dir + "/d"]).status == 0)
        let base = ["query", "events", "--data-dir", dir + "/d", "--type", "c2_beacon", "--since", "2026-11-20T00:00:00Z", "--limit", "20"]
        let csv = try await CLI.run(base + ["--format", "csv"])
        #expect(csv.status == 0)
        let rows = csv.stdout.split(separator: "\n")
        #expect(rows.first == "id,ts,source,type,severity,lat,lon,entity,priority,indicators,description,tags")
        #expect(rows.count == 21)
        let ndjson = try await CLI.run(base + ["--format", "ndjson"])
        let lines = ndjson.stdout.split(separator: "\n")
        #expect(lines.count == 20)
        #expect(lines.allSatisfy { json(String($0))?["type"] as? String == "c2_beacon" })
        let array = try #require(try JSONSerialization.jsonObject(with: Data(try await CLI.run(base + ["--format", "json"]).stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 20)
        let table = try await CLI.run(base + ["--format", "table", "--newest-first", "--limit", "2"])
        #expect(table.stdout.hasPrefix("TIME"))
        #expect(table.stdout.split(separator: "\n").count == 3)
    }

    /// `query events --filter` takes the console's filter language (quoted field values
    /// included) with every other selection; the limit counts the events the filter keeps.
    @Test func queryFiltersWithTheConsoleLanguage() async throws {
        let dir = scratchDir()
        var lines: [String] = []
        var events: [(description: String, severity: Int)] = []
        for i in 0..<30 {
            let description = "ET CHAT IRC " + (i % 3 == 0 ? "JOIN" : "PRIVMSG") + " command"
            let severity = 1 + i % 10
            events.append((description, severity))
            lines.append(#"{"id":"q\#(i)","ts":"2026-11-20T10:\#(String(format: "%02d", i)):00Z","type":"alert","severity":\#(severity),"lat":48.8566,"lon":2.3522,"indicators":["198.51.100.7"],"description":"\#(description)"}"#)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/f.ndjson", atomically: true, encoding: .utf8)
        #expect(try await CLI.run(["ingest", dir + "/f.ndjson", "--data-dir", dir + "/d", "--no-geoip"]).status == 0)
        let cell = try #require(json(try await CLI.run(["h3", "latLngToCell", "--lat", "48.8566", "--lng", "2.3522", "--res", "15"]).stdout)?["cell"] as? String)
        func ids(_ extra: [String]) async throws -> (ids: [String], stderr: String) {
            let r = try await CLI.run(["query", "events", "--data-dir", dir + "/d", "--format", "ndjson"] + extra)
            #expect(r.status == 0, "\(extra): \(r.stderr)")
            return (r.stdout.split(separator: "\n").compactMap { json(String($0))?["id"] as? String }, r.stderr)
        }
        let joins = events.indices.filter { events[$0].description.contains("JOIN") }.map { "q\($0)" }
        let limited = try await ids(["--filter", #"desc:"irc join""#, "--limit", "3"])
        #expect(limited.ids == joins.reversed().prefix(3).map { $0 }, "the newest three that the filter keeps")
        #expect(limited.stderr.contains("stopped at --limit 3"))
        let all = try await ids(["--filter", #"desc:"irc join""#, "--limit", "20", "--order", "oldest"])
        #expect(all.ids == joins && !all.stderr.contains("stopped"), "\(all)")
        #expect(try await ids(["--filter", #"desc:"irc join""#, "--cell", cell, "--order", "oldest"]).ids == joins)
        #expect(try await ids(["--filter", #"desc:"irc join""#, "--indicator", "198.51.100.7", "--order", "oldest"]).ids == joins)
        let others = events.indices.filter { !events[$0].description.contains("JOIN") && events[$0].severity >= 5 }.map { "q\($0)" }
        // A filter starting with `-` is given with `=` (else it reads as an option).
        #expect(try await ids([#"--filter=-desc:"irc join" sev>=5"#, "--order", "oldest", "--limit", "1000"]).ids == others)
        let bad = try await CLI.run(["query", "events", "--data-dir", dir + "/d", "--filter", #"desc:"unclosed"#])
        #expect(bad.status != 0 && bad.stderr.contains("--filter: unclosed quote"), "\(bad.stderr)")
    }

    @Test func hostileStringsAreEscapedInTables() async throws {
        let dir = scratchDir()
        let line = #"{"id":"e1","ts":"2026-11-20T10:00:00Z","type":"x\u001b]0;pwned\u0007","entity":"\u009b2J\u202egnp","indicators":["\u001b[31mred"]}"#
        #expect(try await CLI.run(["ingest", "-", "--data-dir", dir], input: Data((line + "\n").utf8)).status == 0)
        let table = try await CLI.run(["query", "events", "--data-dir", dir]).stdout
        #expect(!table.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B || $0.value == 0x202E })
        #expect(table.contains("\\e]0;pwned\\x07") && table.contains("\\x9b2J"))
    }

    @Test func headlessReplayTakesCommandsFromStdin() async throws {
        let dir = scratchDir()
        _ = try await CLI.run(["gen-feed", "--events", "2000", "--seed", "8", "--rate", "10", "--output", dir + "/f.ndjson"])
        // Starts paused; nothing happens until 'resume'; 'speed max' finishes it quickly.
        let commands = "speed max\nresume\n"
        let r = try await CLI.run(["replay", dir + "/f.ndjson", "--headless", "--paused", "--commands", "--speed", "1",
                             "--data-dir", dir + "/d"], input: Data(commands.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(json(r.stdout))
        #expect(summary["accepted"] as? Int == 2000)
        #expect(r.stderr.contains("speed"), "status lines on stderr")
        let bad = try await CLI.run(["replay", dir + "/f.ndjson", "--headless", "--commands", "--speed", "max", "--data-dir", dir + "/e"],
                              input: Data("warp 9\n".utf8))
        #expect(bad.stderr.contains("unknown command 'warp'; expected pause, resume, speed N|max, seek TIME, stop"))
    }

    /// Every accepted event gets a risk score; `query events --min-risk` selects by it and the
    /// JSON carries it with its parts; the filter language takes `risk>=N` (export's --query).
    @Test func queryEventsByRisk() async throws {
        let dir = scratchDir()
        _ = try await CLI.run(["gen-feed", "--events", "600", "--seed", "4", "--output", dir + "/f.ndjson"])
        #expect(try await CLI.run(["ingest", dir + "/f.ndjson", "--data-dir", dir + "/d", "--quiet"]).status == 0)
        let input = try String(contentsOfFile: dir + "/f.ndjson", encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        // Headless, without intelligence, anomalies or a map: severity alone (0.6 × severity/10).
        let severe = input.filter { (($0["severity"] as? Int) ?? 0) >= 9 && $0["id"] != nil }.count
        let r = try await CLI.run(["query", "events", "--min-risk", "50", "--limit", "10000", "--format", "json", "--data-dir", dir + "/d"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(severe > 0 && rows.count == severe, "\(rows.count) rows, \(severe) events of severity 9–10")
        for row in rows {
            let risk = try #require(row["risk"] as? [String: Int])
            #expect(risk["score"] == risk["severity"] && (risk["score"] ?? 0) >= 50 && risk["intel"] == 0, "\(risk)")
        }
        let table = try await CLI.run(["query", "events", "--min-risk", "50", "--limit", "3", "--data-dir", dir + "/d"])
        #expect(table.stdout.hasPrefix("TIME") && table.stdout.contains(" RISK "), "\(table.stdout)")
        for bad in ["101", "-1", "x"] {
            let refused = try await CLI.run(["query", "events", "--min-risk", bad, "--data-dir", dir + "/d"])
            #expect(refused.status == 2 && refused.stderr.contains("min-risk"), "\(bad): \(refused.stderr)")
        }
    }

    /// `replay --loop --episodes`: each pass after the first carries indicators of its own, so
    /// the campaign's domain is held by the first pass's events only; without `--episodes`
    /// every pass repeats it. `--episodes` alone is refused.
    @Test func replayLoopEpisodesGivePassesValuesOfTheirOwn() async throws {
        let dir = scratchDir()
        let feed = (0..<4).map { n in
            #"{"id":"c\#(n)","ts":"2026-11-20T10:00:0\#(n)Z","type":"dns","severity":8,"indicators":["c2-campaign.net","203.0.113.7"]}"#
        }
        try (feed.joined(separator: "\n") + "\n").write(toFile: dir + "/f.ndjson", atomically: true, encoding: .utf8)
        func loop(_ extra: [String], into data: String) async throws -> [[String: Any]] {
            let (replay, exit) = try CLI.start(["replay", dir + "/f.ndjson", "--headless", "--loop", "--speed", "max", "--data-dir", data] + extra)
            #expect(await waitFor(60) { FileManager.default.fileExists(atPath: data + "/warm.sqlite") })
            #expect(await signal(replay, SIGTERM, after: 2), "still looping when stopped")
            #expect(await exit.status() == 0)
            // The first pass and the newest passes (at max speed a loaded machine may have
            // looped tens of thousands of times before the signal).
            var rows: [[String: Any]] = []
            for order in ["oldest", "newest"] {
                let listed = try await CLI.run(["query", "events", "--order", order, "--limit", "400", "--format", "json", "--data-dir", data])
                rows += try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
            }
            return rows
        }
        func domains(_ rows: [[String: Any]], passes: Bool) -> Set<String> {
            Set(rows.filter { (($0["id"] as? String) ?? "").contains("~") == passes }.flatMap { ($0["indicators"] as? [String]) ?? [] }
                .filter { !$0.contains("203.0.113") })
        }
        let episodes = try await loop(["--episodes"], into: dir + "/e")
        #expect(episodes.count > 8, "several passes: \(episodes.count) events")
        #expect(domains(episodes, passes: false) == ["c2-campaign.net"])
        let later = domains(episodes, passes: true)
        #expect(!later.isEmpty && !later.contains("c2-campaign.net"), "\(later.prefix(5))")
        // Documentation addresses are reserved: kept as they are in every pass.
        #expect(episodes.allSatisfy { (($0["indicators"] as? [String]) ?? []).contains("203.0.113.7") })
        let plain = try await loop([], into: dir + "/p")
        #expect(domains(plain, passes: true) == ["c2-campaign.net"], "without --episodes every pass repeats the values")
        let refused = try await CLI.run(["replay", dir + "/f.ndjson", "--headless", "--episodes", "--data-dir", dir + "/x"])
        #expect(refused.status == 2 && refused.stderr.contains("--loop"), "\(refused.stderr)")
    }

    /// After the demo, commands on the (empty) default data directory say where its events are.
    @Test func anEmptyDefaultDirectoryPointsToTheDemosData() async throws {
        let home = scratchDir()
        let xdg = ["XDG_DATA_HOME": home]
        let before = try await CLI.run(["query", "events"], environment: xdg)
        #expect(before.status == 1 && before.stderr.contains("no stored events yet; run `ctas ingest FILE` first"), "\(before.stderr)")
        _ = try await CLI.run(["gen-feed", "--events", "50", "--output", home + "/f.ndjson"])
        #expect(try await CLI.run(["ingest", home + "/f.ndjson", "--data-dir", home + "/ctas-demo", "--quiet"]).status == 0)
        for command in [["query", "events"], ["hotspots"], ["graph", "neighbors", "evt-1"]] {
            let r = try await CLI.run(command, environment: xdg)
            #expect(r.status == 1, "\(command): \(r.status)")
            #expect(r.stderr.contains("the demo's events are in \(home)/ctas-demo: pass --data-dir \(home)/ctas-demo"), "\(command): \(r.stderr)")
        }
    }

    /// `--seek` holds from the first batch: nothing before the time is stored, however soon
    /// the file is read (a seek sent after starting once raced the first batches).
    @Test func replaySeekStoresNothingBeforeTheTime() async throws {
        let dir = scratchDir()
        _ = try await CLI.run(["gen-feed", "--events", "3000", "--seed", "9", "--rate", "10", "--output", dir + "/f.ndjson"])
        let times = try String(contentsOfFile: dir + "/f.ndjson", encoding: .utf8).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["ts"] as? String
        }
        #expect(times.count == 3000)
        let target = times[2000]
        let r = try await CLI.run(["replay", dir + "/f.ndjson", "--headless", "--speed", "max", "--seek", target, "--data-dir", dir + "/d"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(json(r.stdout))
        // The generator writes UTC with up to six fraction digits, trailing zeros dropped.
        func micros(_ ts: String) -> (String, Int) {
            let parts = ts.dropLast().split(separator: ".", maxSplits: 1)
            let fraction = parts.count > 1 ? String(parts[1]).padding(toLength: 6, withPad: "0", startingAt: 0) : "0"
            return (String(parts[0]), Int(fraction) ?? 0)
        }
        let from = times.firstIndex { micros($0) >= micros(target) } ?? 0
        #expect(summary["accepted"] as? Int == 3000 - from)
        #expect(summary["skippedBySeek"] as? Int == from)
    }

    /// A stop races the snapshot publisher: two snapshots made at once once trapped on a
    /// clock difference going negative (about one stop in six). Stopped at varied moments,
    /// every run must end with exit 0 and a summary.
    @Test func stopsAtAnyMomentNeverCrash() async throws {
        let dir = scratchDir()
        _ = try await CLI.run(["gen-feed", "--events", "500", "--rate", "10", "--output", dir + "/f.ndjson"])
        for run in 0..<8 {
            let replay = try await HeadlessReplay.start(feed: dir + "/f.ndjson", data: dir + "/d\(run)", stopWith: SIGTERM,
                                                        after: 0.1 + Double(run) * 0.2)
            let end = await replay.end()
            #expect(end.status == 0 && json(end.stdout) != nil, "run \(run): exit \(end.status); stderr: \(end.stderr.suffix(1500))")
        }
    }

    /// `gen-feed -o` writes through what the path names: a symlink stays a link (its target
    /// gets the feed), as `/dev/null` stays a device (a rename over the path once turned it
    /// into a regular file; the test uses a link so that a regression cannot break the machine).
    @Test func genFeedWritesInPlaceNeverReplacingThePath() async throws {
        let dir = scratchDir()
        let target = dir + "/target.ndjson"
        let link = dir + "/link.ndjson"
        _ = FileManager.default.createFile(atPath: target, contents: Data("old contents that are longer than nothing\n".utf8))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let r = try await CLI.run(["gen-feed", "--events", "5", "-o", link])
        #expect(r.status == 0, "\(r.stderr)")
        let kind = try FileManager.default.attributesOfItem(atPath: link)[.type] as? FileAttributeType
        #expect(kind == .typeSymbolicLink, "the link was replaced by a \(String(describing: kind))")
        let written = try String(contentsOfFile: target, encoding: .utf8)
        #expect(written.split(separator: "\n").count == 5 && !written.contains("old contents"))
    }

    /// A feed that cannot be written whole is an error that says why, for every generator and
    /// for a file or standard output alike: `/dev/full` answers every write with ENOSPC, as a
    /// full disk does (the generators once trapped there, in Foundation's `FileHandle.write`).
    @Test func genFeedOnAFullDiskSaysSoAndFails() async throws {
        #expect(FileManager.default.fileExists(atPath: "/dev/full"), "this test needs /dev/full")
        let dir = scratchDir()
        let full = "/dev/full"
        let runs: [[String]] = [
            ["gen-feed", "--events", "20000", "-o", full],
            ["gen-feed", "--events", "20000", "--format", "eve", "-o", full],
            ["gen-feed", "--events", "20000", "--format", "zeek", "-o", full],
            ["gen-feed", "--anomalies", "2", "--entities", "20", "--days", "2", "-o", full],
            ["gen-feed", "--events", "200", "--plant", "1", "-o", dir + "/f.ndjson", "--plant-manifest", full],
        ]
        for args in runs {
            let r = try await CLI.run(args)
            #expect(r.status == 1, "\(args): exit \(r.status); \(r.stderr.suffix(600))")
            #expect(r.stderr.contains("No space left on device") && !r.stderr.contains("Fatal error"), "\(args): \(r.stderr.suffix(600))")
        }
        // Standard output on a full disk.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["gen-feed", "--events", "20000", "--format", "eve"]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: full))
        let err = Pipe()
        process.standardError = err
        let exit = ExitWaiter(process)
        try process.run()
        let stderr = ReadAll(err.fileHandleForReading)
        let status = await exit.status()
        let text = String(decoding: await stderr.data(), as: UTF8.self)
        #expect(status == 1 && text.contains("standard output: cannot write the feed: No space left on device"), "exit \(status); \(text.suffix(600))")
    }

    /// One writer per data directory across processes: a second `ctas ingest` is refused
    /// while a replay holds the directory, and gets it once the replay has stopped.
    @Test func aSecondProcessOnTheDataDirectoryIsRefused() async throws {
        let dir = scratchDir()
        _ = try await CLI.run(["gen-feed", "--events", "500", "--rate", "10", "--output", dir + "/f.ndjson"])
        // Looping: it holds the directory until stopped, however long this task waits for the
        // pool (a CI run's replay of 50 s had ended before the second process started).
        let (replay, exit) = try CLI.start(["replay", dir + "/f.ndjson", "--headless", "--loop", "--speed", "1", "--data-dir", dir + "/d"])
        // The replay holds the directory once its store exists.
        #expect(await waitFor(60) { FileManager.default.fileExists(atPath: dir + "/d/warm.sqlite") })
        let second = try await CLI.run(["ingest", dir + "/f.ndjson", "--data-dir", dir + "/d", "--quiet"])
        #expect(second.status == 1 && second.stderr.contains("another ctas process is writing to this data directory"), "\(second.status) \(second.stderr)")
        // It says which: the holder's pid and command line, so the analyst knows what to wait for.
        #expect(second.stderr.contains("(pid \(replay.processIdentifier): ") && second.stderr.contains("/ctas replay " + dir), "\(second.stderr)")
        // A console on the directory is refused the same way.
        let console = try await CLI.run(["console", "--data-dir", dir + "/d"])
        #expect(console.status == 1 && console.stderr.contains("(pid \(replay.processIdentifier):"), "\(console.status) \(console.stderr)")
        kill(replay.processIdentifier, SIGTERM)
        #expect(await exit.status() == 0)
        let third = try await CLI.run(["ingest", dir + "/f.ndjson", "--data-dir", dir + "/d", "--quiet"])
        #expect(third.status == 0, "\(third.stderr)")
    }

    @Test func sigtermStopsCleanlyWithASummary() async throws {
        let dir = scratchDir()
        _ = try await CLI.run(["gen-feed", "--events", "500", "--rate", "10", "--output", dir + "/f.ndjson"])
        let replay = try await HeadlessReplay.start(feed: dir + "/f.ndjson", data: dir + "/d", stopWith: SIGTERM, after: 0.5)
        #expect(replay.firstStatus.hasPrefix("replaying"), "\(replay.firstStatus)")
        let end = await replay.end()
        #expect(end.signalled)
        #expect(end.status == 0, "exit \(end.status) (\(replay.process.terminationReason == .uncaughtSignal ? "signal" : "exit")); stderr: \(end.stderr.suffix(2000))")
        let summary = try #require(json(end.stdout), "stdout empty; stderr: \(end.stderr.suffix(2000))")
        #expect(summary["interrupted"] as? Bool == true)
        let accepted = try #require(summary["accepted"] as? Int)
        #expect(accepted > 0 && accepted < 500, "paced replay was cut short")
        #expect(try WarmReaderCount(dir + "/d") == accepted, "what the summary counts is what is stored")
    }
}

/// A headless replay at speed 1, started and running: its first status line has been read,
/// so its signal handling is in place.
private struct HeadlessReplay {
    let process: Process
    let firstStatus: String
    let signalled: Bool
    let exit: ExitWaiter
    let output: ReadAll
    let errors: ReadAll

    /// Starts a replay and, on a thread of its own, reads its first status line (its signal
    /// handling is then in place), waits `seconds` and sends `signal` if it is still running.
    /// The whole timing lives on that thread: a test task can wait a long time for the
    /// cooperative pool on a loaded machine (a CI run saw 50 s), and the replay must not
    /// finish before it is stopped.
    static func start(feed: String, data: String, stopWith signal: Int32, after seconds: Double) async throws -> HeadlessReplay {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["replay", feed, "--headless", "--speed", "1", "--data-dir", data]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let exit = ExitWaiter(process)
        try process.run()
        let output = ReadAll(out.fileHandleForReading)
        let handle = err.fileHandleForReading
        let (firstStatus, signalled) = await withCheckedContinuation { (c: CheckedContinuation<(String, Bool), Never>) in
            Thread {
                let line = readLine(from: handle)
                Thread.sleep(forTimeInterval: seconds)
                let running = process.isRunning
                if running { kill(process.processIdentifier, signal) }
                c.resume(returning: (line, running))
            }.start()
        }
        return HeadlessReplay(process: process, firstStatus: firstStatus, signalled: signalled, exit: exit, output: output,
                              errors: ReadAll(handle))
    }

    /// Waits for the exit; whether the signal found the replay running, its exit status and
    /// output.
    func end() async -> (signalled: Bool, status: Int32, stdout: String, stderr: String) {
        let stdout = String(decoding: await output.data(), as: UTF8.self)
        let status = await exit.status()
        let stderr = String(decoding: await errors.data(), as: UTF8.self)
        return (signalled, status, stdout, stderr)
    }
}

import CTASStore
func WarmReaderCount(_ dir: String) throws -> Int { try WarmReader(path: dir + "/warm.sqlite").count() }

/// The next line written to a handle (blocking: call it on a thread of its own).
func readLine(from handle: FileHandle) -> String {
    var bytes: [UInt8] = []
    while true {
        let chunk = handle.readData(ofLength: 1)
        if chunk.isEmpty || chunk.first == 0x0A { break }
        bytes.append(contentsOf: chunk)
    }
    return String(decoding: bytes, as: UTF8.self)
}
