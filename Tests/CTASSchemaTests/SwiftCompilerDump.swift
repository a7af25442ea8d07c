import Foundation
@testable import CTASSchema
import CTASTestSupport

/// The Swift compiler's own parser as a second, independent reader of Swift source: the
/// C++ front end (`swiftc -frontend -dump-parse`) shares no code with swift-syntax, which
/// CTAS's Swift scanner uses. Its parse dump lists every struct, class, actor and enum
/// declaration with file, line and name; it reads only the `#if` clauses active on this
/// platform.
enum SwiftCompilerDump {
    struct Declaration: Hashable {
        var file: String
        var line: Int
        var name: String
        /// `struct`, `class`, `actor` or `enum` (CTAS's `TypeKind` raw values).
        var kind: String
        /// Declared inside a function, initializer, accessor, closure or statement body.
        var local: Bool
    }

    /// `swiftc` on the PATH, if any.
    static var compiler: String? { ExternalTool.path("swiftc") }

    /// Parses `files` (each a primary file, so each is dumped) in batches, and returns
    /// the type declarations of all of them.
    static func declarations(in files: [String], compiler: String) throws -> Set<Declaration> {
        var found = Set<Declaration>()
        var start = 0
        while start < files.count {
            let batch = files[start..<min(files.count, start + 200)]
            start += batch.count
            let process = Process()
            process.executableURL = URL(fileURLWithPath: compiler)
            process.arguments = ["-frontend", "-dump-parse"] + batch.flatMap { ["-primary-file", $0] }
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice   // top-level code outside main.swift is reported; harmless here
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            found.formUnion(parse(String(decoding: data, as: UTF8.self)))
        }
        return found
    }

    /// Reads the dump by its indentation (two spaces per level), which string values with
    /// unbalanced quotes or parentheses cannot disturb.
    static func parse(_ dump: String) -> Set<Declaration> {
        let containers: Set<Substring> = ["source_file", "struct_decl", "class_decl", "enum_decl", "extension_decl"]
        let types: [Substring: String] = ["struct_decl": "struct", "class_decl": "class", "enum_decl": "enum"]
        var stack: [Substring] = []
        var found = Set<Declaration>()
        for line in dump.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.contains("(source_file \"") { stack = ["source_file"]; continue }
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            guard rest.first == "(" else { continue }
            let kind = rest.dropFirst().prefix { $0.isLetter || $0 == "_" }
            let depth = indent / 2
            if stack.count > depth { stack.removeLast(stack.count - depth) }
            if let typeKind = types[kind], let declaration = declaration(in: rest, kind: typeKind) {
                var d = declaration
                d.local = stack.contains { !containers.contains($0) }
                found.insert(d)
            }
            stack.append(kind)
        }
        return found
    }

    /// `(struct_decl decl_context=0x… range=[FILE:LINE:COL - line:L:C] "Name" … actor`.
    static func declaration(in line: Substring, kind: String) -> Declaration? {
        guard let range = line.range(of: "range=["), let dash = line.range(of: " - line:", range: range.upperBound..<line.endIndex) else {
            return nil
        }
        let location = line[range.upperBound..<dash.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
        guard location.count >= 3, let number = Int(location[location.count - 2]) else { return nil }
        let file = location.dropLast(2).joined(separator: ":")
        guard let open = line.range(of: "] \"", range: dash.upperBound..<line.endIndex),
              let close = line[open.upperBound...].firstIndex(of: "\"") else { return nil }
        let name = String(line[open.upperBound..<close])
        let flags = line[line.index(after: close)...].split(separator: " ")
        let isActor = kind == "class" && flags.contains { $0 == "actor" || $0 == "actor)" }
        return Declaration(file: URL(fileURLWithPath: file).standardizedFileURL.path, line: number, name: name,
                           kind: isActor ? "actor" : kind, local: false)
    }
}
