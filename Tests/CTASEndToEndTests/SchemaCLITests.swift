import Foundation
import CTASTestSupport
import Testing

/// `ctas schema analyze` and `ctas schema emit` as a user runs them: reports, every target
/// written, and bad arguments, bad rules files, hostile names and huge files met clearly.
@Suite struct SchemaCLITests {
    static let rust = """
        use serde::{Deserialize, Serialize};

        /// A sighting of an indicator.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub struct Sighting {
            pub id: u64,
            pub observed_at: DateTime<Utc>,
            pub indicator: Indicator,
            pub lat: f64,
            pub lon: f64,
        }

        #[derive(Serialize)]
        pub enum Indicator {
            Ip(String),
            Domain { name: String, tld: String },
        }

        pub struct Link { pub from: Sighting, pub to: Sighting }

        """
    static let swift = """
        import Foundation

        struct Campaign: Codable {
            let id: UUID
            var name: String
            var sightings: [Sighting]
            var firstSeen: Date
        }

        struct Sighting: Codable {
            let id: UUID
            var observedAt: Date
        }

        actor Collector {
            var pending: [Sighting] = []
        }

        """

    static func tree() throws -> String {
        let dir = scratchDir()
        try FileManager.default.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        try rust.write(toFile: dir + "/src/model.rs", atomically: true, encoding: .utf8)
        try swift.write(toFile: dir + "/src/Model.swift", atomically: true, encoding: .utf8)
        return dir + "/src"
    }

    @Test func analyzePrintsATreeAndJSONCarriesEverything() async throws {
        let src = try Self.tree()
        let text = try await CLI.run(["schema", "analyze", src])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("2 file(s)") && text.stdout.contains("├─ found: structs 4  classes/actors 1  enums 1"), "\(text.stdout)")
        #expect(text.stdout.contains("├─ graph (1)") && text.stdout.contains("Link  model.rs:19  edge-like"), "\(text.stdout)")
        #expect(text.stdout.contains("├─ runtime (1): live machinery, no schema") && text.stdout.contains("Collector  Model.swift:15"))
        #expect(text.stdout.contains("└─ warnings: 0"))

