import Foundation

/// The storage layout every emitter renders: one table (collection, node label) per
/// discovered struct, class, actor or enum with payloads, its columns mapped from the
/// fields, references as foreign keys, collections of other types as link tables.
public struct SchemaPlan: Sendable {
    public struct Column: Sendable {
        public var name: String
        public var kind: StorageKind
        public var nullable: Bool
        /// The field it comes from (nil for generated columns).
        public var field: String?
        /// The table a reference points to.
        public var references: String?
    }

    public struct Table: Sendable {
        public var name: String
        public var type: TypeInfo
        public var recommendation: Recommendation
        /// The primary key column: the type's own `id` field when it has one.
        public var key: Column
        public var columns: [Column]
        /// For collections of other types: (link table name, field, target table).
        public var links: [(table: String, field: String, target: String)]
        /// An enum with payloads: stored as its case name and a JSON payload.
        public var isTaggedUnion: Bool
    }

    public var tables: [Table]
    /// Discovered types with no table (unit-only enums become CHECK constraints where used).
    public var enumsAsChecks: [TypeInfo]
    /// Second and later declarations of one type in one file under different `#if` clauses
    /// (Swift) or `#[cfg]` attributes (Rust): platform alternatives of one type, not types of
    /// their own. The first declaration gets the table.
    public var alternatives: [TypeInfo]
    /// Types recommended `runtime` (actors, errors, handles, namespaces): no schema. Fields
    /// of stored types that hold one are stored as JSON.
    public var notStored: [(type: TypeInfo, recommendation: Recommendation)]

    /// Where each input type went, in the order of the `types` given.
    public enum Placement: Sendable {
        case table(Int), check, alternative, notStored(Recommendation)
    }
    public var placements: [Placement]

    /// Lays out `types` (all of one crawl) with their recommendations.
    public init(types: [TypeInfo], rules: SchemaRules) {
        var names = Set<String>()
        var tableOf: [String: String] = [:]
        var tables: [Table] = []
        var checks: [TypeInfo] = []
        var alternatives: [TypeInfo] = []
        var declared = Set<String>()
        var notStored: [(TypeInfo, Recommendation)] = []
        var placements: [Placement] = []
        var mappers: [SourceLanguage: TypeMapper] = [:]
        for language in [SourceLanguage.rust, .swift] {
            let own = types.filter { $0.language == language }
            mappers[language] = TypeMapper(types: Dictionary(own.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a }))
        }
        // Names first, so references can point anywhere.
        var pendingLinks: [(table: Int, field: String, target: String)] = []
        var ordered: [(TypeInfo, String, Recommendation)] = []
        for t in types {
            let identity = "\(t.language.rawValue) \(t.file) \(t.qualifiedName)"
            if !declared.insert(identity).inserted, t.isConditional {
                alternatives.append(t)
                placements.append(.alternative)
                continue
            }
            if t.kind == .enum && !t.variants.isEmpty && t.variants.allSatisfy({ $0.shape == .unit }) {
                checks.append(t)
                placements.append(.check)
                continue
            }
            let recommendation = rules.recommend(t)
            if recommendation.tier == .runtime {
                notStored.append((t, recommendation))
                placements.append(.notStored(recommendation))
                continue
            }
            placements.append(.table(ordered.count))
            let name = Identifier.unique(Identifier.snake(t.qualifiedName), in: &names)
            if tableOf[t.name] == nil { tableOf[t.name] = name }
            ordered.append((t, name, recommendation))
        }
        for (t, name, recommendation) in ordered {
            let mapper = mappers[t.language] ?? TypeMapper(types: [:])
            var columns: [Column] = []
            var key = Column(name: "id", kind: .uuid, nullable: false, field: nil, references: nil)
            var used: Set<String> = []
            let isTagged = t.kind == .enum
            if isTagged {
                columns.append(Column(name: "variant", kind: .enumeration(t.name, t.variants.map(\.name)), nullable: false, field: nil, references: nil))
                columns.append(Column(name: "payload", kind: .json, nullable: true, field: nil, references: nil))
                used = ["id", "variant", "payload"]
            }
            for f in t.fields {
                let m = mapper.map(f)
                let column = Identifier.snake(f.name.first?.isNumber == true ? "field_" + f.name : f.name)
                if column == "id", !used.contains("id"), [.integer, .uuid, .text].contains(m.kind), !m.nullable {
                    key = Column(name: "id", kind: m.kind, nullable: false, field: f.name, references: nil)
                    used.insert("id")
                    continue
                }
                switch m.kind {
                case .reference(let target) where tableOf[target] == nil:
                    // A type with no table of its own (runtime): its value as JSON.
                    let name = Identifier.unique(Self.dataColumn(column), in: &used)
                    columns.append(Column(name: name, kind: .json, nullable: m.nullable, field: f.name, references: nil))
                case .reference(let target):
                    let name = Identifier.unique(Identifier.snake(column + "_id"), in: &used)
                    columns.append(Column(name: name, kind: m.kind, nullable: m.nullable, field: f.name, references: tableOf[target]))
                case .references(let target) where tableOf[target] != nil:
                    // Named once every type has its table, from the same namespace.
                    pendingLinks.append((tables.count, f.name, tableOf[target] ?? ""))
                case .references:
                    let name = Identifier.unique(Self.dataColumn(column), in: &used)
                    columns.append(Column(name: name, kind: .json, nullable: m.nullable, field: f.name, references: nil))
                default:
                    let name = Identifier.unique(Self.dataColumn(column), in: &used)
                    columns.append(Column(name: name, kind: m.kind, nullable: m.nullable, field: f.name, references: nil))
                }
            }
            tables.append(Table(name: name, type: t, recommendation: recommendation, key: key, columns: columns, links: [],
                                isTaggedUnion: isTagged))
        }
        // Link tables share the tables' namespace (`Map.values` next to a type `Map.Values`).
        for link in pendingLinks {
            let name = Identifier.unique(Identifier.snake(tables[link.table].name + "_" + link.field), in: &names)
            tables[link.table].links.append((name, link.field, link.target))
        }
        self.tables = tables
        enumsAsChecks = checks
        self.alternatives = alternatives
        self.notStored = notStored
        self.placements = placements
    }

    /// Names a data column may not take: `id` is the key; PostgreSQL's system columns
    /// (`ctid`, `xmin`…) refuse user columns of the same name. Such a field's column is
    /// `NAME_value`.
    static let claimedColumns: Set<String> = ["id", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"]

    static func dataColumn(_ name: String) -> String {
        claimedColumns.contains(name) ? name + "_value" : name
    }

    /// The key column of a table (for foreign keys that point at it).
    public func key(of table: String) -> Column? { tables.first { $0.name == table }?.key }

    /// Tables that hold intelligence (row-level security in PostgreSQL).
    static let intelligenceWords = ["threat", "indicator", "ioc", "alert", "event", "intel", "incident", "report", "finding", "detection",
                                    "campaign", "malware", "vulnerab", "cve", "sighting", "attack", "actor", "observable", "signal"]

    static func holdsIntelligence(_ t: Table) -> Bool {
        let name = t.name.lowercased()
        return intelligenceWords.contains { name.contains($0) }
    }
}

