import CTASTestSupport
import Foundation
import Testing
@testable import CTASSchema

private let fixtures = TestOracle.repository.appendingPathComponent("Tests/CTASSchemaTests/Fixtures").path

private func scratch(_ name: String = #function) -> String {
    return Scratch.directory("schema-\(name.filter { $0.isLetter })")
}

private func type(_ r: SchemaCrawler.Result, _ name: String) throws -> TypeInfo {
    try #require(r.types.first { $0.name == name }, "no type \(name) in \(r.types.map(\.name))")
}

@Suite struct RustScannerTests {
    @Test func findsExactlyTheDataStructuresOfATrickyFile() throws {
        let r = SchemaCrawler.crawl(fixtures + "/rust/tricky.rs")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
        // Nothing from comments, strings, raw strings, macros, function bodies or impl blocks.
        #expect(r.types.map(\.qualifiedName) == ["Reading", "Sensor", "Marker", "Level", "Message", "Wrapper", "Pair", "inner::deeper::Node",
                                                 "inner::Bits", "Match"])
        let reading = try type(r, "Reading")
        #expect(reading.kind == .struct && reading.line == 11)
        #expect(reading.derives == ["Debug", "Clone", "serde::Serialize", "Deserialize"])
        #expect(reading.attributes.contains("#[serde(rename_all = \"camelCase\")]"))
        #expect(reading.fields.map(\.name) == ["id", "timestamp", "values", "label", "tags", "sensor", "callback"])
        let f = Dictionary(uniqueKeysWithValues: reading.fields.map { ($0.name, $0) })
        #expect(f["timestamp"]?.type == "chrono::DateTime<chrono::Utc>" && f["timestamp"]?.attributes == ["#[serde(rename = \"ts\")]"])
        #expect(f["values"]?.collection == "array" && f["tags"]?.collection == "map")
        #expect(f["label"]?.optional == true && f["id"]?.optional == false)
        #expect(f["callback"]?.type == "Box<dyn Fn(u8) -> Result<(), String> + Send>", "-> inside generics does not close them")
        #expect(f["sensor"]?.references == ["Sensor"])
        #expect(try type(r, "Sensor").kind == .tupleStruct && type(r, "Sensor").fields.map(\.type) == ["u32", "String"])
        #expect(try type(r, "Marker").kind == .unitStruct)
        let message = try type(r, "Message")
        #expect(message.generics == ["'a", "T: Clone + 'a"] && message.whereClause == "T: Send")
        #expect(message.variants.map(\.name) == ["Quit", "Move", "Write", "Batch"])
        #expect(message.variants.map(\.shape) == [.unit, .struct, .tuple, .tuple])
        #expect(message.variants[1].fields.map(\.name) == ["x", "y"])
        #expect(message.variants[3].fields.last?.references == ["Reading"])
        #expect(try type(r, "Level").variants.map(\.name) == ["Low", "High"], "discriminants are not variants")
        let wrapper = try type(r, "Wrapper")
        #expect(wrapper.generics == ["T", "const N: usize"] && wrapper.whereClause == "T: Default")
        #expect(wrapper.fields.map(\.type) == ["[T; N]", "&'static str"])
        #expect(try type(r, "Pair").whereClause == "A: Copy")
        #expect(try type(r, "Node").path == ["inner", "deeper"])
        #expect(try type(r, "Bits").kind == .union)
        #expect(try type(r, "Match").fields.first?.name == "type", "raw identifiers unwrapped")
    }

    @Test func brokenSourceGivesPartialResultsAndDiagnosticsWithLines() {
        let source = """
            struct Good { a: u8 }
            struct Unclosed { a: u8,
            enum After { X }
            """
        let r = RustScanner.scan(file: "broken.rs", source: Array(source.utf8))
        #expect(r.types.first?.name == "Good")
        #expect(r.diagnostics.contains { $0.line == 2 && $0.message.contains("never closed") })
        let comment = RustScanner.scan(file: "c.rs", source: Array("struct A;\n/* never ends\nstruct B;".utf8))
        #expect(comment.types.map(\.name) == ["A"])
        #expect(comment.diagnostics.contains { $0.line == 2 && $0.message.contains("unterminated block comment") })
        let string = RustScanner.scan(file: "s.rs", source: Array("struct A;\nconst S: &str = \"oops;\nstruct B;".utf8))
        #expect(string.diagnostics.contains { $0.message.contains("unterminated string") })
        // Garbage never crashes.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in
                Array("struct enum {}()<>[]#!'\"r#/*\n ;:,ab".utf8).randomElement(using: &rng) ?? 0x20
            }
            _ = RustScanner.scan(file: "fuzz.rs", source: bytes)
        }
    }
}

