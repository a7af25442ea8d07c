import CTASTestSupport
import Foundation
import Testing

/// `ctas bench testbed`: CTAS and the Python testbed (`testbed/ctas_testbed.py`) give the same
/// answers on a feed with every kind of line, and the comparison notices when they do not.
@Suite(.serialized) struct TestbedCLITests {
    static let script = TestOracle.repository.appendingPathComponent("testbed/ctas_testbed.py").path

    static func bench(_ feed: String, python: String, script: String = script, dir: String) async throws -> (status: Int32, result: [String: Any]) {
        let r = try await CLI.run(["bench", "testbed", feed, "--python", python, "--script", script, "--directory", dir + "/bench"])
        let result = try #require(try JSONSerialization.jsonObject(with: r.output) as? [String: Any], "\(r.stderr)")
        return (r.status, result)
    }

    /// A fresh scratch directory (the caller removes it).
    static func scratch() throws -> String {
        return Scratch.directory("testbed")
    }

    static func checks(_ result: [String: Any]) throws -> [String: [String: Any]] {
        let list = try #require(result["checks"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.compactMap { c in (c["name"] as? String).map { ($0, c) } })
    }

    @Test func ctasAndTheTestbedAgreeOnEveryAnswer() async throws {
        let python = try requirePython()
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = dir + "/feed.ndjson"
        // Malformed lines of every kind, planted campaigns (components), a dense cluster (hot spots).
        let gen = try await CLI.run(["gen-feed", "--events", "6000", "--seed", "11", "--malformed-rate", "0.03", "--plant", "6",
                                     "--cluster=48.85,2.35,0.2", "--output", feed])
        #expect(gen.status == 0, "\(gen.stderr)")
        let (status, result) = try await Self.bench(feed, python: python, dir: dir)
        let checks = try Self.checks(result)
        for (name, check) in checks.sorted(by: { $0.key < $1.key }) {
            #expect(check["differences"] as? Int == 0, "\(name): \(check["examples"] ?? [])")
        }
        #expect(status == 0)
        #expect(result["answersMatch"] as? Bool == true)
        // Each check compared something real.
        for name in ["accepted ids", "rejected lines and reasons", "indicators per event", "events per cell",
                     "correlation components", "hot cells and z"] {
            #expect((checks[name]?["compared"] as? Int ?? 0) > 0, "\(name) compared nothing")
        }
        #expect((result["events"] as? Int ?? 0) >= 6000)
        #expect((result["improvementFactor"] as? Double ?? 0) > 0)
    }

    /// Real threat reports (the ESET IOC repository in the shared data): every line as an event's
    /// description (running text) and every short line as a listed indicator. Defanged URLs,
    /// markdown tables, file paths, versions, onion names: both sides find the same values.
    @Test(.enabled(if: SharedData.has("cti/eset-malware-ioc/reports")))
    func reportTextGivesTheSameIndicatorsOnBothSides() async throws {
        let python = try requirePython()
        let root = try #require(SharedData.path("cti/eset-malware-ioc/reports"))
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lines: [String] = []
        // The real reports, then the extractor's own corpus (its traps and canonical forms).
        let corpus = TestOracle.repository.appendingPathComponent("Tests/CTASCoreTests/Corpus/report.txt").path
        let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted().map { root + "/" + $0 } + [corpus]
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { continue }
                var event: [String: Any] = ["id": "r-\(lines.count)", "ts": "2026-11-20T00:00:00Z", "type": "report",
                                            "description": String(trimmed.prefix(60_000))]
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self))
                if trimmed.utf8.count < 300 {
                    event = ["id": "r-\(lines.count)", "ts": "2026-11-20T00:00:00Z", "type": "listed", "indicators": [trimmed]]
                    lines.append(String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self))
                }
            }
        }
        #expect(lines.count > 10_000)
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/reports.ndjson", atomically: true, encoding: .utf8)
        let (status, result) = try await Self.bench(dir + "/reports.ndjson", python: python, dir: dir)
        let checks = try Self.checks(result)
        let indicators = try #require(checks["indicators per event"])
        #expect((indicators["compared"] as? Int ?? 0) > 10_000)
        for (name, check) in checks.sorted(by: { $0.key < $1.key }) {
            #expect(check["differences"] as? Int == 0, "\(name): \(check["examples"] ?? [])")
        }
        #expect(status == 0)
    }

    /// A testbed that fails: the run stops with an error that carries what the testbed said.
    @Test func aFailingTestbedIsAClearError() async throws {
        let python = try requirePython()
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "{\"id\":\"a\",\"ts\":\"2026-11-20T00:00:00Z\",\"type\":\"x\"}\n".write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        try "raise SystemExit('testbed broke: no answers')\n".write(toFile: dir + "/broken.py", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["bench", "testbed", dir + "/feed.ndjson", "--python", python, "--script", dir + "/broken.py",
                                   "--directory", dir + "/bench"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("exited with status 1") && r.stderr.contains("testbed broke: no answers"), "\(r.stderr)")
        let missing = try await CLI.run(["bench", "testbed", dir + "/feed.ndjson", "--python", python, "--script", dir + "/none.py"])
        #expect(missing.status != 0 && missing.stderr.contains("none.py: not found"), "\(missing.stderr)")
    }

    /// A testbed whose over-correlation limit is off by one links values CTAS does not: the
    /// comparison must name the components that differ and exit 1.
    @Test func aDifferenceIsListedAndFailsTheRun() async throws {
        let python = try requirePython()
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let feed = dir + "/feed.ndjson"
        let gen = try await CLI.run(["gen-feed", "--events", "6000", "--seed", "12", "--output", feed])
        #expect(gen.status == 0, "\(gen.stderr)")
        let source = try String(contentsOfFile: Self.script, encoding: .utf8)
        let wrong = source.replacingOccurrences(of: "len(members) > threshold", with: "len(members) > threshold + 30")
        #expect(wrong != source, "the testbed's limit test moved; update this test")
        // The copy reads its data files from the repository, as the original does.
        let copy = dir + "/testbed/ctas_testbed.py"
        try FileManager.default.createDirectory(atPath: dir + "/testbed", withIntermediateDirectories: true)
        try wrong.write(toFile: copy, atomically: true, encoding: .utf8)
        let patched = try String(contentsOfFile: copy, encoding: .utf8)
            .replacingOccurrences(of: "REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))",
                                  with: "REPO = \"\(TestOracle.repository.path)\"")
        try patched.write(toFile: copy, atomically: true, encoding: .utf8)
        let (status, result) = try await Self.bench(feed, python: python, script: copy, dir: dir)
        #expect(status == 1)
        #expect(result["answersMatch"] as? Bool == false)
        let components = try #require(try Self.checks(result)["correlation components"])
        #expect((components["differences"] as? Int ?? 0) > 0)
        #expect((components["examples"] as? [String] ?? []).contains { $0.hasPrefix("CTAS only:") || $0.hasPrefix("testbed only:") })
        #expect(try Self.checks(result)["indicators per event"]?["differences"] as? Int == 0, "only the links changed")
    }
}
