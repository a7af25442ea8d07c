import CTASTestSupport
import Foundation
import Testing

/// Threat intelligence as a user runs it: real MISP events and STIX bundles imported and
/// checked against PyMISP and stix2/stix2-patterns, idempotent re-import and updates, bad
/// files counted with their path, sightings recorded by ingest, scores decaying as MISP's
/// formula says.
@Suite struct IntelCLITests {
    static let mispDir = "cti/eset-malware-ioc/misp-events"
    static let stixDir = "cti/stix2-oasis-examples/examples"
    static let oracle = TestOracle.repository.appendingPathComponent("Tests/CTASEndToEndTests/Oracle/intel_reference.py").path

    static func listed(_ dir: String) async throws -> [[String: Any]] {
        let r = try await CLI.run(["intel", "list", "--data-dir", dir, "--format", "json", "--limit", "1000000", "--at", "2020-01-01"])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], "\(r.stdout.prefix(200))")
    }

    @Test(.enabled(if: SharedData.has(mispDir)))
    func everyMISPEventImportsWithTheIndicatorsPyMISPReads() async throws {
        let python = try requirePython()
        let root = try #require(SharedData.path(Self.mispDir))
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted().map { root + "/" + $0 } ?? []
        #expect(files.count >= 9)
        let reference = try await Run.process(python, [Self.oracle, "misp"] + files)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(reference.utf8)) as? [String: [[String]]])
        for file in files {
            let dir = scratchDir() + "/" + URL(fileURLWithPath: file).lastPathComponent
            let r = try await CLI.run(["intel", "import", file, "--data-dir", dir])
            #expect(r.status == 0, "\(file): \(r.stderr)")
            let summary = try #require(json(r.stdout))
            #expect(summary["reportsNew"] as? Int == 1)
            let mine = Set(try await Self.listed(dir).map { [$0["type"] as? String ?? "", $0["value"] as? String ?? ""] })
            let theirs = Set(try #require(expected[file]))
            #expect(mine == theirs, "\(file): only CTAS \(mine.subtracting(theirs).sorted { $0.joined() < $1.joined() }.prefix(5)); only PyMISP \(theirs.subtracting(mine).sorted { $0.joined() < $1.joined() }.prefix(5))")
            #expect(!mine.isEmpty)
        }
    }

    @Test(.enabled(if: SharedData.has(stixDir)))
    func stixBundlesImportWithEveryPatternUnderstoodOrReported() async throws {
        let python = try requirePython()
        let root = try #require(SharedData.path(Self.stixDir))
        let poisonIvy = root + "/threat-reports/poisonivy.json"
        let reference = try await Run.process(python, [Self.oracle, "stix", poisonIvy])
        let expected = try #require((try JSONSerialization.jsonObject(with: Data(reference.utf8)) as? [String: [String: Any]])?[poisonIvy])
        let dir = scratchDir()
        let r = try await CLI.run(["intel", "import", poisonIvy, "--data-dir", dir])
        #expect(r.status == 0, "\(r.stderr)")
        let listed = try await Self.listed(dir)
        let mine = Set(listed.map { [$0["type"] as? String ?? "", $0["value"] as? String ?? ""] })
        let theirs = Set(try #require(expected["values"] as? [[String]]))
        #expect(mine.isSuperset(of: theirs), "missing \(theirs.subtracting(mine))")
        // What CTAS adds beyond exact pattern values: the report's vulnerabilities (CVE) and observables.
        #expect(mine.subtracting(theirs).allSatisfy { $0[0] == "cve" || $0[0] == "ipv4" || $0[0] == "domain" || $0[0] == "md5" || $0[0] == "sha256" })
        // Report context, relationships and markings travel with the indicators.
        let ip = try #require(listed.first { $0["value"] as? String == "113.10.246.30" })
        let sources = try #require(ip["sources"] as? [[String: Any]])
        #expect(sources.contains { ($0["name"] as? String)?.hasPrefix("Poison Ivy") == true && $0["org"] as? String == "FireEye, Inc." })
        #expect((ip["tags"] as? [String])?.contains { $0.hasPrefix("malware:") } == true)

        // Every bundle of the examples: imported, patterns that are not exact values reported, nothing fatal but the lone object.
        let all = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasSuffix(".json") }.map { root + "/" + $0 }
        let each = try await CLI.run(["intel", "import", "--data-dir", dir + "/all", "--show-problems", "100"] + all)
        #expect(each.stderr.contains("MATCHES on email-message") == false, "email-message is not an indicator type: skipped, not an error")
        #expect(each.stderr.contains("interop-objectmarking-test.json: $: not intelligence; expected a STIX bundle"), "\(each.stderr)")
        #expect(each.status == 1, "a file that is not intelligence makes the exit status 1")
    }

    @Test func reimportChangesNothingAndANewerVersionReplacesTheOlder() async throws {
        let dir = scratchDir()
        func event(timestamp: Int, values: [String]) -> String {
            let attributes = values.map { "{\"type\":\"ip-dst\",\"value\":\"\($0)\",\"to_ids\":true,\"Tag\":[{\"name\":\"tlp:amber\"}]}" }
            return "{\"Event\":{\"uuid\":\"5a9a8f6b-0d5c-4b3e-9c1f-1d2e3f4a5b6c\",\"info\":\"Test op\",\"date\":\"2026-11-01\",\"timestamp\":\"\(timestamp)\",\"Orgc\":{\"name\":\"CIRCL\"},\"Attribute\":[\(attributes.joined(separator: ","))]}}"
        }
        try event(timestamp: 1_790_000_000, values: ["203.0.113.5", "203.0.113.6"]).write(toFile: dir + "/v1.json", atomically: true, encoding: .utf8)
        try event(timestamp: 1_790_000_100, values: ["203.0.113.7"]).write(toFile: dir + "/v2.json", atomically: true, encoding: .utf8)
        let first = try #require(json(try await CLI.run(["intel", "import", dir + "/v1.json", "--data-dir", dir + "/d"]).stdout))
        #expect(first["reportsNew"] as? Int == 1 && first["entries"] as? Int == 2)
        let again = try #require(json(try await CLI.run(["intel", "import", dir + "/v1.json", "--data-dir", dir + "/d"]).stdout))
        #expect(again["reportsUnchanged"] as? Int == 1 && again["entries"] as? Int == 0)
        let newer = try #require(json(try await CLI.run(["intel", "import", dir + "/v2.json", "--data-dir", dir + "/d"]).stdout))
        #expect(newer["reportsUpdated"] as? Int == 1)
        let older = try #require(json(try await CLI.run(["intel", "import", dir + "/v1.json", "--data-dir", dir + "/d"]).stdout))
        #expect(older["reportsUnchanged"] as? Int == 1, "an older version never replaces a newer one")
        let values = try await Self.listed(dir + "/d").compactMap { $0["value"] as? String }
        #expect(values == ["203.0.113.7"])
        let show = try await CLI.run(["intel", "show", "203.0.113[.]7", "--data-dir", dir + "/d"])
        #expect(show.stdout.contains("Test op — CIRCL, 2026-11-01 [ip-dst, for detection]") && show.stdout.contains("tlp:amber"), "\(show.stdout)")
    }

    @Test func badIntelligenceIsCountedWithItsPathAndTheRestImported() async throws {
        let dir = scratchDir()
        let hostile = "{\"Event\":{\"uuid\":\"6a9a8f6b-0d5c-4b3e-9c1f-1d2e3f4a5b6c\",\"info\":\"\\u001b[2Jevil\",\"timestamp\":\"1\",\"Attribute\":["
            + "{\"type\":\"ip-dst\",\"value\":\"999.1.1.1\"},{\"type\":\"regkey\",\"value\":\"HKLM\\\\x\"},{\"type\":\"domain|ip\",\"value\":\"good-site.net|198.51.100.9\"},"
            + "{\"type\":\"domain\"},{\"type\":\"ip-dst|port\",\"value\":\"198.51.100.10\"}]}}"
        try hostile.write(toFile: dir + "/event.json", atomically: true, encoding: .utf8)
        try "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[ipv4-addr:value = '198.51.100.20'] WITHIN 60 SECONDS\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\"},{\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern\":\"[ipv4-addr:value = \",\"pattern_type\":\"stix\"},{\"type\":\"report\",\"id\":\"report--1\",\"name\":\"r\",\"object_refs\":[\"indicator--1\",\"indicator--404\"]}]}"
            .write(toFile: dir + "/bundle.json", atomically: true, encoding: .utf8)
        try "{\"Event\": {\"uuid\": \"x\",}}".write(toFile: dir + "/broken.json", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["intel", "import", dir + "/event.json", dir + "/bundle.json", dir + "/broken.json", dir + "/absent.json", "--data-dir", dir + "/d"])
        #expect(r.status == 1)
        for expected in ["event.json: $.Event.Attribute[0].value: the value of this 'ip-dst' is not a valid indicator",
                         "event.json: $.Event.Attribute[3]: missing 'value'",
                         "event.json: $.Event.Attribute[4].value: the value of this 'ip-dst|port' is not a valid indicator",
                         "bundle.json: $.objects[0].pattern: qualifier WITHIN 60 SECONDS parsed but not evaluated",
                         "bundle.json: $.objects[1].pattern: pattern not understood: at character",
                         "bundle.json: $.objects[2].object_refs: reference to indicator--404",
                         "broken.json: $: invalid JSON", "absent.json: $: no such file or directory",
                         "1 attribute(s) of types that are not indicators CTAS matches were kept out: regkey 1"] {
            #expect(r.stderr.contains(expected), "\(expected) in \(r.stderr)")
        }
        #expect(!r.stderr.contains("\u{1B}") && !r.stdout.contains("\u{1B}"))
        let summary = try #require(json(r.stdout))
        #expect(summary["entries"] as? Int == 3, "good-site.net, 198.51.100.9 and 198.51.100.20 are imported")
        let table = try await CLI.run(["intel", "list", "--data-dir", dir + "/d"])
        #expect(!table.stdout.contains("\u{1B}"))
        let bad = try await CLI.run(["intel", "list", "--type", "nonsense", "--data-dir", dir + "/d"])
        #expect(bad.status == 2)
        let none = try await CLI.run(["intel", "show", "192.0.2.99", "--data-dir", dir + "/d"])
        #expect(none.status == 1 && none.stderr.contains("not in the intelligence store"))
    }

    /// The table keeps its columns lined up when a value is longer than the default column
    /// (a 62-character onion name) and never cuts a value.
    @Test func listTableWidensItsValueColumnForLongValues() async throws {
        let dir = scratchDir()
        let onion = String(repeating: "a", count: 30) + String(repeating: "b", count: 26) + ".onion"
        let event = "{\"Event\":{\"uuid\":\"7b9a8f6b-0d5c-4b3e-9c1f-1d2e3f4a5b6c\",\"info\":\"wide\",\"timestamp\":\"1\",\"Attribute\":["
            + "{\"type\":\"domain\",\"value\":\"\(onion)\"},{\"type\":\"ip-dst\",\"value\":\"198.51.100.7\"}]}}"
        try event.write(toFile: dir + "/event.json", atomically: true, encoding: .utf8)
        let imported = try await CLI.run(["intel", "import", dir + "/event.json", "--data-dir", dir + "/d"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let table = try await CLI.run(["intel", "list", "--data-dir", dir + "/d"])
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(table.stdout)")
        let column = try #require(lines.first?.range(of: "SOURCES")).lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() {
            #expect(line.contains(onion) || line.contains("198.51.100.7"))
            let sources = try #require(line.range(of: "wide")).lowerBound.utf16Offset(in: line)
            #expect(sources == column, "\(line)")
        }
    }

    /// The route stage enriches a batch a slice at a time: a sighting late in a large batch
    /// belongs to its own event (its time, its tag), not to one a slice earlier.
    @Test func aSightingLateInALargeBatchBelongsToItsEvent() async throws {
        let dir = scratchDir()
        let bundle = "{\"type\":\"bundle\",\"id\":\"bundle--3\",\"objects\":[{\"type\":\"indicator\",\"id\":\"indicator--10\",\"name\":\"c2\",\"pattern\":\"[ipv4-addr:value = '198.51.100.77']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\"}]}"
        try bundle.write(toFile: dir + "/b.json", atomically: true, encoding: .utf8)
        _ = try await CLI.run(["intel", "import", dir + "/b.json", "--data-dir", dir + "/d"])
        // 1,000 events a minute apart, one batch; only the 701st carries the known address.
        func time(_ i: Int) -> String {
            String(format: "2026-11-%02dT%02d:%02d:00Z", 1 + i / 1_440, i / 60 % 24, i % 60)
        }
        let sighted = 700
        let feed = (0..<1_000).map { i in
            let address = i == sighted ? "198.51.100.77" : "10.0.\(i / 256).\(i % 256)"
            return "{\"id\":\"e\(i)\",\"ts\":\"\(time(i))\",\"type\":\"conn\",\"indicators\":[\"\(address)\"]}"
        }.joined(separator: "\n") + "\n"
        try feed.write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        let run = try #require(json(try await CLI.run(["ingest", dir + "/feed.ndjson", "--data-dir", dir + "/d", "--no-geoip", "--quiet"]).stdout))
        #expect(run["accepted"] as? Int == 1_000 && run["intelSightings"] as? Int == 1)
        let list = try await CLI.run(["intel", "list", "--sighted", "--format", "json", "--data-dir", dir + "/d", "--at", "2026-12-01"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?["sightings"] as? Int == 1)
        #expect(rows.first?["lastSighting"] as? String == time(sighted), "\(rows)")
        let tagged = try await CLI.run(["query", "events", "--data-dir", dir + "/d", "--format", "ndjson", "--limit", "2000"])
        let events = tagged.stdout.split(separator: "\n").compactMap { json(String($0)) }
        #expect(events.count == 1_000)
        #expect(events.filter { ($0["tags"] as? [String])?.contains("intel") == true }.compactMap { $0["id"] as? String } == ["e\(sighted)"])
    }

    @Test func ingestRecordsSightingsOnceAndScoresDecayAsMISPsFormula() async throws {
        let python = try requirePython()
        let dir = scratchDir()
        let bundle = "{\"type\":\"bundle\",\"id\":\"bundle--2\",\"objects\":[{\"type\":\"indicator\",\"id\":\"indicator--9\",\"name\":\"c2\",\"pattern\":\"[ipv4-addr:value = '198.51.100.77' OR domain-name:value = 'c2-server.net']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\"}]}"
        try bundle.write(toFile: dir + "/b.json", atomically: true, encoding: .utf8)
        _ = try await CLI.run(["intel", "import", dir + "/b.json", "--data-dir", dir + "/d"])
        let feed = """
            {"id":"e1","ts":"2026-11-01T00:00:00Z","type":"dns","source":"sensor-a","indicators":["10.0.0.5"],"description":"query for c2-server[.]net"}
            {"id":"e2","ts":"2026-11-02T00:00:00Z","type":"conn","indicators":["198.51.100.77","10.0.0.5"]}
            {"id":"e3","ts":"2026-11-03T00:00:00Z","type":"conn","indicators":["198.51.100.78"]}

            """
        try feed.write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        let first = try #require(json(try await CLI.run(["ingest", dir + "/feed.ndjson", "--data-dir", dir + "/d", "--no-geoip", "--quiet"]).stdout))
        #expect(first["intelSightings"] as? Int == 2)
        _ = try await CLI.run(["ingest", dir + "/feed.ndjson", "--data-dir", dir + "/d", "--no-geoip", "--quiet", "--from-start"])
        let sighted = try await CLI.run(["intel", "list", "--sighted", "--format", "json", "--data-dir", dir + "/d", "--at", "2026-11-10"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(sighted.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["sightings"] as? Int == 1 }, "re-ingesting the same events sights nothing again: \(rows)")
        let tagged = try await CLI.run(["query", "events", "--data-dir", dir + "/d", "--format", "ndjson"])
        let events = tagged.stdout.split(separator: "\n").compactMap { json(String($0)) }
        #expect(events.filter { ($0["tags"] as? [String])?.contains("intel") == true }.compactMap { $0["id"] as? String }.sorted() == ["e1", "e2"])

        // Scores at chosen times against the formula: t since the last sighting (2026-11-02 for the IP).
        let times = ["2026-11-02T00:00:00Z", "2026-11-12T12:00:00Z", "2027-01-15T00:00:00Z", "2027-03-01T23:59:59Z", "2027-06-01T00:00:00Z"]
        var seconds: [String] = []
        var scores: [Double] = []
        for time in times {
            let r = try await CLI.run(["intel", "show", "198.51.100.77", "--format", "json", "--at", time, "--data-dir", dir + "/d"])
            scores.append(try #require(json(r.stdout)?["score"] as? Double, "\(r.stdout)\(r.stderr)"))
            let at = try #require(ISO8601DateFormatter().date(from: time))
            let sighting = try #require(ISO8601DateFormatter().date(from: "2026-11-02T00:00:00Z"))
            seconds.append(String(at.timeIntervalSince(sighting)))
        }
        let reference = try await Run.process(python, [Self.oracle, "decay", "80", "120", "2"] + seconds)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(reference.utf8)) as? [Double])
        for (mine, theirs) in zip(scores, expected) { #expect(abs(mine - theirs) <= 1e-9, "\(mine) vs \(theirs)") }
        let decayed = try await CLI.run(["intel", "list", "--min-score", "30", "--format", "json", "--at", "2027-06-01", "--data-dir", dir + "/d"])
        #expect(decayed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n]".trimmingCharacters(in: .whitespacesAndNewlines) || !decayed.stdout.contains("198.51.100.77"))
    }
}

/// Export and back: STIX valid by stix2-validator and loaded by stix2, MISP loaded by PyMISP,
/// each imported again with every indicator, tag and sighting kept.
@Suite struct IntelExportTests {
    /// The test venv's stix2-validator (the test is skipped, or fails under CI, without it).
    static func requireValidator() throws -> String {
        let validator = TestOracle.repository.appendingPathComponent(".venv/bin/stix2_validator").path
        try requires(FileManager.default.isExecutableFile(atPath: validator), "stix2-validator in the test venv")
        return validator
    }

    static func values(_ dir: String) async throws -> [String: [String: Any]] {
        let r = try await CLI.run(["intel", "list", "--data-dir", dir, "--format", "json", "--limit", "1000000"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: rows.map { (($0["type"] as? String ?? "") + ":" + ($0["value"] as? String ?? ""), $0) })
    }

    /// A collection kept one directory per campaign (as the ESET IOC repository keeps its MISP
    /// events) is imported whole: files, then subdirectories, a feed among them read by its
    /// manifest; hidden directories, links to directories and pipes are passed over; a
    /// directory holding nothing to import is a problem and exit 1, not a silent import of
    /// nothing. (Bounded in time: a pipe waited on would hang the import, not fail it.)
    @Test(.timeLimit(.minutes(5))) func aDirectoryIsReadWithItsSubdirectories() async throws {
        let dir = scratchDir()
        let top = dir + "/collection"
        func misp(_ uuid: String, _ value: String) -> String {
            #"{"Event":{"uuid":"\#(uuid)","info":"Op \#(value)","date":"2026-10-01","timestamp":"1790000000","Attribute":[{"type":"domain","value":"\#(value)","to_ids":true}]}}"#
        }
        let bundle = #"{"type":"bundle","id":"bundle--5","objects":[{"type":"indicator","id":"indicator--5","name":"n","pattern":"[ipv4-addr:value = '198.51.100.77']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}]}"#
        let files: [(String, String)] = [
            ("top-level.json", misp("11111111-1111-4111-8111-111111111111", "top-level.example.com")),
            ("campaign-a/event.json", misp("22222222-2222-4222-8222-222222222222", "campaign-a.example.com")),
            ("campaign-b/deeper/bundle.json", bundle),
            ("feed/manifest.json", #"{"33333333-3333-4333-8333-333333333333":{"info":"Op feed"}}"#),
            ("feed/33333333-3333-4333-8333-333333333333.json", misp("33333333-3333-4333-8333-333333333333", "feed.example.com")),
            (".git/objects.json", misp("44444444-4444-4444-8444-444444444444", "hidden.example.com")),
            ("campaign-a/notes.txt", "not intelligence"),
        ]
        for (name, text) in files {
            let path = top + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(atPath: top + "/campaign-a/loop", withDestinationPath: top)
        #expect(mkfifo(top + "/campaign-b/pipe.json", 0o600) == 0, "a pipe among the files is passed over, not waited on")
        let r = try await CLI.run(["intel", "import", top, "--data-dir", dir + "/a"])
        #expect(r.status == 0, "\(r.stderr)")
        let values = try await Self.values(dir + "/a")
        #expect(Set(values.keys) == ["domain:top-level.example.com", "domain:campaign-a.example.com", "ipv4:198.51.100.77", "domain:feed.example.com"],
                "\(values.keys.sorted())")

        try FileManager.default.createDirectory(atPath: dir + "/empty/sub", withIntermediateDirectories: true)
        try "x".write(toFile: dir + "/empty/sub/readme.txt", atomically: true, encoding: .utf8)
        let empty = try await CLI.run(["intel", "import", dir + "/empty", "--data-dir", dir + "/b"])
        #expect(empty.status == 1 && empty.stderr.contains("MISP event or STIX bundle files (*.json)"), "\(empty.status) \(empty.stderr)")
    }

    @Test func roundTripsThroughSTIXAndMISPKeepIndicatorsTagsAndSightings() async throws {
        let python = try requirePython()
        let validator = try Self.requireValidator()
        let dir = scratchDir()
        let event = """
            {"Event":{"uuid":"7b9a8f6b-0d5c-4b3e-9c1f-1d2e3f4a5b6c","info":"Op Export","date":"2026-10-01","timestamp":"1790000000",
             "Orgc":{"name":"CIRCL"},"Tag":[{"name":"tlp:green"}],"Attribute":[
              {"type":"ip-dst","value":"198.51.100.44","to_ids":true,"Tag":[{"name":"tlp:amber"},{"name":"mitre-attack:T1071"}]},
              {"type":"domain|ip","value":"evil-export.net|203.0.113.44","to_ids":true},
              {"type":"url","value":"https://evil-export.net/a?b=1","to_ids":true},
              {"type":"sha256","value":"\(String(repeating: "ab", count: 32))","to_ids":false},
              {"type":"md5","value":"\(String(repeating: "c", count: 32))"},
              {"type":"email-src","value":"phish@evil-export.net"},
              {"type":"vulnerability","value":"CVE-2026-12345"}]}}
            """
        try event.write(toFile: dir + "/event.json", atomically: true, encoding: .utf8)
        _ = try await CLI.run(["intel", "import", dir + "/event.json", "--data-dir", dir + "/a"])
        try "{\"id\":\"s1\",\"ts\":\"2026-11-20T08:00:00Z\",\"type\":\"conn\",\"indicators\":[\"198.51.100.44\"]}\n"
            .write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        _ = try await CLI.run(["ingest", dir + "/feed.ndjson", "--data-dir", dir + "/a", "--no-geoip", "--quiet"])
        let original = try await Self.values(dir + "/a")
        #expect(original.count == 8)

        // STIX: valid, loadable, and back with the same indicators (CVE ids travel as vulnerabilities only in MISP).
        let stix = try await CLI.run(["export", "--format", "stix", "--out", dir + "/out.stix.json", "--data-dir", dir + "/a"])
        #expect(stix.status == 0, "\(stix.stderr)")
        let validation = try await Run.process(validator, [dir + "/out.stix.json"])
        #expect(validation.contains("STIX JSON: Valid") && !validation.contains("[X]"), "\(validation.prefix(2000))")
        let loaded = try await Run.process(python, [IntelCLITests.oracle, "load-stix", dir + "/out.stix.json"])
        let types = try #require(json(loaded), "\(loaded)")
        #expect(types["indicator"] as? Int == 7 && types["report"] as? Int == 1 && types["sighting"] as? Int == 1, "\(types)")
        #expect((types["marking-definition"] as? Int ?? 0) >= 1)
        let again = try await CLI.run(["export", "--format", "stix", "--out", dir + "/again.stix.json", "--data-dir", dir + "/a"])
        #expect(again.status == 0)
        func ids(_ path: String) throws -> [String] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return text.split(separator: "\"").filter { $0.hasPrefix("indicator--") }.map(String.init)
        }
        #expect(try ids(dir + "/out.stix.json") == ids(dir + "/again.stix.json"), "ids are stable across exports")
        _ = try await CLI.run(["intel", "import", dir + "/out.stix.json", "--data-dir", dir + "/b"])
        let fromSTIX = try await Self.values(dir + "/b")
        #expect(Set(fromSTIX.keys) == Set(original.keys).subtracting(["cve:CVE-2026-12345"]))
        let ip = try #require(fromSTIX["ipv4:198.51.100.44"])
        #expect((ip["tags"] as? [String]).map { Set($0).isSuperset(of: ["tlp:amber", "mitre-attack:T1071"]) } == true, "\(ip)")
        #expect(ip["sightings"] as? Int == 1 && ip["lastSighting"] as? String == "2026-11-20T08:00:00Z")

        // MISP event: PyMISP loads it; imported back, every indicator, tag and sighting.
        _ = try await CLI.run(["export", "--format", "misp", "--out", dir + "/out.misp.json", "--data-dir", dir + "/a"])
        let pymisp = try await Run.process(python, [IntelCLITests.oracle, "load-misp", dir + "/out.misp.json"])
        #expect(json(pymisp)?[dir + "/out.misp.json"] as? Int == 8, "\(pymisp)")
        _ = try await CLI.run(["intel", "import", dir + "/out.misp.json", "--data-dir", dir + "/c"])
        let fromMISP = try await Self.values(dir + "/c")
        #expect(Set(fromMISP.keys) == Set(original.keys))
        for (key, row) in original {
            #expect(Set(fromMISP[key]?["tags"] as? [String] ?? []) == Set(row["tags"] as? [String] ?? []), "\(key) tags")
            #expect(fromMISP[key]?["sightings"] as? Int == row["sightings"] as? Int, "\(key) sightings")
        }

        // MISP feed: a directory CTAS and PyMISP read; hashes.csv holds MD5s as hashlib computes them.
        _ = try await CLI.run(["export", "--format", "misp-feed", "--out", dir + "/feed", "--data-dir", dir + "/a"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/feed").sorted()
        #expect(files.contains("manifest.json") && files.contains("hashes.csv") && files.contains("7b9a8f6b-0d5c-4b3e-9c1f-1d2e3f4a5b6c.json"))
        let feedEvent = dir + "/feed/7b9a8f6b-0d5c-4b3e-9c1f-1d2e3f4a5b6c.json"
        #expect(json(try await Run.process(python, [IntelCLITests.oracle, "load-misp", feedEvent]))?[feedEvent] as? Int == 8)
        _ = try await CLI.run(["intel", "import", dir + "/feed", "--data-dir", dir + "/d"])
        #expect(Set(try await Self.values(dir + "/d").keys) == Set(original.keys))
        let hashes = try String(contentsOfFile: dir + "/feed/hashes.csv", encoding: .utf8).split(separator: "\n").map { String($0.split(separator: ",")[0]) }
        let md5 = try await Run.process(python, [IntelCLITests.oracle, "md5", "198.51.100.44", "evil-export.net"])
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(md5.utf8)) as? [String])
        #expect(Set(hashes).isSuperset(of: expected))
        // The same directory given to `ingest` as a feed: every file named as what it is.
        let asFeed = try await CLI.run(["ingest", dir + "/feed", "--data-dir", dir + "/as-feed", "--quiet"])
        #expect(asFeed.status == 1)
        #expect(asFeed.stderr.contains("hashes.csv: is a MISP feed's hash list (hashes.csv), not a feed of events; import the feed's directory with `ctas intel import`"),
                "\(asFeed.stderr)")
        #expect(asFeed.stderr.contains("manifest.json: is a MISP feed's manifest") && asFeed.stderr.contains("b6c.json: is a MISP event"), "\(asFeed.stderr)")
        #expect(!asFeed.stderr.contains("reject"), "\(asFeed.stderr)")

        // Zeek intel and CSV.
        _ = try await CLI.run(["export", "--format", "zeek-intel", "--out", dir + "/intel.dat", "--data-dir", dir + "/a"])
        let zeek = try String(contentsOfFile: dir + "/intel.dat", encoding: .utf8).split(separator: "\n")
        #expect(zeek.first == "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc")
        #expect(zeek.contains { $0.hasPrefix("evil-export.net/a?b=1\tIntel::URL\t") }, "URLs without their scheme")
        #expect(zeek.contains { $0.hasPrefix("198.51.100.44\tIntel::ADDR\tOp Export\t") })
        #expect(zeek.count == 8, "a header and seven rows: the CVE has no Zeek type")
        let csv = try await CLI.run(["export", "--format", "csv", "--out", "-", "--data-dir", dir + "/a", "--type", "ip"])
        #expect(csv.stdout.split(separator: "\n").count == 3)
    }

    /// URLs written without a scheme (as certificates and reports write them): stored events
    /// carrying them export as a bundle the validator accepts, with observable ids stix2
    /// derives again. The Zeek x509 sample exported this way was refused
    /// (`www.entrust.net/legal-terms is not a 'uri'`).
    @Test func urlsWithoutASchemeExportAsValidObservables() async throws {
        let python = try requirePython()
        let validator = try Self.requireValidator()
        let dir = scratchDir()
        let data = dir + "/a"
        try """
            {"id":"u1","ts":"2026-11-20T08:00:00Z","type":"x509","description":"issuer O=Entrust, OU=www.entrust.net/legal-terms"}
            {"id":"u2","ts":"2026-11-20T08:01:00Z","type":"x509","description":"subject CN=goldner.sons.net/emailAddress=x"}
            {"id":"u3","ts":"2026-11-20T08:03:00Z","type":"http","indicators":["https://ok.example.com/a"]}

            """.write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        _ = try await CLI.run(["ingest", dir + "/feed.ndjson", "--data-dir", data, "--no-geoip", "--quiet"])
        let export = try await CLI.run(["export", "--format", "stix", "--out", dir + "/all.json", "--data-dir", data])
        #expect(export.status == 0 && export.stderr.contains("3 event(s)"), "\(export.stderr)")
        let bundle = try String(contentsOfFile: dir + "/all.json", encoding: .utf8)
        #expect(bundle.contains(#""value":"http://www.entrust.net/legal-terms""#), "\(bundle.prefix(3000))")
        let valid = try await Run.process(validator, [dir + "/all.json"])
        #expect(valid.contains("STIX JSON: Valid") && !valid.contains("[X]"), "\(valid.prefix(2000))")
        let types = try #require(json(try await Run.process(python, [IntelCLITests.oracle, "load-stix", dir + "/all.json"])))
        #expect(types["observed-data"] as? Int == 3 && types["url"] as? Int == 3, "\(types)")
        let ids = try #require(json(try await Run.process(python, [IntelCLITests.oracle, "sco-ids", dir + "/all.json"])))
        #expect((ids["mismatched"] as? [Any])?.isEmpty == true && (ids["checked"] as? Int ?? 0) >= 3, "\(ids)")
    }

    /// Stored events chosen by the feed's filter, time, cell or correlation reach: STIX
    /// observed-data with STIX's own observable ids and a sighting per known indicator;
    /// MISP, Zeek intel and CSV as an analyst hands them on; bad selections refused.
    @Test func storedEventsExportAsObservedDataAndSightings() async throws {
        let python = try requirePython()
        let validator = try Self.requireValidator()
        let dir = scratchDir()
        let data = dir + "/a"
        try #"{"Event":{"uuid":"0d6f6a51-3c1e-4f44-9a0e-5b7b7f1e2a10","info":"Op Beacon","date":"2026-10-01","timestamp":"1790000000","Attribute":[{"type":"ip-dst","value":"45.77.10.20","to_ids":true},{"type":"domain","value":"c2-beacon.net","to_ids":true}]}}"#
            .write(toFile: dir + "/event.json", atomically: true, encoding: .utf8)
        _ = try await CLI.run(["intel", "import", dir + "/event.json", "--data-dir", data])
        try """
            {"id":"e1","ts":"2026-11-20T08:00:00Z","type":"conn","severity":7,"lat":51.5,"lon":-0.12,"indicators":["45.77.10.20","91.200.12.7"],"description":"beacon to c2-beacon.net"}
            {"id":"e2","ts":"2026-11-20T09:00:00Z","type":"dns","indicators":["91.200.12.7"],"description":"x\\u001b[31m"}
            {"id":"e3","ts":"2026-11-20T10:00:00Z","type":"login","entity":"host-1"}
            {"id":"e4","ts":"2026-11-20T11:00:00Z","type":"dns","indicators":["8.8.8.8", "\(String(repeating: "ab", count: 32))"]}

            """.write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        _ = try await CLI.run(["ingest", dir + "/feed.ndjson", "--data-dir", data, "--no-geoip", "--quiet"])

        // One event by the filter: its observables, its observed-data, a sighting of each
        // known value it carries (the address listed, the domain in its text), their
        // indicators pulled into the bundle.
        let one = try await CLI.run(["export", "--format", "stix", "--out", dir + "/conn.json", "--query", "type:conn sev>=7", "--data-dir", data])
        #expect(one.status == 0 && one.stderr.contains("exported 1 event(s) as stix"), "\(one.stderr)")
        let valid = try await Run.process(validator, [dir + "/conn.json"])
        #expect(valid.contains("STIX JSON: Valid") && !valid.contains("[X]") && !valid.contains("[!]"), "\(valid.prefix(2000))")
        var types = try #require(json(try await Run.process(python, [IntelCLITests.oracle, "load-stix", dir + "/conn.json"])))
        #expect(types["observed-data"] as? Int == 1 && types["sighting"] as? Int == 2 && types["indicator"] as? Int == 2, "\(types)")
        #expect(types["ipv4-addr"] as? Int == 2 && types["domain-name"] as? Int == 1 && types["report"] == nil, "\(types)")
        let ids = try #require(json(try await Run.process(python, [IntelCLITests.oracle, "sco-ids", dir + "/conn.json"])))
        #expect(ids["checked"] as? Int == 3 && (ids["mismatched"] as? [Any])?.isEmpty == true, "\(ids)")

        // Everything: the intelligence and every event with an observable (e3 has none: said);
        // event sightings stand in for the store's summary sighting.
        let all = try await CLI.run(["export", "--format", "stix", "--out", dir + "/all.json", "--data-dir", data])
        #expect(all.stderr.contains("1 event(s) carry no indicator") && all.stderr.contains("2 indicator(s) and 4 event(s)"), "\(all.stderr)")
        types = try #require(json(try await Run.process(python, [IntelCLITests.oracle, "load-stix", dir + "/all.json"])))
        #expect(types["observed-data"] as? Int == 3 && types["sighting"] as? Int == 2 && types["indicator"] as? Int == 2 && types["file"] as? Int == 1, "\(types)")
        let again = try await CLI.run(["export", "--format", "stix", "--out", dir + "/again.json", "--data-dir", data])
        #expect(again.status == 0)
        #expect(try String(contentsOfFile: dir + "/all.json", encoding: .utf8) == String(contentsOfFile: dir + "/again.json", encoding: .utf8), "the same store exports the same bundle")

        // The correlation reach of e2 (e1 through 91.200.12.7) as Zeek intel: observed values
        // join as CTAS's; the public resolver e4 carried never becomes an indicator.
        let zeek = try await CLI.run(["export", "--format", "zeek-intel", "--out", "-", "--neighbors", "e2", "--data-dir", data])
        let rows = zeek.stdout.split(separator: "\n").map(String.init)
        #expect(Set(rows.dropFirst()) == ["45.77.10.20\tIntel::ADDR\tCTAS observed events\t-", "91.200.12.7\tIntel::ADDR\tCTAS observed events\t-",
                                          "c2-beacon.net\tIntel::DOMAIN\tCTAS observed events\t-"], "\(zeek.stdout)")
        let everything = try await CLI.run(["export", "--format", "zeek-intel", "--out", "-", "--data-dir", data])
        #expect(!everything.stdout.contains("8.8.8.8") && everything.stdout.contains("45.77.10.20\tIntel::ADDR\tOp Beacon"), "\(everything.stdout)")

        // MISP: PyMISP loads the events' indicators; imported back, each carries its sightings.
        _ = try await CLI.run(["export", "--format", "misp", "--out", dir + "/dns.misp.json", "--query", "type:dns", "--since", "2026-11-20T08:30Z", "--data-dir", data])
        #expect(json(try await Run.process(python, [IntelCLITests.oracle, "load-misp", dir + "/dns.misp.json"]))?[dir + "/dns.misp.json"] as? Int == 2)
        _ = try await CLI.run(["intel", "import", dir + "/dns.misp.json", "--data-dir", dir + "/b"])
        let back = try await Self.values(dir + "/b")
        #expect(Set(back.keys) == ["ipv4:91.200.12.7", "sha256:" + String(repeating: "ab", count: 32)], "\(back.keys)")
        #expect(back["ipv4:91.200.12.7"]?["sightings"] as? Int == 1)
        // Two events carried 91.200.12.7: two sightings, at their times, travel and come back.
        _ = try await CLI.run(["export", "--format", "misp", "--out", dir + "/both.misp.json", "--query", "ind=91.200.12.7", "--data-dir", data])
        _ = try await CLI.run(["intel", "import", dir + "/both.misp.json", "--data-dir", dir + "/c"])
        let both = try await Self.values(dir + "/c")
        #expect(both["ipv4:91.200.12.7"]?["sightings"] as? Int == 2 && both["ipv4:91.200.12.7"]?["lastSighting"] as? String == "2026-11-20T09:00:00Z",
                "\(both["ipv4:91.200.12.7"] ?? [:])")
        #expect(both["ipv4:45.77.10.20"]?["sightings"] as? Int == 1 && both["domain:c2-beacon.net"]?["sightings"] as? Int == 1)

        // CSV of events by time and by cell (feed strings escaped unless --raw).
        let csv = try await CLI.run(["export", "--format", "csv", "--out", "-", "--since", "2026-11-20T08:30Z", "--until", "2026-11-20T10:30Z", "--data-dir", data])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[1].hasPrefix("e3,") && lines[2].hasPrefix("e2,") && !csv.stdout.contains("\u{1B}"), "\(csv.stdout)")
        let raw = try await CLI.run(["export", "--format", "csv", "--out", "-", "--query", "id=e2", "--raw", "--data-dir", data])
        #expect(raw.stdout.contains("\u{1B}[31m"))
        let cell = try await CLI.run(["export", "--format", "csv", "--out", "-", "--cell", "85194ad3fffffff", "--data-dir", data])
        #expect(cell.stdout.split(separator: "\n").map { $0.prefix(3) } == ["id,", "e1,"], "\(cell.stdout)")

        // Bad selections: a clear error naming the option.
        let badQuery = try await CLI.run(["export", "--format", "stix", "--out", "-", "--query", "sev>=x", "--data-dir", data])
        #expect(badQuery.status == 64 || badQuery.status == 2, "\(badQuery.status)")
        #expect(badQuery.stderr.contains("--query"), "\(badQuery.stderr)")
        let badCell = try await CLI.run(["export", "--format", "stix", "--out", "-", "--cell", "zz", "--data-dir", data])
        #expect(badCell.status != 0 && badCell.stderr.contains("--cell"))
        let badHops = try await CLI.run(["export", "--format", "stix", "--out", "-", "--neighbors", "e1", "--hops", "9", "--data-dir", data])
        #expect(badHops.status != 0 && badHops.stderr.contains("--hops"))
        let unknown = try await CLI.run(["export", "--format", "stix", "--out", "-", "--neighbors", "nothing-here", "--data-dir", data])
        #expect(unknown.status == 1 && unknown.stderr.contains("no event or indicator"), "\(unknown.stderr)")
        let huge = try await CLI.run(["export", "--format", "csv", "--out", "-", "--query", "type:dns", "--limit", "1", "--data-dir", data])
        #expect(huge.stdout.split(separator: "\n").count == 2 && huge.stderr.contains("stopped at --limit 1"), "\(huge.stderr)")
    }
}

