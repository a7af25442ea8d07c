import CTASTestSupport
import Foundation
import Testing

/// The manifest says what the code imports: every project module a target imports is one of
/// its declared dependencies, and the arrows point down ARCHITECTURE.md's table.
@Suite struct ManifestTests {
    struct Target {
        var name: String
        var path: String
        var dependencies: Set<String>
    }

    /// The targets as SwiftPM reads Package.swift (`swift package dump-package`, with a scratch
    /// directory of its own so it never waits for the build lock of the running tests).
    static func targets() throws -> [Target]? {
        guard let swift = ExternalTool.path("swift") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swift)
        let scratch = Scratch.root + "/manifest-\(getpid())"
        process.arguments = ["package", "--package-path", TestOracle.repository.path, "--scratch-path", scratch, "dump-package"]
        // SwiftPM keeps the scratch directory's lock file in the temporary directory: ours.
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = Scratch.root
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: scratch)
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = json["targets"] as? [[String: Any]] else { return nil }
        return list.compactMap { t in
            guard let name = t["name"] as? String, let type = t["type"] as? String else { return nil }
            let path = (t["path"] as? String) ?? ((type == "test" ? "Tests/" : "Sources/") + name)
            var dependencies = Set<String>()
            for dependency in (t["dependencies"] as? [[String: Any]]) ?? [] {
                for key in ["byName", "target", "product"] {
                    if let entry = dependency[key] as? [Any], let first = entry.first as? String { dependencies.insert(first) }
                }
            }
            return Target(name: name, path: path, dependencies: dependencies)
        }
    }

    /// Module names imported by the Swift files under `path`.
    static func imports(under path: String) -> [String: [String]] {
        var found: [String: [String]] = [:]
        let root = TestOracle.repository.appendingPathComponent(path).path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [:] }
        let pattern = try? NSRegularExpression(pattern: #"^\s*(?:@[A-Za-z_]+\s+)*import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?([A-Za-z_][A-Za-z0-9_]*)"#,
                                               options: [.anchorsMatchLines])
        while let file = walker.nextObject() as? String {
            guard file.hasSuffix(".swift"), let text = try? String(contentsOfFile: root + "/" + file, encoding: .utf8) else { continue }
            let range = NSRange(text.startIndex..., in: text)
            for match in pattern?.matches(in: text, range: range) ?? [] {
                if let r = Range(match.range(at: 1), in: text) { found[String(text[r]), default: []].append(file) }
            }
        }
        return found
    }

    @Test func everyImportedProjectModuleIsDeclared() throws {
        _ = try requireTool("swift")
        let targets = try #require(try Self.targets(), "swift package dump-package failed")
        let modules = Set(targets.map(\.name))
        #expect(modules.contains("CTASCore") && modules.contains("ctas"))
        var undeclared: [String] = []
        for target in targets {
            for (module, files) in Self.imports(under: target.path)
            where modules.contains(module) && module != target.name && !target.dependencies.contains(module) {
                undeclared.append("\(target.name) imports \(module) (\(files.sorted().prefix(3).joined(separator: ", "))) without declaring it")
            }
        }
        #expect(undeclared.isEmpty, "\(undeclared.joined(separator: "\n"))")
    }

    /// Arrows point down: no library reaches up to the console, the benchmarks or the
    /// executable, and the console never opens the store itself.
    @Test func layersPointDown() throws {
        _ = try requireTool("swift")
        let targets = try #require(try Self.targets(), "swift package dump-package failed")
        let forbidden: [String: Set<String>] = [
            "H3": ["CTASCore", "CTASFeeds", "CTASStore", "CTASEngine", "CTASConsole", "CTASBenchmarks", "ctas"],
            "CTASCore": ["CTASFeeds", "CTASStore", "CTASEngine", "CTASConsole", "CTASBenchmarks", "ctas"],
            "CTASFeeds": ["CTASStore", "CTASEngine", "CTASConsole", "CTASBenchmarks", "ctas"],
            "CTASStore": ["CTASFeeds", "CTASEngine", "CTASConsole", "CTASBenchmarks", "ctas"],
            "CTASEngine": ["CTASConsole", "CTASBenchmarks", "ctas"],
            "CTASConsole": ["CTASStore", "CTASFeeds", "CSQLite", "CTASBenchmarks", "ctas"],
        ]
        for target in targets {
            guard let banned = forbidden[target.name] else { continue }
            let reached = target.dependencies.intersection(banned).union(Set(Self.imports(under: target.path).keys).intersection(banned))
            #expect(reached.isEmpty, "\(target.name) reaches up to \(reached.sorted())")
        }
    }

    /// The architecture document names every library and executable target.
    @Test func architectureDocumentNamesEveryTarget() throws {
        _ = try requireTool("swift")
        let targets = try #require(try Self.targets(), "swift package dump-package failed")
        let document = try String(contentsOf: TestOracle.repository.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        let unnamed = targets.filter { !$0.path.hasPrefix("Tests") && !document.contains("`\($0.name)`") }.map(\.name)
        #expect(unnamed.isEmpty, "docs/ARCHITECTURE.md does not name \(unnamed)")
    }
}