@Suite struct SwiftScannerTests {
    @Test func storedPropertiesNestedTypesExtensionsAndCases() throws {
        let r = SchemaCrawler.crawl(fixtures + "/swift/Model.swift")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
        #expect(r.types.map(\.qualifiedName) == ["Alert", "Alert.Ref", "Status", "Expression", "Session", "Counter", "Alert.FromExtension"])
        let alert = try type(r, "Alert")
        #expect(alert.fields.map(\.name) == ["id", "createdAt", "tags", "scores", "parent", "status", "a", "b", "cache", "observed", "string"],
                "computed, static and extension properties are not fields; observed ones are")
        let f = Dictionary(uniqueKeysWithValues: alert.fields.map { ($0.name, $0) })
        #expect(f["status"]?.attributes == ["@Published"])
        #expect(f["a"]?.type == "Int" && f["b"]?.type == "Int")
        #expect(f["cache"]?.type == "[Int]" && f["string"]?.type == "String")
        #expect(f["tags"]?.collection == "array" && f["scores"]?.collection == "map")
        #expect(f["parent"]?.optional == true)
        #expect(alert.conformances == ["Codable", "Sendable", "Identifiable", "CustomStringConvertible"], "extension conformances added")
        let expression = try type(r, "Expression")
        #expect(expression.generics == ["T: Equatable"] && expression.whereClause == "where T: Sendable")
        #expect(expression.variants.map(\.shape) == [.tuple, .struct, .struct])
        #expect(expression.variants[1].fields.map(\.name) == ["left", "right"])
        #expect(try type(r, "Status").variants.map(\.name) == ["open", "closed", "snoozed"])
        #expect(try type(r, "Session").fields.map(\.name) == ["user", "delegate"])
        #expect(try type(r, "Counter").kind == .actor)
    }

    @Test func syntaxErrorsLeavePartialResultsAndLines() {
        let r = SwiftScanner.scan(file: "bad.swift", source: "struct Good { let a: Int }\nstruct Bad { let b: = }\nstruct Later { var c: String }\n")
        #expect(r.types.map(\.name).contains("Good") && r.types.map(\.name).contains("Later"))
        #expect(r.diagnostics.contains { $0.line == 2 && $0.severity == .error })
    }
}

