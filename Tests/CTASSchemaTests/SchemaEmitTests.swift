import CTASTestSupport
import Foundation
import Testing
@testable import CTASSchema

private let fixtures = TestOracle.repository.appendingPathComponent("Tests/CTASSchemaTests/Fixtures").path

/// Runs a program, feeding `input`; its status and output.
private func run(_ program: String, _ arguments: [String], input: String, environment: [String: String] = [:]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self))
}

/// A plan over both fixtures plus a file of awkward names (reserved words, odd characters).
private func fixturePlan() -> SchemaPlan {
    var types = SchemaCrawler.crawl(fixtures).types
    var select = TypeInfo(name: "select", path: ["order"], language: .rust, kind: .struct, file: "odd.rs", line: 1)
    select.fields = [FieldInfo(name: "from", type: "String"), FieldInfo(name: "to", type: "String"), FieldInfo(name: "group", type: "Option<u32>"),
                     FieldInfo(name: "user\"; DROP TABLE x; --", type: "bool"), FieldInfo(name: "0", type: "f64")]
    types.append(select)
    SchemaCrawler.link(&types, extensions: [])
    return SchemaPlan(types: types, rules: .builtIn())
}

@Suite struct SchemaRulesTests {
    @Test func theShippedFileIsTheBuiltInAndParses() throws {
        let shipped = try String(contentsOfFile: TestOracle.repository.appendingPathComponent("SampleData/schema.rules").path, encoding: .utf8)
        #expect(shipped == SchemaRulesText.builtIn)
        let rules = try SchemaRules(text: shipped, origin: "schema.rules")
        #expect(rules.rules.count >= 12 && rules.lowConfidence == 0.5)
    }

