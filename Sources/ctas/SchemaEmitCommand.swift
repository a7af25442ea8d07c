import ArgumentParser
import CTASCore
import CTASSchema
import Foundation

/// The rules file given, or the built-in rules; a bad file is a usage error naming file:line.
func loadSchemaRules(_ path: String?) throws -> SchemaRules {
    guard let path else { return .builtIn() }
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path): cannot read the rules file") }
    do throws(SchemaRules.ParseError) {
        return try SchemaRules(text: String(decoding: data, as: UTF8.self), origin: path)
    } catch {
        throw ValidationError(error.message)
    }
}

struct SchemaEmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emit",
        abstract: "Generate schemas for every data structure under PATH.",
        discussion: """
            Writes one file per target into --out: schema.sqlite.sql, schema.postgres.sql (Supabase-friendly: UUID keys, \
            TIMESTAMPTZ, JSONB, indexes, row-level security for tables holding intelligence), schema.mongodb.js ($jsonSchema \
            validators, TTL indexes where the tier has a retention), schema.cypher (constraints, relationship types) and \
            schema.surql (DEFINE TABLE/FIELD/INDEX).
            """)

    enum Target: String, CaseIterable { case sqlite, postgres, mongodb, cypher, surrealql }

    @Argument(help: "A directory or a single .rs or .swift file.")
    var path: String

    @Option(help: "Comma-separated targets: sqlite, postgres, mongodb, cypher, surrealql.")
    var target = "sqlite,postgres,mongodb,cypher,surrealql"

    @Option(help: "Directory to write the schemas into (created if missing).")
    var out: String

    @Option(help: "Recommendation rules (default: the built-in rules).")
    var rules: String?

    @Option(help: "Skip files larger than this many bytes.")
    var maxFileBytes = 4 << 20

    var targets: [Target] { target.split(separator: ",").compactMap { Target(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) } }

    func validate() throws {
        let names = target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for n in names where Target(rawValue: n) == nil {
            throw ValidationError("--target '\(n)': expected sqlite, postgres, mongodb, cypher or surrealql")
        }
        guard !names.isEmpty else { throw ValidationError("--target needs at least one target") }
        guard maxFileBytes > 0 else { throw ValidationError("--max-file-bytes must be positive") }
    }

    func run() throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw RuntimeError("\(path): \(String(cString: strerror(errno)))") }
        let ruleSet = try loadSchemaRules(rules)
        var options = SchemaCrawler.Options()
        options.maxFileBytes = maxFileBytes
        let result = SchemaCrawler.crawl(path, options: options)
        let plan = SchemaPlan(types: result.types, rules: ruleSet)
        let problems = result.diagnostics.filter { $0.severity != .note }
        for d in problems.prefix(20) { StandardStreams.writeErrorLine("ctas schema emit: \(SafeText.sanitize(d.description))") }
        if problems.count > 20 { StandardStreams.writeErrorLine("ctas schema emit: … \(problems.count - 20) more (ctas schema analyze --format json lists all)") }
        guard !plan.tables.isEmpty else {
            throw RuntimeError("\(path): no data structure to store (\(result.filesScanned) Rust/Swift file(s), \(result.types.count) type(s), "
                               + "\(plan.notStored.count) runtime-only); nothing written")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw RuntimeError("\(out): cannot create the output directory")
        }
        for t in targets {
            let (name, text): (String, String) = switch t {
            case .sqlite: ("schema.sqlite.sql", SQLEmitter.render(plan, dialect: .sqlite))
            case .postgres: ("schema.postgres.sql", SQLEmitter.render(plan, dialect: .postgres))
            case .mongodb: ("schema.mongodb.js", DocumentEmitters.mongo(plan))
            case .cypher: ("schema.cypher", DocumentEmitters.cypher(plan))
            case .surrealql: ("schema.surql", DocumentEmitters.surrealQL(plan))
            }
            guard FileManager.default.createFile(atPath: out + "/" + name, contents: Data(text.utf8)) else {
                throw RuntimeError("\(out)/\(name): cannot write")
            }
            StandardStreams.writeErrorLine("ctas schema emit: wrote \(SafeText.sanitize(out))/\(name)")
        }
        StandardStreams.writeErrorLine("ctas schema emit: \(plan.tables.count) table(s) from \(result.types.count) type(s) (\(plan.enumsAsChecks.count) as CHECK constraints, "
                   + "\(plan.notStored.count) runtime-only, \(plan.alternatives.count) platform alternatives); \(result.diagnostics.count) diagnostic(s)")
    }
}
