import Foundation

/// The text and JSON views of a crawl for `ctas schema analyze`.
public enum SchemaReport {
    /// Totals per kind, then per recommended tier the types with their strongest reason,
    /// then the diagnostics.
    public static func text(_ r: SchemaCrawler.Result, rules: SchemaRules = .builtIn()) -> String {
        let plan = SchemaPlan(types: r.types, rules: rules)
        var out = "\(sanitize(r.root)): \(r.filesScanned) file(s), \(r.lines) line(s) scanned"
        if r.filesSkipped > 0 { out += ", \(r.filesSkipped) skipped" }
        out += String(format: " in %.2f s\n", r.seconds)
        let structs = r.types.filter { [.struct, .tupleStruct, .unitStruct, .union].contains($0.kind) }.count
        let classes = r.types.filter { $0.kind == .class || $0.kind == .actor }.count
        let enums = r.types.filter { $0.kind == .enum }.count
        let variants = r.types.reduce(0) { $0 + $1.variants.count }
        let fields = r.types.reduce(0) { $0 + $1.fields.count }
        out += "├─ found: structs \(structs)  classes/actors \(classes)  enums \(enums)  variants \(variants)  fields \(fields)"
        let languages = [SourceLanguage.rust, .swift].compactMap { l -> String? in
            let n = r.types.filter { $0.language == l }.count
            return n > 0 ? "\(l.rawValue) \(n)" : nil
        }
        out += languages.isEmpty ? "\n" : "  (\(languages.joined(separator: ", ")))\n"
        out += "├─ unit-only enums become CHECK constraints: \(plan.enumsAsChecks.count)\n"
        if !plan.alternatives.isEmpty {
            out += "├─ platform alternatives (another #if/#[cfg] declaration of the same type in the same file; the first is used): "
                + "\(plan.alternatives.count)\n"
        }
        for tier in StorageTier.allCases {
            let entries: [(TypeInfo, Recommendation)] = tier == .runtime ? plan.notStored.map { ($0.type, $0.recommendation) }
                : plan.tables.filter { $0.recommendation.tier == tier }.map { ($0.type, $0.recommendation) }
            guard !entries.isEmpty else { continue }
            out += "├─ \(tier.rawValue) (\(entries.count))\(tier == .runtime ? ": live machinery, no schema" : "")\n"
            for (type, rec) in entries {
                var line = "│  ├─ \(sanitize(type.qualifiedName))  \(sanitize(relative(type.file, to: r.root))):\(type.line)"
                line += "  \(rec.reasons.first.map(sanitize) ?? "")"
                if rec.isDefault {
                    line += " (default: no specific evidence"
                } else {
                    line += String(format: " (%.0f%%", rec.confidence * 100)
                    if !rec.tiedWith.isEmpty { line += ", tied with \(rec.tiedWith.map(\.rawValue).joined(separator: ", "))" }
                    else if rec.lowConfidence { line += ", low confidence" }
                }
                line += ")"
                if let key = rec.keyStrategy { line += "  key: \(sanitize(key))" }
                out += line + "\n"
            }
        }
        let warnings = r.diagnostics.filter { $0.severity != .note }
        out += "└─ warnings: \(warnings.count)  notes: \(r.diagnostics.count - warnings.count)\n"
        for d in r.diagnostics.prefix(200) {
            out += "   \(d.severity.rawValue) \(sanitize(relative(d.file, to: r.root)))\(d.line.map { ":\($0)" } ?? ""): \(sanitize(d.message))\n"
        }
        if r.diagnostics.count > 200 { out += "   … \(r.diagnostics.count - 200) more (see --format json)\n" }
        return out
    }

    /// Everything, as one JSON object: each type with its recommendation and the
    /// identifiers its schema uses.
    public static func json(_ r: SchemaCrawler.Result, rules: SchemaRules = .builtIn()) throws -> String {
        struct Generated: Encodable {
            /// `table`, `check` (a unit-only enum: CHECK constraints where used), `none` (runtime
            /// machinery: no schema) or `alternative` (another declaration of the same type under
            /// #if/#[cfg] has the table).
            var storedAs: String
            var table: String?
            var columns: [String: String]
            var linkTables: [String]
        }
        struct Entry: Encodable {
            var type: TypeInfo
            var qualifiedName: String
            var recommendation: Recommendation
            var generated: Generated
        }
        struct Document: Encodable {
            var root: String
            var filesScanned: Int
            var filesSkipped: Int
            var lines: Int
            var bytes: Int
            var seconds: Double
            var totals: [String: Int]
            var types: [Entry]
            var localTypes: [SchemaCrawler.LocalType]
            var diagnostics: [SchemaDiagnostic]
        }
        let plan = SchemaPlan(types: r.types, rules: rules)
        var totals: [String: Int] = [:]
        for t in r.types { totals[t.kind.rawValue, default: 0] += 1 }
        totals["variants"] = r.types.reduce(0) { $0 + $1.variants.count }
        totals["fields"] = r.types.reduce(0) { $0 + $1.fields.count }
        var entries: [Entry] = []
        for (t, placement) in zip(r.types, plan.placements) {
            let recommendation: Recommendation, generated: Generated
            switch placement {
            case .table(let index):
                let table = plan.tables[index]
                var columns: [String: String] = [:]
                for c in table.columns { if let f = c.field { columns[f] = c.name } }
                if let f = table.key.field { columns[f] = "id" }
                recommendation = table.recommendation
                generated = Generated(storedAs: "table", table: table.name, columns: columns, linkTables: table.links.map(\.table))
            case .notStored(let rec):
                recommendation = rec
                generated = Generated(storedAs: "none", table: nil, columns: [:], linkTables: [])
            case .check:
                recommendation = rules.recommend(t)
                generated = Generated(storedAs: "check", table: nil, columns: [:], linkTables: [])
            case .alternative:
                recommendation = rules.recommend(t)
                generated = Generated(storedAs: "alternative", table: nil, columns: [:], linkTables: [])
            }
            entries.append(Entry(type: t, qualifiedName: t.qualifiedName, recommendation: recommendation, generated: generated))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Document(root: r.root, filesScanned: r.filesScanned, filesSkipped: r.filesSkipped, lines: r.lines,
                                               bytes: r.bytes, seconds: (r.seconds * 1000).rounded() / 1000, totals: totals, types: entries,
                                               localTypes: r.localTypes, diagnostics: r.diagnostics))
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