    @Test(arguments: [
        ("hot 3 always", "expected a reason in double quotes"),
        ("lukewarm 3 always \"x\"", "unknown tier 'lukewarm'"),
        ("hot x always \"x\"", "weight 'x'"),
        ("hot 3 sparkles \"x\"", "unknown test 'sparkles'"),
        ("hot 3 name-matches \"x\"", "needs a comma-separated list"),
        ("hot 3 always extra \"x\"", "takes no argument"),
        ("low-confidence = 2", "between 0 and 1"),
        ("runtime 3 kind trait \"x\"", "kind 'trait'"),
        ("runtime 3 conforms \"x\"", "needs a comma-separated list"),
        ("runtime 3 no-fields extra \"x\"", "takes no argument"),
    ])
    func badRulesNameTheLine(line: String, expected: String) {
        do throws(SchemaRules.ParseError) {
            _ = try SchemaRules(text: "# comment\n\n" + line, origin: "mine.rules")
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.message.hasPrefix("mine.rules:3: ") && error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func recommendationsFollowTheHeuristicsAndSayWhy() throws {
        func t(_ name: String, _ fields: [(String, String)], kind: TypeKind = .struct) -> TypeInfo {
            var info = TypeInfo(name: name, path: [], language: .rust, kind: kind, file: "x.rs", line: 1)
            info.fields = fields.map { FieldInfo(name: $0.0, type: $0.1) }
            return info
        }
        var types = [
            t("TelemetryReading", [("ts", "DateTime<Utc>"), ("sensor_id", "u64"), ("value", "f64")]),
            t("Site", [("name", "String"), ("lat", "f64"), ("lon", "f64"), ("owner", "Owner")]),
            t("Owner", [("name", "String")]),
            t("Link", [("from", "Site"), ("to", "Site"), ("weight", "f64")]),
            t("DailySummary", [("day", "String"), ("count", "u64"), ("by_type", "Vec<(String, u64)>")]),
            t("Envelope", [("kind", "String"), ("body", "serde_json::Value")]),
            t("Nothing", []),
            t("Bag", [("items", "Vec<Foreign>")]),
        ]
        SchemaCrawler.link(&types, extensions: [])
        let rules = SchemaRules.builtIn()
        let r = Dictionary(uniqueKeysWithValues: types.map { ($0.name, rules.recommend($0)) })
        #expect(r["TelemetryReading"]?.tier == .hot)
        #expect(r["TelemetryReading"]?.keyStrategy == "time-prefixed (ts)")
        #expect(r["Site"]?.tier == .warm && r["Site"]?.reasons.first == "coordinates: geospatial queries")
        #expect(r["Link"]?.tier == .graph && r["Link"]?.reasons.first?.contains("edge-like") == true)
        #expect(r["DailySummary"]?.tier == .cold)
        #expect(r["Envelope"]?.tier == .document)
        #expect(r["Nothing"]?.tier == .runtime, "no stored data: nothing to store")
        #expect(r["Bag"]?.tier == .warm && r["Bag"]?.lowConfidence == true && r["Bag"]?.isDefault == true, "only the baseline matched")
        #expect(r["Site"]?.isDefault == false)
        for rec in r.values { #expect(!rec.reasons.isEmpty && rec.confidence > 0 && rec.confidence <= 1) }
    }

    @Test func runtimeMachineryGetsNoSchema() throws {
        func t(_ name: String, _ kind: TypeKind, _ fields: [(String, String)], conformances: [String] = []) -> TypeInfo {
            var info = TypeInfo(name: name, path: [], language: .swift, kind: kind, file: "x.swift", line: 1)
            info.fields = fields.map { FieldInfo(name: $0.0, type: $0.1) }
            info.conformances = conformances
            return info
        }
        var failure = t("Failure", .enum, [], conformances: ["Error", "Sendable"])
        failure.variants = [VariantInfo(name: "io", shape: .tuple, fields: [FieldInfo(name: "0", type: "String")])]
        var types = [
            t("Pipeline", .actor, [("events", "[Alert]"), ("count", "Int")]),
            failure,
            t("Defaults", .enum, []),
            t("Guarded", .struct, [("state", "Mutex<Int>"), ("name", "String")]),
            t("IngestCommand", .struct, [("path", "String")], conformances: ["ParsableCommand"]),
            t("Alert", .struct, [("id", "UUID"), ("createdAt", "Date"), ("title", "String"), ("failure", "Failure?")], conformances: ["Codable"]),
        ]
        SchemaCrawler.link(&types, extensions: [])
        let rules = SchemaRules.builtIn()
        for name in ["Pipeline", "Failure", "Defaults", "Guarded", "IngestCommand"] {
            let rec = rules.recommend(try #require(types.first { $0.name == name }))
            #expect(rec.tier == .runtime, "\(name): \(rec)")
        }
        #expect(rules.recommend(types[5]).tier != .runtime)
        let plan = SchemaPlan(types: types, rules: rules)
        #expect(plan.tables.map(\.type.name) == ["Alert"])
        #expect(Set(plan.notStored.map(\.type.name)) == ["Pipeline", "Failure", "Defaults", "Guarded", "IngestCommand"])
        let failureColumn = try #require(plan.tables[0].columns.first { $0.field == "failure" })
        #expect(failureColumn.kind == .json && failureColumn.references == nil && failureColumn.nullable, "a runtime type's value is JSON, not a key")
        let text = SchemaReport.text(SchemaCrawler.Result(root: "x", types: types), rules: rules)
        #expect(text.contains("runtime (5): live machinery, no schema") && text.contains("an actor: live state, not data"))
    }
}

@Suite struct SchemaEmitTests {
    @Test func sqliteAcceptsEveryStatement() throws {
        let sql = SQLEmitter.render(fixturePlan(), dialect: .sqlite)
        #expect(sql.contains("CREATE TABLE \"order_select\""))
        #expect(sql.contains("\"user_drop_table_x\""), "odd field names become safe identifiers")
        let sqlite = try requireTool("sqlite3")
        let db = Scratch.path("schema") + ".db"
        let (status, output) = try run(sqlite, ["-bail", db], input: sql + "\nSELECT count(*) FROM sqlite_master WHERE type = 'table';\n")
        #expect(status == 0, "\(output)")
        let tables = Int(output.split(separator: "\n").last ?? "") ?? 0
        #expect(tables >= fixturePlan().tables.count, "\(output)")
        // Foreign keys hold: a reference to a missing row is refused.
        let (fk, fkOut) = try run(sqlite, ["-bail", db], input: "PRAGMA foreign_keys = ON; INSERT INTO \"reading\" (\"id\", \"timestamp\", \"values\", \"tags\", \"sensor_id\", \"callback\") VALUES (1, 'x', '[]', '{}', 999, '{}');\n")
        #expect(fk != 0 && fkOut.contains("FOREIGN KEY"), "\(fkOut)")
    }

    @Test func postgresAcceptsEveryStatement() throws {
        let sql = SQLEmitter.render(fixturePlan(), dialect: .postgres)
        #expect(sql.contains("UUID PRIMARY KEY DEFAULT gen_random_uuid()") && sql.contains("TIMESTAMPTZ") && sql.contains("JSONB"))
        #expect(sql.contains("ENABLE ROW LEVEL SECURITY") == fixturePlan().tables.contains { SchemaPlan.holdsIntelligence($0) })
        let psql = try requireTool("psql")
        let postgres = ProcessInfo.processInfo.environment["CTAS_TEST_POSTGRES"]
        try requires(postgres != nil, "a PostgreSQL server (CTAS_TEST_POSTGRES, started by .ci/run)")
        let url = postgres ?? ""
        let schema = "ctas_test_\(UUID().uuidString.prefix(8).lowercased())"
        let script = "\\set ON_ERROR_STOP on\nCREATE SCHEMA \(schema);\nSET search_path TO \(schema);\n" + sql
            + "\nSELECT count(*) FROM information_schema.tables WHERE table_schema = '\(schema)';\nDROP SCHEMA \(schema) CASCADE;\n"
        let (status, output) = try run(psql, [url, "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"], input: script)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\(fixturePlan().tables.count + fixturePlan().tables.reduce(0) { $0 + $1.links.count })"), "\(output)")
    }

    @Test func anyWrittenTypeMapsWithoutLooping() throws {
        let foo = TypeInfo(name: "Foo", path: [], language: .rust, kind: .struct, file: "x.rs", line: 1)
        let mapper = TypeMapper(types: ["Foo": foo])
        #expect(mapper.map(FieldInfo(name: "a", type: "&[u8]")).kind == .array(.integer))
        #expect(mapper.map(FieldInfo(name: "a", type: "&'a [Foo]")).kind == .references("Foo"))
        #expect(mapper.map(FieldInfo(name: "a", type: "&'a mut [f64]")).kind == .array(.real))
        #expect(mapper.map(FieldInfo(name: "a", type: "Box<[Foo]>")).kind == .references("Foo"))
        #expect(mapper.map(FieldInfo(name: "a", type: "Vec<Vec<u32>>")).kind == .json)
        #expect(mapper.map(FieldInfo(name: "a", type: "Vec<Vec<u8>>")).kind == .array(.bytes))
        let deep = String(repeating: "Vec<", count: 50_000) + "u8" + String(repeating: ">", count: 50_000)
        #expect(mapper.map(FieldInfo(name: "a", type: deep)).kind == .json, "hostile nesting maps without deep recursion")
        // Odd and broken type text (from broken sources) always maps to something.
        let pieces = ["Vec<", ">", "[", "]", "&", "&[", ";", ":", ",", "Option<", "Foo", "u8", "'a", " ", "Box<[", "HashMap<", "?", "<>"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 1...8, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            _ = mapper.map(FieldInfo(name: "f", type: text))
        }
    }

    @Test func generatedNamesNeverClash() throws {
        var taken: Set<String> = []
        let long = String(repeating: "a", count: 63)
        #expect(Identifier.unique(long, in: &taken) == long)
        let second = Identifier.unique(long, in: &taken)
        #expect(second.utf8.count == 63 && second.hasSuffix("_2") && second != long)
        #expect(Identifier.snake("SQLiteDatabase") == "t_sqlite_database", "SQLite reserves sqlite_ names")
        var clone = TypeInfo(name: "CloneArgs", path: [], language: .rust, kind: .struct, file: "c.rs", line: 1)
        clone.fields = [FieldInfo(name: "ctid", type: "u32"), FieldInfo(name: "xmin", type: "u32"), FieldInfo(name: "oid", type: "u32")]
        let cloneColumns = SchemaPlan(types: [clone], rules: .builtIn()).tables.first?.columns.map(\.name)
        #expect(cloneColumns == ["ctid_value", "xmin_value", "oid_value"], "PostgreSQL system column names are not data columns")
        // A link table for `Map.values` and the table of a type `Map.Values` would share a name.
        var map = TypeInfo(name: "Map", path: [], language: .swift, kind: .struct, file: "m.swift", line: 1)
        map.fields = [FieldInfo(name: "values", type: "[Values]")]
        var values = TypeInfo(name: "Values", path: ["Map"], language: .swift, kind: .struct, file: "m.swift", line: 2)
        values.fields = [FieldInfo(name: "x", type: "Int")]
        var types = [map, values]
        SchemaCrawler.link(&types, extensions: [])
        let plan = SchemaPlan(types: types, rules: .builtIn())
        let names = plan.tables.map(\.name) + plan.tables.flatMap { $0.links.map(\.table) }
        #expect(names.count == 3 && Set(names).count == 3, "\(names)")
    }

    @Test func documentTargetsAreWellFormed() throws {
        let plan = fixturePlan()
        let mongo = DocumentEmitters.mongo(plan)
        // Every validator is valid JSON with a $jsonSchema.
        var validators = 0
        for line in mongo.split(separator: "\n", omittingEmptySubsequences: false).indices { _ = line }
        var rest = Substring(mongo)
        while let start = rest.range(of: "{ validator: ") {
            let after = rest[start.upperBound...]
            guard let end = after.range(of: " });\n") else { break }
            let json = Data(after[..<end.lowerBound].utf8)
            let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            #expect(object["$jsonSchema"] != nil)
            validators += 1
            rest = after[end.upperBound...]
        }
        #expect(validators == plan.tables.count)
        #expect(mongo.contains("expireAfterSeconds"), "a TTL where a tier's retention applies")
        let cypher = DocumentEmitters.cypher(plan)
        #expect(cypher.components(separatedBy: "CREATE CONSTRAINT").count - 1 == plan.tables.count)
        #expect(cypher.contains("-[:SENSOR]->"))
        let surreal = DocumentEmitters.surrealQL(plan)
        #expect(surreal.components(separatedBy: "DEFINE TABLE").count - 1 == plan.tables.count)
        #expect(surreal.contains("TYPE record<sensor>") && surreal.contains("option<"))
        // Identifiers are always quoted; nothing unquoted from source names reaches a statement.
        #expect(!cypher.contains("DROP TABLE") && !surreal.contains("DROP TABLE") && !SQLEmitter.render(plan, dialect: .postgres).contains("DROP TABLE"))
    }
}

/// Real trees, not fixtures: CTAS's own sources, Debian's Rust crate sources (syn, serde,
/// tokio, libc, regex, which `.ci/run` installs) and a Swift package from the mirror. Every
/// statement must load, and every table, link table and index asked for must exist after —
/// none skipped or merged for a name clash.
@Suite struct SchemaEmitRealTreeTests {
    static func trees() throws -> [(name: String, path: String, cleanup: String?)] {
        var trees: [(String, String, String?)] = [("ctas", TestOracle.repository.appendingPathComponent("Sources").path, nil)]
        // Crates with many types and C-like names (libc: unions, `ctid`, `xmin` fields), macros (syn), generics (tokio).
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: CtagsAgreementTests.registry)) ?? []
        for name in ["syn", "serde", "tokio", "libc", "regex"] {
            if let dir = entries.filter({ $0.hasPrefix(name + "-") && $0.dropFirst(name.count + 1).first?.isNumber == true }).sorted().last {
                trees.append((dir, CtagsAgreementTests.registry + "/" + dir, nil))
            }
        }
        if let dir = try SwiftCompilerAgreementTests.unpack("apple/swift-argument-parser", tag: "1.8.2") { trees.append(("swift-argument-parser", dir, dir)) }
        return trees
    }

    @Test func schemasOfRealTreesLoadWhole() async throws {
        let trees = try Self.trees()
        defer { for t in trees { if let c = t.cleanup { try? FileManager.default.removeItem(atPath: c) } } }
        try requires(trees.count == 7, "Debian's Rust crates and the Swift package mirror (\(trees.count) of 7 trees here)")
        let sqlite: String? = try requireTool("sqlite3"), psql: String? = try requireTool("psql")
        let url = ProcessInfo.processInfo.environment["CTAS_TEST_POSTGRES"]
        try requires(url != nil, "a PostgreSQL server (CTAS_TEST_POSTGRES, started by .ci/run)")
        for tree in trees {
            let crawl = try await onOwnThread { SchemaCrawler.crawl(tree.path) }
            let plan = SchemaPlan(types: crawl.types, rules: .builtIn())
            let relations = plan.tables.count + plan.tables.reduce(0) { $0 + $1.links.count }
            #expect(plan.tables.count > 50, "\(tree.name): \(plan.tables.count) tables")
            if let sqlite {
                let sql = SQLEmitter.render(plan, dialect: .sqlite)
                let indexes = sql.components(separatedBy: "CREATE INDEX ").count - 1
                let db = Scratch.path("schema-real") + ".db"
                defer { try? FileManager.default.removeItem(atPath: db) }
                let (status, output) = try await onOwnThread { try run(sqlite, ["-bail", db], input: sql
                    + "\nSELECT count(*) FROM sqlite_master WHERE type = 'table';\nSELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL;\n") }
                #expect(status == 0, "\(tree.name): \(output.prefix(500))")
                let counts = output.split(separator: "\n").suffix(2).compactMap { Int($0) }
                #expect(counts == [relations, indexes], "\(tree.name): tables and indexes \(counts), expected \([relations, indexes])")
            }
            if let psql, let url {
                let sql = SQLEmitter.render(plan, dialect: .postgres)
                let indexes = sql.components(separatedBy: "CREATE INDEX ").count - 1
                // A database of its own per tree: dropping it takes no per-table locks (a schema
                // of thousands of tables would exceed max_locks_per_transaction in one DROP).
                let database = "ctas_real_\(UUID().uuidString.prefix(8).lowercased())"
                let base = url.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
                let (created, createOut) = try await onOwnThread { try run(psql, [url, "-q", "-v", "ON_ERROR_STOP=1"], input: "CREATE DATABASE \(database);\n") }
                try #require(created == 0, "\(createOut)")
                defer { _ = try? run(psql, [url, "-q"], input: "DROP DATABASE IF EXISTS \(database);\n") }
                let script = "\\set ON_ERROR_STOP on\nSET synchronous_commit TO off;\n" + sql
                    + "\nSELECT count(*) FROM pg_tables WHERE schemaname = 'public';\n"
                    + "SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                    + "WHERE n.nspname = 'public' AND NOT x.indisprimary;\n"
                let (status, output) = try await onOwnThread { try run(psql, [base + "/" + database, "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"], input: script) }
                #expect(status == 0, "\(tree.name): \(output.prefix(500))")
                let counts = output.split(separator: "\n").compactMap { Int($0) }
                #expect(counts == [relations, indexes], "\(tree.name): tables and indexes \(counts), expected \([relations, indexes])")
            }
        }
    }
}