@Suite struct CrawlRobustnessTests {
    @Test func oddFilesAndDirectoriesNeverStopTheCrawl() throws {
        let root = scratch()
        let fm = FileManager.default
        for dir in ["src", "src/nested", "target/debug", ".build/x", "vendor/dep", "loop"] {
            try fm.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
        try "struct Kept { a: u8 }".write(toFile: root + "/src/kept.rs", atomically: true, encoding: .utf8)
        try "struct Deep { b: u8 }".write(toFile: root + "/src/nested/deep.rs", atomically: true, encoding: .utf8)
        for skipped in ["target/debug/gen.rs", ".build/x/gen.swift", "vendor/dep/lib.rs"] {
            try "struct ShouldNotAppear;".write(toFile: root + "/" + skipped, atomically: true, encoding: .utf8)
        }
        try Data([0x73, 0x74, 0x00, 0x01, 0x02]).write(to: URL(fileURLWithPath: root + "/src/binary.rs"))
        try Data(Array("struct Latin1 { name: String } // caf".utf8) + [0xE9, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: root + "/src/latin1.rs"))
        try String(repeating: "struct Big;\n", count: 2000).write(toFile: root + "/src/huge.rs", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/loop/again", withDestinationPath: root)
        try fm.createSymbolicLink(atPath: root + "/src/dangling.rs", withDestinationPath: root + "/missing.rs")
        try "struct NotSource;".write(toFile: root + "/src/readme.txt", atomically: true, encoding: .utf8)
        var options = SchemaCrawler.Options()
        options.maxFileBytes = 10_000
        let r = SchemaCrawler.crawl(root, options: options)
        #expect(Set(r.types.map(\.name)) == ["Kept", "Deep", "Latin1"])
        let messages = r.diagnostics.map(\.description)
        #expect(messages.contains { $0.contains("binary.rs") && $0.contains("binary") })
        #expect(messages.contains { $0.contains("latin1.rs") && $0.contains("invalid UTF-8") })
        #expect(messages.contains { $0.contains("huge.rs") && $0.contains("over the 10000-byte limit") })
        #expect(messages.contains { $0.contains("loop/again") && $0.contains("already visited") })
        #expect(messages.contains { $0.contains("dangling.rs") && $0.contains("broken symlink") })
        #expect(r.filesSkipped == 2)
        // A missing path is a diagnostic too, not a crash.
        #expect(SchemaCrawler.crawl(root + "/nope").diagnostics.count == 1)
    }

    @Test func reportsNameFilesAndEscapeHostileText() throws {
        let root = scratch()
        try "struct Evil\u{202E}Name { a: u8 }\n".write(toFile: root + "/e\u{1B}[31m.rs", atomically: true, encoding: .utf8)
        let r = SchemaCrawler.crawl(root)
        let text = SchemaReport.text(r)
        #expect(!text.contains("\u{1B}") && !text.contains("\u{202E}"))
        #expect(text.contains("structs 1"))
        let json = try SchemaReport.json(r)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect((object["types"] as? [Any])?.count == 1)
    }
}

@Suite struct SwiftConditionsAndLocalTypesTests {
    @Test func linesConditionsLocalTypesAndKeywordNames() throws {
        let r = SchemaCrawler.crawl(fixtures + "/swift/Conditional.swift")
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics.map(\.description))")
        #expect(r.types.map(\.qualifiedName) == ["Documented", "Handle", "Handle", "Handle", "Settings", "Settings.Debugging", "Keyword"])
        // The line of the name, not of the doc comment or the attributes above it.
        #expect(try type(r, "Documented").line == 6)
        #expect(r.types.filter { $0.name == "Handle" }.map(\.line) == [11, 15, 19])
        #expect(r.types.filter { $0.name == "Handle" }.map(\.conditions)
            == [["os(Linux)"], ["!(os(Linux)) && os(Windows)"], ["!(os(Linux)) && !(os(Windows))"]])
        #expect(r.types.filter { $0.name == "Handle" }.map { $0.fields.map(\.name) } == [["fd"], ["handle"], ["port"]])
        let settings = try type(r, "Settings")
        #expect(settings.conditions.isEmpty)
        #expect(settings.fields.map(\.name) == ["name", "trace", "make"], "fields under #if are read; computed ones are not")
        #expect(try type(r, "Debugging").conditions == ["DEBUG"])
        #expect(try type(r, "Debugging").fields.map(\.name) == ["glibc"])
        let keyword = try type(r, "Keyword")
        #expect(keyword.variants.map(\.name) == ["default", "plain"] && keyword.variants[1].fields.map(\.name) == ["in"])
        // Types in bodies are local, listed apart with their lines (and #if conditions).
        #expect(r.localTypes.map(\.name) == ["InAccessor", "InClosure", "InInitializer", "InTopLevelStatement", "LocalUnderIf"])
        #expect(r.localTypes.map(\.line) == [35, 39, 42, 54, 59])
        #expect(r.localTypes.last?.conditions == ["os(Linux)"] && r.localTypes.last?.kind == "enum")
    }

    @Test func platformAlternativesShareOneTable() throws {
        let r = SchemaCrawler.crawl(fixtures + "/swift/Conditional.swift")
        let plan = SchemaPlan(types: r.types, rules: .builtIn())
        #expect(plan.tables.filter { $0.type.name == "Handle" }.count == 1, "one table for the three #if alternatives")
        #expect(plan.alternatives.map(\.line) == [15, 19])
        #expect(!plan.tables.contains { $0.name.hasPrefix("handle_") })
        let report = SchemaReport.text(r)
        #expect(report.contains("platform alternatives") && report.contains(": 2"))
        let json = try SchemaReport.json(r)
        #expect(json.contains("\"storedAs\" : \"alternative\"") && json.contains("\"conditions\" : ["))
        // The same name in two unconditional declarations (two modules, say) is two tables.
        var twice = r.types.filter { $0.name == "Settings" }
        twice.append(twice[0])
        twice[1].file = "Other/Settings.swift"
        #expect(SchemaPlan(types: twice, rules: .builtIn()).tables.count == 2)
    }
}