/// Identifiers for generated schemas: snake_case ASCII, never empty, never starting with a
/// digit or `sqlite_`, at most 63 bytes (PostgreSQL's limit; longer names end in a hash), and quoted in
/// every target, so reserved words and odd characters are safe.
public enum Identifier {
    public static func snake(_ text: String) -> String {
        var out = ""
        var previousLower = false
        for scalar in text.unicodeScalars {
            let c = Character(scalar)
            if scalar.isASCII, c.isLetter || c.isNumber {
                if c.isUppercase, previousLower, !out.hasSuffix("_") { out += "_" }
                out += c.lowercased()
                previousLower = c.isLowercase || c.isNumber
            } else {
                if !out.hasSuffix("_"), !out.isEmpty { out += "_" }
                previousLower = false
            }
        }
        while out.hasSuffix("_") { out.removeLast() }
        if out.isEmpty { out = "unnamed" }
        // SQLite reserves names starting `sqlite_` for itself.
        if out.first?.isNumber == true || out.hasPrefix("sqlite_") { out = "t_" + out }
        if out.utf8.count > 63 {
            var hash: UInt32 = 2_166_136_261
            for b in out.utf8 { hash = (hash ^ UInt32(b)) &* 16_777_619 }
            out = String(out.prefix(54)) + "_" + String(hash, radix: 16)
        }
        return out
    }

    /// `base`, or the first of `base_2`, `base_3`… (cut to stay within 63 bytes) not yet in
    /// `taken`; the name returned is added to `taken`. Generated names never collide, so no
    /// statement is skipped or silently merged with another.
    public static func unique(_ base: String, in taken: inout Set<String>) -> String {
        var name = base
        var n = 2
        while taken.contains(name) {
            let suffix = "_\(n)"
            name = String(base.prefix(63 - suffix.utf8.count)) + suffix
            n += 1
        }
        taken.insert(name)
        return name
    }

    /// `"name"` with embedded quotes doubled (SQL).
    public static func sql(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    /// `` `name` `` with embedded backticks doubled (Cypher).
    public static func cypher(_ name: String) -> String { "`" + name.replacingOccurrences(of: "`", with: "``") + "`" }
    /// `` `name` `` (SurrealQL); identifiers here never hold a backtick.
    public static func surreal(_ name: String) -> String { "`" + name.replacingOccurrences(of: "`", with: "") + "`" }
    /// A SQL string literal.
    public static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
