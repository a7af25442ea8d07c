import CTASTestSupport
import Foundation
import Testing
@testable import CTASSchema

/// On real Swift packages (tags of packages in the offline mirror, unpacked with
/// `git archive`), the structs, classes, actors and enums CTAS finds with swift-syntax are
/// exactly those the Swift compiler's own parser finds (`swiftc -frontend -dump-parse`, the
/// C++ front end, which shares no code with swift-syntax): same file, line, name and kind,
/// local types (in bodies) apart.
///
/// One difference is explained and checked: the compiler's parse dump leaves out everything
/// inside `#if` blocks (it picks a clause only during semantic analysis), while CTAS reads
/// every clause and records its condition. So (1) on the files as they are, the compiler
/// finds exactly CTAS's unconditional types, and (2) on copies with the `#if`/`#elseif`/
/// `#else`/`#endif` lines blanked (every clause's declarations then unconditional, lines
/// unchanged), it finds exactly all of CTAS's types.
@Suite struct SwiftCompilerAgreementTests {
    static let mirror = "/opt/swift-packages"
    /// A command-line library (property wrappers, many small types) and a networking library
    /// (actors, state machines, `#if` per platform, types in closures and top-level code).
    static let packages = ["apple/swift-argument-parser@1.8.2", "apple/swift-nio@2.101.3"]

    struct Tag: Hashable, CustomStringConvertible {
        var file: String
        var line: Int
        var name: String
        var kind: String
        var local: Bool
        var description: String { "\(file):\(line) \(local ? "local " : "")\(kind) \(name)" }
    }

    /// Unpacks `tag` of the mirrored repository into a fresh directory; nil when the mirror
    /// or git is missing.
    static func unpack(_ repository: String, tag: String) throws -> String? {
        let git = mirror + "/" + repository + ".git"
        guard FileManager.default.fileExists(atPath: git), FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { return nil }
        let dir = Scratch.path("swift-agreement")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "git -C \"$1\" archive --format=tar \"$2\" | tar -x -C \"$3\"", "sh", git, tag, dir]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return dir
    }

    static func swiftFiles(under root: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix(".swift") { files.append(root + "/" + relative) }
        }
        return files.sorted()
    }

    static func standard(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// A copy of `files` (paths under `root`) under `copy` with every conditional
    /// compilation directive line blank.
    static func withoutDirectives(_ files: [String], root: String, copy: String) throws -> [String] {
        try files.map { file in
            let target = copy + file.dropFirst(root.count)
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
                let word = line.drop { $0 == " " || $0 == "\t" }.prefix { !$0.isWhitespace && $0 != "(" && $0 != "/" }
                return ["#if", "#elseif", "#else", "#endif"].contains(word) ? "" : line
            }
            try lines.joined(separator: "\n").write(toFile: target, atomically: false, encoding: .utf8)
            return target
        }
    }

    @Test(arguments: packages)
    func typesAreExactlyTheSwiftCompilersWithIfClausesExplained(package: String) async throws {
        let parts = package.split(separator: "@").map(String.init)
        try #require(parts.count == 2)
        let compiler = try requireTool("swiftc")
        let unpacked = try Self.unpack(parts[0], tag: parts[1])
        try requires(unpacked != nil, "the Swift package mirror at \(Self.mirror)")
        let root = unpacked ?? ""
        let copy = root + "-all-clauses"
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: copy)
        }
        let files = Self.swiftFiles(under: root)
        #expect(files.count > 100, "\(package) unpacked: \(files.count) Swift files")
        let copies = try Self.withoutDirectives(files, root: root, copy: copy)

        let crawl = try await onOwnThread { SchemaCrawler.crawl(root) }
        let (asIs, allClauses) = try await onOwnThread {
            (try SwiftCompilerDump.declarations(in: files, compiler: compiler), try SwiftCompilerDump.declarations(in: copies, compiler: compiler))
        }
        #expect(crawl.diagnostics.filter { $0.severity != .note }.isEmpty, "\(crawl.diagnostics.prefix(5).map(\.description))")

        func relative(_ path: String, in base: String) -> String {
            let p = Self.standard(path), b = Self.standard(base)
            return p.hasPrefix(b + "/") ? String(p.dropFirst(b.count + 1)) : p
        }
        let ours = Set(crawl.types.map { Tag(file: relative($0.file, in: root), line: $0.line, name: $0.name, kind: $0.kind.rawValue, local: false) })
            .union(crawl.localTypes.map { Tag(file: relative($0.file, in: root), line: $0.line, name: $0.name, kind: $0.kind, local: true) })
        let unconditional = Set(crawl.types.filter(\.conditions.isEmpty)
            .map { Tag(file: relative($0.file, in: root), line: $0.line, name: $0.name, kind: $0.kind.rawValue, local: false) })
            .union(crawl.localTypes.filter(\.conditions.isEmpty)
                .map { Tag(file: relative($0.file, in: root), line: $0.line, name: $0.name, kind: $0.kind, local: true) })
        let theirsAsIs = Set(asIs.map { Tag(file: relative($0.file, in: root), line: $0.line, name: $0.name, kind: $0.kind, local: $0.local) })
        let theirsAll = Set(allClauses.map { Tag(file: relative($0.file, in: copy), line: $0.line, name: $0.name, kind: $0.kind, local: $0.local) })
        #expect(theirsAll.count > 500, "the compiler's dump was read: \(theirsAll.count) types")

        func sample(_ s: Set<Tag>) -> [String] { s.map(\.description).sorted().prefix(10).map { $0 } }
        #expect(theirsAll.subtracting(ours).isEmpty, "compiler-only (all clauses): \(sample(theirsAll.subtracting(ours)))")
        #expect(ours.subtracting(theirsAll).isEmpty, "CTAS-only (all clauses): \(sample(ours.subtracting(theirsAll)))")
        #expect(theirsAsIs.subtracting(unconditional).isEmpty, "compiler-only (as is): \(sample(theirsAsIs.subtracting(unconditional)))")
        #expect(unconditional.subtracting(theirsAsIs).isEmpty, "unconditional, CTAS-only: \(sample(unconditional.subtracting(theirsAsIs)))")
        #expect(ours.count > unconditional.count, "the package has types under #if")
        print("swift agreement \(package): \(files.count) files; CTAS \(crawl.types.count) types + \(crawl.localTypes.count) local, "
              + "compiler \(theirsAll.count) on all clauses; \(unconditional.count) outside #if, compiler \(theirsAsIs.count) as is")
    }
}
