import ArgumentParser
import CTASCore
import CTASSchema
import Foundation

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Read Rust and Swift source, find its data structures.",
        subcommands: [SchemaAnalyzeCommand.self, SchemaEmitCommand.self])
}

struct SchemaAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Find every struct, enum, class and actor under PATH (Rust and Swift) with fields, variants and attributes.",
        discussion: """
            Rust is read by CTAS's own scanner (comments, raw strings and macros cannot confuse it), Swift by \
            swift-syntax's parser. target/, .build/, vendor/ and .git/ are skipped; unreadable, binary and oversized \
            files, invalid UTF-8, syntax errors and symlink loops become diagnostics, never failures.
            """)

    @Argument(help: "A directory or a single .rs or .swift file.")
    var path: String

    @Option(help: "Output: text or json.")
    var format: Format = .text

    @Option(help: "Skip files larger than this many bytes.")
    var maxFileBytes = 4 << 20

    @Option(help: "Recommendation rules (default: the built-in rules, as in SampleData/schema.rules).")
    var rules: String?

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    func validate() throws {
        guard maxFileBytes > 0 else { throw ValidationError("--max-file-bytes must be positive") }
    }

    func run() throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RuntimeError("\(path): \(String(cString: strerror(errno)))")
        }
        var options = SchemaCrawler.Options()
        options.maxFileBytes = maxFileBytes
        let ruleSet = try loadSchemaRules(rules)
        let result = SchemaCrawler.crawl(path, options: options)
        let text = format == .json ? try SchemaReport.json(result, rules: ruleSet) : SchemaReport.text(result, rules: ruleSet)
        StandardStreams.writeOutput(text)
    }
}
