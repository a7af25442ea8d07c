import CTASCore
import CTASStore
import CTASTestSupport
import Foundation
import Testing

/// Real Suricata and Zeek samples (../shared/data/cti), read as a SOC has them: every record
/// accepted, counted the same by an independent Python reader.
@Suite struct TelemetryCLITests {
    static let cti = "cti"

    static func samples() throws -> [String] {
        let suricata = try #require(SharedData.path(cti + "/suricata-sample-data/samples"))
        let zeek = try #require(SharedData.path(cti + "/zeek-sample-data"))
        var files: [String] = []
        for dir in try FileManager.default.contentsOfDirectory(atPath: suricata).sorted() {
            files.append(suricata + "/" + dir + "/alerts-only.json")
        }
        for sub in ["zeek-tsv", "zeek-json"] {
            files += try FileManager.default.contentsOfDirectory(atPath: zeek + "/" + sub).sorted().map { zeek + "/" + sub + "/" + $0 }
        }
        return files
    }

    @Test(.enabled(if: SharedData.has("cti/suricata-sample-data") && SharedData.has("cti/zeek-sample-data")))
    func everySampleIngestsWithNoRejectAndTheOracleCountsAgree() async throws {
        let python = try requirePython()
        let files = try Self.samples()
        #expect(files.count >= 14)
        let script = TestOracle.repository.appendingPathComponent("Tests/CTASEndToEndTests/Oracle/count_telemetry.py").path
        let oracle = try await Run.process(python, [script] + files)
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(oracle.utf8)) as? [String: [String: Any]], "\(oracle)")
        let dir = scratchDir()
        for (i, file) in files.enumerated() {
            let r = try await CLI.run(["ingest", file, "--data-dir", dir + "/\(i)", "--quiet"])
            #expect(r.status == 0, "\(file): \(r.stderr)")
            let summary = try #require(json(r.stdout), "\(file)")
            let expected = try #require(counts[file]?["records"] as? Int, "\(file)")
            #expect(summary["accepted"] as? Int == expected, "\(file): accepted \(summary["accepted"] ?? "?"), the oracle counts \(expected)")
            #expect(summary["rejected"] as? Int == 0, "\(file): \(summary["rejectReasons"] ?? "")")
            #expect(try WarmReader(path: dir + "/\(i)/warm.sqlite").count() == expected)
        }
        // The Zeek JSON logs hold the same records as the TSV logs: one store, no new events.
        let zeek = try #require(SharedData.path(Self.cti + "/zeek-sample-data"))
        let both = try await CLI.run(["ingest", zeek + "/zeek-tsv", zeek + "/zeek-json", "--data-dir", dir + "/both", "--quiet"])
        let summary = try #require(json(both.stdout))
        let tsvTotal = files.filter { $0.contains("zeek-tsv") }.compactMap { counts[$0]?["records"] as? Int }.reduce(0, +)
        let jsonTotal = files.filter { $0.contains("zeek-json") }.compactMap { counts[$0]?["records"] as? Int }.reduce(0, +)
        #expect(summary["accepted"] as? Int == tsvTotal)
        #expect(summary["duplicates"] as? Int == jsonTotal, "the JSON form of each record has its TSV form's id")
    }

    /// The shared CTI tree as one directory: its Suricata and Zeek samples read whole, each
    /// MISP event and STIX document named as intelligence (its file fails alone, pointing at
    /// `ctas intel import`) rather than rejected line by line; and the Suricata samples
    /// pretty-printed as `jq .` writes them read as the same events.
    @Test(.enabled(if: SharedData.has("cti/suricata-sample-data") && SharedData.has("cti/zeek-sample-data")
                   && SharedData.has("cti/eset-malware-ioc") && SharedData.has("cti/stix2-oasis-examples")))
    func aTreeOfTelemetryAndIntelligenceReadsTheTelemetryAndNamesTheIntelligence() async throws {
        let python = try requirePython()
        let files = try Self.samples()
        let script = TestOracle.repository.appendingPathComponent("Tests/CTASEndToEndTests/Oracle/count_telemetry.py").path
        let oracle = try await Run.process(python, [script] + files)
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(oracle.utf8)) as? [String: [String: Any]], "\(oracle)")
        let total = files.compactMap { counts[$0]?["records"] as? Int }.reduce(0, +)
        // Zeek's JSON logs repeat its TSV logs' records: the same ids, counted as duplicates.
        let repeated = files.filter { $0.contains("zeek-json") }.compactMap { counts[$0]?["records"] as? Int }.reduce(0, +)
        let root = try #require(SharedData.path(Self.cti))
        let intelligence = try FileManager.default.subpathsOfDirectory(atPath: root)
            .filter { ($0.hasPrefix("eset-malware-ioc/") || $0.hasPrefix("stix2-oasis-examples/")) && $0.hasSuffix(".json") }
        #expect(intelligence.count >= 10)
        let dir = scratchDir()
        let r = try await CLI.run(["ingest", root, "--data-dir", dir, "--quiet"])
        #expect(r.status == 1, "a source that is no feed fails the run")
        let summary = try #require(json(r.stdout), "\(r.stderr)")
        #expect(summary["accepted"] as? Int == total - repeated)
        #expect(summary["duplicates"] as? Int == repeated)
        #expect(summary["rejected"] as? Int == 0, "\(summary["rejectReasons"] ?? "")")
        let sources = try #require(summary["sources"] as? [[String: Any]])
        let failed = sources.filter { ($0["state"] as? String)?.hasPrefix("failed") == true }.compactMap { $0["name"] as? String }
        #expect(Set(failed) == Set(intelligence.map { root + "/" + $0 }), "\(failed)")
        for name in failed {
            #expect(r.stderr.contains(name + ": is a MISP") || r.stderr.contains(name + ": is a STIX 2.1"), "\(name): \(r.stderr)")
        }
        #expect(r.stderr.contains("import it with `ctas intel import`"))

        // Pretty-printed: the same records, the same ids (one store, all duplicates).
        let pretty = scratchDir()
        var alerts = 0
        for file in files where file.contains("suricata-sample-data") {
            let records = try Self.eveRecords(file)
            alerts += records.count
            let text = try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted]), as: UTF8.self) }
            try (text.joined(separator: "\n") + "\n").write(toFile: pretty + "/" + URL(fileURLWithPath: file).deletingLastPathComponent().lastPathComponent + ".json",
                                                          atomically: true, encoding: .utf8)
        }
        let store = scratchDir()
        let plainRun = try await CLI.run(["ingest"] + files.filter { $0.contains("suricata-sample-data") } + ["--data-dir", store, "--quiet"])
        #expect(plainRun.status == 0, "\(plainRun.stderr)")
        let prettyRun = try #require(json(try await CLI.run(["ingest", pretty, "--data-dir", store, "--quiet"]).stdout))
        #expect(prettyRun["rejected"] as? Int == 0, "\(prettyRun["rejectReasons"] ?? "")")
        #expect(prettyRun["accepted"] as? Int == 0)
        #expect(prettyRun["duplicates"] as? Int == alerts)
    }

    /// An EVE file's records, whether one per line or one array.
    static func eveRecords(_ path: String) throws -> [Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        if let array = try? JSONSerialization.jsonObject(with: data) as? [Any] { return array }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
    }

    /// The formats read by the same commands: query by type, source, flow and indicator;
    /// the original record shown whole; re-ingesting changes nothing.
    @Test(.enabled(if: SharedData.has("cti/suricata-sample-data")))
    func telemetryIsQueriedLikeNativeEventsAndReingestIsIdempotent() async throws {
        let file = try #require(SharedData.path(Self.cti + "/suricata-sample-data/samples/first-org-conf-2015/alerts-only.json"))
        let dir = scratchDir()
        let first = try #require(json(try await CLI.run(["ingest", file, "--data-dir", dir, "--quiet"]).stdout))
        let accepted = try #require(first["accepted"] as? Int)
        let again = try #require(json(try await CLI.run(["ingest", file, "--data-dir", dir, "--quiet", "--from-start"]).stdout))
        #expect(again["accepted"] as? Int == 0 && again["duplicates"] as? Int == accepted)
        let listed = try await CLI.run(["query", "events", "--data-dir", dir, "--format", "ndjson", "--limit", "1000", "--type", "attempted_information_leak"])
        let events = listed.stdout.split(separator: "\n").compactMap { json(String($0)) }
        #expect(!events.isEmpty)
        let one = try #require(events.first)
        #expect((one["original"] as? [String: Any])?["event_type"] as? String == "alert", "the original record travels with the event")
        let flow = try #require(one["flow"] as? String)
        let byFlow = try await CLI.run(["query", "events", "--data-dir", dir, "--format", "ndjson", "--flow", flow])
        #expect(byFlow.stdout.split(separator: "\n").allSatisfy { json(String($0))?["flow"] as? String == flow })
        let indicator = try #require((one["indicators"] as? [String])?.first)
        let byIndicator = try await CLI.run(["query", "events", "--data-dir", dir, "--format", "ndjson", "--indicator", indicator])
        #expect(byIndicator.stdout.contains(one["id"] as? String ?? "?"))
        let source = try #require(one["source"] as? String)
        let bySource = try await CLI.run(["query", "events", "--data-dir", dir, "--format", "ndjson", "--limit", "1", "--source", source])
        #expect(bySource.stdout.split(separator: "\n").count == 1 && json(String(bySource.stdout.split(separator: "\n")[0]))?["source"] as? String == source)
        // A source nothing came from is answered from the list of stored sources, which it names.
        let none = try await CLI.run(["query", "events", "--data-dir", dir, "--format", "ndjson", "--source", "no-such-sensor"])
        #expect(none.status == 0 && none.stdout.isEmpty)
        #expect(none.stderr.contains("no stored event comes from no-such-sensor or its logs; stored sources, closest first: \(source)"), "\(none.stderr)")
        // So is a type no stored event has (a misspelt one), naming the stored types.
        let misspelt = try await CLI.run(["query", "events", "--data-dir", dir, "--format", "ndjson", "--type", "attempted_information_lek"])
        #expect(misspelt.status == 0 && misspelt.stdout.isEmpty)
        #expect(misspelt.stderr.contains("no stored event has type attempted_information_lek; stored types, closest first: attempted_information_leak, "),
                "the nearest type comes first: \(misspelt.stderr)")
        let known = try await CLI.run(["query", "events", "--data-dir", dir, "--format", "ndjson", "--limit", "1", "--type", "attempted_information_leak"])
        #expect(!known.stderr.contains("no stored event has type"), "\(known.stderr)")
    }

    /// Bad telemetry: counted rejects by reason, with line and field; nothing else lost.
    @Test func brokenTelemetryIsCountedNotFatal() async throws {
        let dir = scratchDir()
        let zeek = "#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\n#types\ttime\tstring\taddr\n"
            + "1763632800.0\tC1\t10.0.0.1\n1763632801.0\tC2\n1763632802.0\tC3\t10.0.0.3\textra\n1763632803.0\tC4\t10.0.0.4\n"
        try zeek.write(toFile: dir + "/conn.log", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["ingest", dir + "/conn.log", "--data-dir", dir + "/d", "--quiet"])
        let summary = try #require(json(r.stdout))
        #expect(summary["accepted"] as? Int == 2 && summary["rejected"] as? Int == 2)
        #expect((summary["rejectReasons"] as? [String: Int])?["wrong_column_count:#fields"] == 2)
        let letters = try String(contentsOfFile: dir + "/d/dead-letter.ndjson", encoding: .utf8)
        #expect(letters.contains("\"line\":6") && letters.contains("\"line\":7"), "\(letters)")
        // A cut-off array: the complete elements are kept, the cut one rejected.
        try "[{\"timestamp\":\"2026-11-20T10:00:00Z\",\"event_type\":\"flow\"},{\"timestamp\":\"2026-11-2".write(toFile: dir + "/cut.json", atomically: true, encoding: .utf8)
        let cut = try #require(json(try await CLI.run(["ingest", dir + "/cut.json", "--data-dir", dir + "/c", "--quiet"]).stdout))
        #expect(cut["accepted"] as? Int == 1 && cut["rejected"] as? Int == 1)
        // No offset: read as UTC and counted; --assume-tz moves it.
        try "{\"timestamp\":\"2026-11-20T10:00:00\",\"event_type\":\"flow\"}\n".write(toFile: dir + "/naive.json", atomically: true, encoding: .utf8)
        let naive = try #require(json(try await CLI.run(["ingest", dir + "/naive.json", "--data-dir", dir + "/n", "--quiet"]).stdout))
        #expect((naive["warnings"] as? [String: Int])?["timestamp_without_offset"] == 1)
        let shifted = try await CLI.run(["ingest", dir + "/naive.json", "--data-dir", dir + "/s", "--quiet", "--assume-tz", "+02:00"])
        #expect(shifted.status == 0)
        let stored = try await CLI.run(["query", "events", "--data-dir", dir + "/s", "--format", "ndjson"])
        #expect(stored.stdout.contains("2026-11-20T08:00:00Z"))
        let bad = try await CLI.run(["ingest", dir + "/naive.json", "--data-dir", dir + "/x", "--assume-tz", "Mars/Olympus"])
        #expect(bad.status == 2 && bad.stderr.contains("--assume-tz"))
    }

    /// A directory is its logs, oldest first by the time in rotated names.
    @Test func aDirectoryOfRotatedLogsIsReadOldestFirst() async throws {
        let dir = scratchDir()
        let logs = dir + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        func log(_ name: String, _ ts: String) throws {
            let text = "#separator \\x09\n#path\tdns\n#fields\tts\tuid\tquery\n#types\ttime\tstring\tstring\n\(ts)\tC\(ts.prefix(4))\tq\(ts.prefix(10)).example.com\n"
            try text.write(toFile: logs + "/" + name, atomically: true, encoding: .utf8)
        }
        try log("dns.log", "1763640000.0")
        try log("dns.2026-11-20-10-00-00.log", "1763632800.0")
        try log("dns.2026-11-20-11-00-00.log", "1763636400.0")
        try "not a log".write(toFile: logs + "/README.txt", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["replay", logs, "--headless", "--speed", "max", "--data-dir", dir + "/d"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(json(r.stdout)?["accepted"] as? Int == 3)
        let sources = (json(r.stdout)?["sources"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(sources.map { ($0 as NSString).lastPathComponent } == ["dns.2026-11-20-10-00-00.log", "dns.2026-11-20-11-00-00.log", "dns.log"])
    }
}