        let r = try await CLI.run(["schema", "analyze", src, "--format", "json"])
        #expect(r.status == 0)
        let doc = try #require(json(r.stdout))
        let types = try #require(doc["types"] as? [[String: Any]])
        #expect(types.count == 6)
        let sighting = try #require(types.first { ($0["type"] as? [String: Any])?["language"] as? String == "rust" && $0["qualifiedName"] as? String == "Sighting" })
        let info = try #require(sighting["type"] as? [String: Any])
        #expect(info["line"] as? Int == 5 && info["kind"] as? String == "struct" && (info["file"] as? String)?.hasSuffix("model.rs") == true)
        #expect(info["derives"] as? [String] == ["Debug", "Clone", "Serialize", "Deserialize"])
        let fields = try #require(info["fields"] as? [[String: Any]])
        #expect(fields.map { $0["name"] as? String } == ["id", "observed_at", "indicator", "lat", "lon"])
        #expect(fields[2]["references"] as? [String] == ["Indicator"])
        let recommendation = try #require(sighting["recommendation"] as? [String: Any])
        #expect(recommendation["tier"] as? String == "warm" && (recommendation["reasons"] as? [String])?.first == "coordinates: geospatial queries")
        let generated = try #require(sighting["generated"] as? [String: Any])
        // Model.swift sorts before model.rs: the Swift `Sighting` took the plain name.
        #expect(generated["table"] as? String == "sighting_2" && generated["storedAs"] as? String == "table")
        let campaign = try #require(types.first { $0["qualifiedName"] as? String == "Campaign" })
        #expect((campaign["generated"] as? [String: Any])?["linkTables"] as? [String] == ["campaign_sightings"])
        let collector = try #require(types.first { $0["qualifiedName"] as? String == "Collector" })
        #expect((collector["generated"] as? [String: Any])?["storedAs"] as? String == "none")
    }

    @Test func emitWritesEveryTargetAndTheSQLLoads() async throws {
        let src = try Self.tree()
        let out = scratchDir() + "/schemas"
        let r = try await CLI.run(["schema", "emit", src, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["schema.sqlite.sql", "schema.postgres.sql", "schema.mongodb.js", "schema.cypher", "schema.surql"] {
            let text = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            #expect(text.contains("sighting"), "\(name)")
            #expect(!text.contains("collector"), "\(name): runtime types get no schema")
        }
        #expect(r.stderr.contains("runtime-only"))
        let one = try await CLI.run(["schema", "emit", src, "--out", out + "/only", "--target", "sqlite, CYPHER"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out + "/only")) == ["schema.sqlite.sql", "schema.cypher"])
        let sqlite = try requireTool("sqlite3")
        let db = scratchDir() + "/s.db"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sqlite)
        process.arguments = ["-bail", db, ".read " + out + "/schema.sqlite.sql"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func badArgumentsRulesAndPathsAreClearAndNeverEchoEscapes() async throws {
        let src = try Self.tree()
        let dir = scratchDir()
        let badRules = dir + "/bad.rules"
        try "# mine\nhot 3 always \"ok\"\nwarm 2 \u{1B}]52;c;AAAA\u{07} \"x\"\n".write(toFile: badRules, atomically: true, encoding: .utf8)
        try "not a directory".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
        let cases: [([String], Int32, String)] = [
            (["schema", "analyze", dir + "/missing\u{1B}[31m"], 1, "No such file or directory"),
            (["schema", "analyze", src, "--format", "xml\u{1B}[2J"], 2, "is invalid for '--format"),
            (["schema", "analyze", src, "--max-file-bytes", "0"], 2, "--max-file-bytes must be positive"),
            (["schema", "analyze", src, "--rules", dir + "/none.rules"], 2, "none.rules: cannot read the rules file"),
            (["schema", "analyze", src, "--rules", badRules], 2, "bad.rules:3: "),
            (["schema", "emit", src, "--out", dir + "/o", "--target", "sqlite,oracle"], 2, "--target 'oracle'"),
            (["schema", "emit", src, "--out", dir + "/o", "--target", ","], 2, "--target needs at least one target"),
            (["schema", "emit", src], 2, "Missing expected argument '--out"),
            (["schema", "emit", src, "--out", dir + "/file"], 1, "cannot create the output directory"),
            (["schema", "emit", dir + "/file", "--out", dir + "/o2"], 1, "no data structure to store"),
        ]
        for (args, status, expected) in cases {
            let r = try await CLI.run(args)
            #expect(r.status == status, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(expected), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("\u{1B}") && !r.stdout.contains("\u{1B}"), "\(args): escape sequences never reach the terminal")
        }
    }

    @Test func hostileNamesHugeAndBrokenFilesAreReportedNotFatal() async throws {
        let dir = scratchDir()
        // A file name with an escape sequence, a huge generated file, a broken one, a binary one.
        try "pub struct Fine { pub a: u8 }\n".write(toFile: dir + "/evil\u{1B}]0;pwned\u{07}.rs", atomically: true, encoding: .utf8)
        var huge = ""
        let comment = "// " + String(repeating: "generated ", count: 60) + "\n"
        for i in 0..<2_000 { huge += comment + "pub struct Generated\(i) { pub value: u64 }\n" }
        try huge.write(toFile: dir + "/generated.rs", atomically: true, encoding: .utf8)
        try "struct Broken { let a: = }\nstruct After { var b: Int }\n".write(toFile: dir + "/Broken.swift", atomically: true, encoding: .utf8)
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 1]).write(to: URL(fileURLWithPath: dir + "/blob.rs"))
        let r = try await CLI.run(["schema", "analyze", dir, "--max-file-bytes", "1000000"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("\u{1B}") && !r.stdout.contains("\u{07}"), "file names are escaped")
        #expect(r.stdout.contains("evil\\u{1b}]0;pwned\\u{7}.rs"), "\(r.stdout)")
        #expect(r.stdout.contains("generated.rs: skipped:") && r.stdout.contains("over the 1000000-byte limit"))
        #expect(r.stdout.contains("blob.rs: skipped: binary"))
        #expect(r.stdout.contains("error Broken.swift:1:"), "\(r.stdout)")
        #expect(r.stdout.contains("After  Broken.swift:2"), "partial results after a syntax error")
        let all = try await CLI.run(["schema", "analyze", dir, "--format", "json"])
        let doc = try #require(json(all.stdout))
        #expect((doc["types"] as? [Any])?.count == 2_000 + 3, "the 1.3 MB file is read under the default 4 MiB limit")
    }
}
