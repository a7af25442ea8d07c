import CTASTestSupport
import Foundation
import Testing
@testable import CTASSchema

/// On real crates (Debian's `librust-*-dev` sources, which `.ci/run` installs), the structs,
/// unions and enums CTAS finds agree with Universal Ctags', and every difference is one of
/// two explained kinds: types declared inside function or `impl` bodies (ctags lists them;
/// CTAS lists them apart, as local helpers, not the data model), and types declared inside
/// item-like macro invocations such as syn's `ast_struct! { … }` (CTAS reads those bodies;
/// ctags does not).
@Suite struct CtagsAgreementTests {
    static let registry = "/usr/share/cargo/registry"
    static let crates = ["syn", "serde", "proc-macro2", "quote"]

    struct Tag: Hashable {
        var file: String
        var line: Int
        var name: String
    }

    static func ctags(_ dir: String) throws -> Set<Tag> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ctags")
        process.arguments = ["-R", "--languages=Rust", "--kinds-Rust=sgu", "--fields=+n", "-f", "-", dir]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var tags = Set<Tag>()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard parts.count > 3, let field = parts.first(where: { $0.hasPrefix("line:") }), let n = Int(field.dropFirst(5)) else { continue }
            tags.insert(Tag(file: parts[1], line: n, name: parts[0]))
        }
        return tags
    }

    static func crateDirectories() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: registry)) ?? []
        return crates.compactMap { name in
            entries.filter { $0.hasPrefix(name + "-") && $0.dropFirst(name.count + 1).first?.isNumber == true }.sorted().last
                .map { registry + "/" + $0 }
        }
    }

    @Test func structAndEnumCountsAgreeWithCtagsExceptForExplainedKinds() throws {
        let dirs = Self.crateDirectories()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ctags"), dirs.count == Self.crates.count else {
            #expect(!TestOracle.isCI, "CI installs universal-ctags and the crates \(Self.crates)")
            return
        }
        for dir in dirs {
            let crawl = SchemaCrawler.crawl(dir)
            let ours = Set(crawl.types.filter { $0.language == .rust }.map { Tag(file: $0.file, line: $0.line, name: $0.name) })
            let theirs = try Self.ctags(dir)
            let local = Set(crawl.localTypes.map { Tag(file: $0.file, line: $0.line, name: $0.name) })
            let fromMacros = Set(crawl.types.filter { $0.attributes.contains { $0.hasSuffix("!") } }.map { Tag(file: $0.file, line: $0.line, name: $0.name) })
            let onlyCtags = theirs.subtracting(ours)
            let onlyOurs = ours.subtracting(theirs)
            #expect(onlyCtags.subtracting(local).isEmpty, "\(dir): ctags-only, not local: \(onlyCtags.subtracting(local).prefix(10))")
            #expect(onlyOurs.subtracting(fromMacros).isEmpty, "\(dir): ours-only, not from a macro body: \(onlyOurs.subtracting(fromMacros).prefix(10))")
            #expect(!ours.intersection(theirs).isEmpty)
            #expect(crawl.diagnostics.filter { $0.severity != .note }.isEmpty, "\(dir): \(crawl.diagnostics.prefix(5).map(\.description))")
        }
    }
}
