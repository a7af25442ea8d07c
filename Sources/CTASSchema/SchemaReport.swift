import Foundation

/// The text and JSON views of a crawl for `ctas schema analyze`.
public enum SchemaReport {
    /// Totals per kind, the types by file, then the diagnostics.
    public static func text(_ r: SchemaCrawler.Result) -> String {
        var out = "\(sanitize(r.root)): \(r.filesScanned) file(s), \(r.lines) line(s) scanned"
        if r.filesSkipped > 0 { out += ", \(r.filesSkipped) skipped" }
        out += String(format: " in %.2f s\n", r.seconds)
        let structs = r.types.filter { [.struct, .tupleStruct, .unitStruct, .union].contains($0.kind) }.count
        let classes = r.types.filter { $0.kind == .class || $0.kind == .actor }.count
        let enums = r.types.filter { $0.kind == .enum }.count
        let variants = r.types.reduce(0) { $0 + $1.variants.count }
        let fields = r.types.reduce(0) { $0 + $1.fields.count }
        out += "├─ structs \(structs)  classes/actors \(classes)  enums \(enums)  variants \(variants)  fields \(fields)\n"
        for language in [SourceLanguage.rust, .swift] {
            let ofLanguage = r.types.filter { $0.language == language }
            guard !ofLanguage.isEmpty else { continue }
            out += "├─ \(language.rawValue): \(ofLanguage.count) type(s)\n"
        }
        out += "├─ types\n"
        for t in r.types {
            let location = "\(sanitize(relative(t.file, to: r.root))):\(t.line)"
            var line = "│  ├─ \(t.kind.rawValue) \(sanitize(t.qualifiedName))"
            if !t.generics.isEmpty { line += "<\(sanitize(t.generics.joined(separator: ", ")))>" }
            line += "  \(location)"
            if !t.fields.isEmpty { line += "  \(t.fields.count) field(s)" }
            if !t.variants.isEmpty { line += "  \(t.variants.count) variant(s)" }
            let refs = Set(t.fields.flatMap(\.references) + t.variants.flatMap { $0.fields.flatMap(\.references) }).sorted()
            if !refs.isEmpty { line += "  → \(sanitize(refs.joined(separator: ", ")))" }
            out += line + "\n"
        }
        out += "└─ diagnostics: \(r.diagnostics.count)\n"
        for d in r.diagnostics.prefix(200) {
            out += "   \(d.severity.rawValue) \(sanitize(relative(d.file, to: r.root)))\(d.line.map { ":\($0)" } ?? ""): \(sanitize(d.message))\n"
        }
        if r.diagnostics.count > 200 { out += "   … \(r.diagnostics.count - 200) more (see --format json)\n" }
        return out
    }

    /// Everything, as one JSON object.
    public static func json(_ r: SchemaCrawler.Result) throws -> String {
        struct Document: Encodable {
            var root: String
            var filesScanned: Int
            var filesSkipped: Int
            var lines: Int
            var bytes: Int
            var seconds: Double
            var totals: [String: Int]
            var types: [TypeInfo]
            var diagnostics: [SchemaDiagnostic]
        }
        var totals: [String: Int] = [:]
        for t in r.types { totals[t.kind.rawValue, default: 0] += 1 }
        totals["variants"] = r.types.reduce(0) { $0 + $1.variants.count }
        totals["fields"] = r.types.reduce(0) { $0 + $1.fields.count }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Document(root: r.root, filesScanned: r.filesScanned, filesSkipped: r.filesSkipped, lines: r.lines,
                                               bytes: r.bytes, seconds: (r.seconds * 1000).rounded() / 1000, totals: totals, types: r.types,
                                               diagnostics: r.diagnostics))
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// Source text and file names can hold anything: control characters are shown escaped.
    static func sanitize(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0..<0x20, 0x7F..<0xA0, 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