/// Generated or hostile nesting: never a crash (stack) or a hang (the Swift parsers'
/// exponential lookahead over nested `[`), always a warning with the line.
@Suite struct HostileNestingTests {
    static func crawl(_ files: [String: String]) throws -> SchemaCrawler.Result {
        let root = scratch()
        for (name, text) in files { try text.write(toFile: root + "/" + name, atomically: true, encoding: .utf8) }
        return SchemaCrawler.crawl(root)
    }

    @Test func deepRustModulesAndMacroBodiesAreSkippedWithAWarning() throws {
        let n = 20_000
        let r = try Self.crawl([
            "mods.rs": String(repeating: "mod a { ", count: n) + "struct Deep { x: u8 }" + String(repeating: " }", count: n) + "\nstruct After { y: u8 }\n",
            "macros.rs": String(repeating: "m! { ", count: 400) + "struct InMacro { x: u8 }" + String(repeating: " }", count: 400) + "\n",
            "generics.rs": "struct G { x: " + String(repeating: "Vec<", count: n) + "u8" + String(repeating: ">", count: n) + " }\n",
        ])
        #expect(r.types.map(\.name).sorted() == ["After", "G"], "\(r.types.map(\.name))")
        #expect(r.diagnostics.contains { $0.file.hasSuffix("mods.rs") && $0.line == 1 && $0.message.contains("modules nested more than 256 deep") })
        #expect(r.diagnostics.contains { $0.file.hasSuffix("macros.rs") && $0.message.contains("macro bodies nested more than 256 deep") })
    }

    @Test func swiftNestingThatWouldHangOrOverflowTheParserIsRefused() throws {
        let started = Date()
        let r = try Self.crawl([
            "Literal.swift": "struct Before { var a: Int }\nlet x = " + String(repeating: "[", count: 30) + "1" + String(repeating: "]", count: 30) + "\n",
            "Calls.swift": "let x = " + String(repeating: "f(", count: 20_000) + "1" + String(repeating: ")", count: 20_000) + "\n",
            // (swift-syntax's own nesting limit is 256 levels, 25 in debug builds: calls stay under it.)
            "Fine.swift": "let calls = " + String(repeating: "f(", count: 20) + "1" + String(repeating: ")", count: 20) + "\n"
                + "let literal = " + String(repeating: "[", count: 8) + "1" + String(repeating: "]", count: 8) + "\n"
                + "// " + String(repeating: "[", count: 100) + "\nlet s = \"" + String(repeating: "[", count: 100) + "\"\n"
                + "let raw = #\"\"\"\n" + String(repeating: "[", count: 100) + "\n\"\"\"#\n/* [[[[[[[[[[[[[[[[[[[[ /* [[[[[[[[[[[[[[[[[[ */ */\n"
                + "struct Kept { var grid: [[[Int]]] }\n",
        ])
        #expect(Date().timeIntervalSince(started) < 60, "no exponential parse")
        let literal = try #require(r.diagnostics.first { $0.file.hasSuffix("Literal.swift") })
        #expect(literal.line == 2 && literal.message.contains("array brackets nested more than 16 deep"), "\(literal.description)")
        #expect(r.diagnostics.contains { $0.file.hasSuffix("Calls.swift") && $0.message.contains("brackets nested more than 10000 deep") })
        #expect(!r.diagnostics.contains { $0.file.hasSuffix("Fine.swift") }, "brackets in comments and strings do not count: \(r.diagnostics.map(\.description))")
        #expect(r.types.map(\.name) == ["Kept"], "\(r.types.map(\.name))")
        #expect(NestingCheck("let a = \"\\\"[[[[[[[[[[[[[[[[[[[[\"").problem == nil, "escaped quotes stay inside the string")
    }
}
