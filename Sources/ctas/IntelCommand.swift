import ArgumentParser
import CTASCore
import CTASIntel
import CTASStore
import Foundation

/// Which indicators `intel list` and `export` take: the same options, one meaning.
struct IntelSelectionOptions: ParsableArguments {
    @Option(help: "Only this type (repeatable): ipv4, ipv6, domain, url, email, md5, sha1, sha256, cve; ip = both IP kinds, hash = the three hashes.")
    var type: [String] = []
    @Option(help: "Only indicators scoring at least this (0–100).") var minScore: Double?
    @Flag(help: "Only indicators sighted in telemetry or by a report.") var sighted = false
    @Option(help: "Only indicators from a report whose name, organisation or id contains this.") var source: String?
    @Option(help: "Score at this time instead of now (2026-11-20, 24h…).") var at: TimeValue?

    func validate() throws {
        for name in type where IntelCommand.kinds(name) == nil {
            throw ValidationError("--type \(name): expected ip, ipv4, ipv6, domain, url, email, hash, md5, sha1, sha256 or cve")
        }
    }

    var selection: IntelStore.Selection {
        var selection = IntelStore.Selection(at: at?.timestamp ?? .now())
        if !type.isEmpty { selection.kinds = Set(type.flatMap { IntelCommand.kinds($0) ?? [] }) }
        selection.minimumScore = minScore
        selection.sightedOnly = sighted
        selection.source = source
        return selection
    }
}

struct IntelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intel",
        abstract: "Threat intelligence: import MISP events and feeds and STIX 2.1 bundles, list and show indicators with their reports, sightings and decayed score.",
        subcommands: [Import.self, List.self, Show.self])

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }
    enum ShowFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    static func open(_ data: DataOptions, readOnly: Bool) throws -> IntelStore {
        let directory = data.directory
        do throws(StoreError) {
            if !readOnly { try directory.create() }
            guard readOnly == false || FileManager.default.fileExists(atPath: directory.warmDatabase) else {
                throw StoreError.noStoredEvents(path: directory.warmDatabase)
            }
            // A writer opens the warm tier (its schema, pragmas and migrations), so a data
            // directory that starts with intelligence is an ordinary one.
            let database = readOnly ? try SQLiteDatabase(path: directory.warmDatabase, readOnly: true)
                                    : try WarmTier(path: directory.warmDatabase).database
            if !readOnly { try database.execute("PRAGMA cache_size=-65536") }
            return try IntelStore(database: database, readOnly: readOnly)
        } catch {
            throw RuntimeError(error.description)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import MISP event JSON, MISP feed directories (manifest.json) and STIX 2.1 bundles.",
            discussion: """
                Importing the same event or bundle again changes nothing; a newer version (a later MISP timestamp or STIX \
                modified) replaces the stored one. Parts that cannot be imported (invalid JSON, types that are not indicators, \
                patterns that do not parse, dangling references) are counted and listed on stderr with file and JSON path; \
                the rest is imported. Prints a JSON summary; exit 1 when a file could not be read at all.
                """)

        @Argument(help: "MISP event files, MISP feed directories, STIX bundle files, or directories holding them (subdirectories read too).") var paths: [String]
        @OptionGroup var data: DataOptions
        @Option(help: "Problems listed on stderr at most (all are counted).") var showProblems = 20

        func run() throws {
            let store = try IntelCommand.open(data, readOnly: false)
            let outcome: IntelImport.Outcome
            do throws(StoreError) {
                outcome = try IntelImport.run(paths: paths, into: store, importedAt: .now())
            } catch {
                throw RuntimeError(error.description)
            }
            let summary = outcome.summary
            // Types that are context, not indicators (registry keys, file names…), are summed up by
            // type; every other problem is listed with its file and JSON path.
            var contextTypes: [String: Int] = [:]
            var listed: [IntelProblem] = []
            for problem in outcome.problems {
                if case .unsupportedType(let type) = problem.reason { contextTypes[type, default: 0] += 1 } else { listed.append(problem) }
            }
            for problem in listed.prefix(max(0, showProblems)) { StandardStreams.writeErrorLine(problem.description) }
            if listed.count > showProblems { StandardStreams.writeErrorLine("… and \(listed.count - showProblems) more problem(s)") }
            if !contextTypes.isEmpty {
                let total = contextTypes.values.reduce(0, +)
                let byType = contextTypes.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                StandardStreams.writeErrorLine("\(total) attribute(s) of types that are not indicators CTAS matches were kept out: \(SafeText.sanitize(byType))")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            let fatal = outcome.problems.contains {
                switch $0.reason {
                case .invalidJSON, .unreadable, .notIntelligence: $0.path == "$"
                default: false
                }
            }
            if fatal { throw ExitCode.failure }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Indicators with their score (decayed to now or --at), sightings and sources, highest score first.",
            discussion: """
                Scores decay after MISP's NIDS simple model: score = base × (1 − (t/τ)^(1/δ)), τ 120 days, δ 2, base 80 \
                (or the report's confidence), t since the last sighting, else the last time seen, else the report date; \
                below 30 an indicator is decayed (still listed, marked).
                """)

        @OptionGroup var select: IntelSelectionOptions
        @Option(help: "At most this many.") var limit: Int = 1000
        @Option(help: "Output: table, json or csv.") var format: Format = .table
        @OptionGroup var data: DataOptions

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
        }

        func run() throws {
            let store = try IntelCommand.open(data, readOnly: true)
            let listings: [IntelListing]
            do throws(StoreError) { listings = try store.list(select.selection) } catch { throw RuntimeError(error.description) }
            let shown = listings.prefix(limit)
            let out = BufferedOutput(fd: 1)
            switch format {
            case .json:
                out.write("[\n")
                for (i, listing) in shown.enumerated() { out.write(IntelCommand.json(listing) + (i + 1 < shown.count ? ",\n" : "\n")) }
                out.write("]\n")
            case .csv:
                out.write(IntelExporter(listings: Array(shown), exportedAt: .now()).csv(sanitized: true))
            case .table:
                // The VALUE column as wide as the longest value shown (at most 80; a longer
                // value is printed whole, never cut: it is what an analyst copies).
                let values = shown.map { SafeText.sanitize($0.indicator.value) }
                let width = min(80, max(41, values.map(\.count).max() ?? 0))
                out.write("SCORE  SIGHT  TYPE    \(IntelCommand.pad("VALUE", width)) SOURCES\n")
                for (l, value) in zip(shown, values) {
                    let score = String(format: "%5.1f", l.score) + (l.decayed ? "d" : " ")
                    let names = SafeText.sanitize(l.sources.map(\.name).joined(separator: "; "))
                    out.write("\(score) \(IntelCommand.pad(String(l.sightings), 6)) \(IntelCommand.pad(l.indicator.kind.name, 7)) \(IntelCommand.pad(value, width)) \(names)\n")
                }
                if listings.count > limit { StandardStreams.writeErrorLine("\(listings.count - limit) more indicator(s) not shown (--limit)") }
            }
            out.flush()
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One indicator: every report that carries it, its tags, sightings and score history.")

        @Argument(help: "The indicator (any written form: defanged, upper case…).") var value: String
        @Option(help: "Score at this time instead of now.") var at: TimeValue?
        @Option(help: "Output: text or json.") var format: ShowFormat = .text
        @OptionGroup var data: DataOptions

        func run() throws {
            let store = try IntelCommand.open(data, readOnly: true)
            let canonical = IndicatorExtractor().indicators(listed: value).first?.value ?? value
            var selection = IntelStore.Selection(at: at?.timestamp ?? .now())
            selection.value = canonical
            selection.sightingsShown = 20
            let found: [IntelListing]
            do throws(StoreError) { found = try store.list(selection) } catch { throw RuntimeError(error.description) }
            guard let listing = found.first else {
                StandardStreams.writeErrorLine("\(SafeText.sanitize(value)): not in the intelligence store (try `ctas intel list`)")
                throw ExitCode.failure
            }
            if format == .json {
                print(IntelCommand.json(listing, detail: true))
                return
            }
            var lines = ["\(listing.indicator.kind.name) \(SafeText.sanitize(listing.indicator.value))"]
            lines.append("score     \(String(format: "%.1f", listing.score))\(listing.decayed ? " (decayed)" : "") at \((at?.timestamp ?? .now()).rfc3339)")
            if let first = listing.firstSeen { lines.append("first     \(first.rfc3339)") }
            if let last = listing.lastSeen { lines.append("last      \(last.rfc3339)") }
            if !listing.tags.isEmpty { lines.append("tags      \(SafeText.sanitize(listing.tags.joined(separator: ", ")))") }
            lines.append("sightings \(listing.sightings)" + (listing.lastSighting.map { ", last \($0.rfc3339)" } ?? ""))
            for s in listing.recentSightings {
                lines.append("  \(s.time.rfc3339)  \(SafeText.sanitize(s.source))\(s.event.isEmpty ? "" : "  event " + SafeText.sanitize(s.event))")
            }
            lines.append("reports")
            for source in listing.sources {
                var line = "  \(SafeText.sanitize(source.name))"
                if let org = source.organization { line += " — \(SafeText.sanitize(org))" }
                if let date = source.date { line += ", \(String(date.rfc3339.prefix(10)))" }
                line += " [\(SafeText.sanitize(source.sourceType))\(source.forDetection ? ", for detection" : "")]"
                if let comment = source.comment { line += " \(SafeText.sanitize(comment))" }
                lines.append(line)
            }
            print(lines.joined(separator: "\n"))
        }
    }

    static func kinds(_ name: String) -> [IndicatorKind]? {
        switch name.lowercased() {
        case "ip": [.ipv4, .ipv6]
        case "hash": [.md5, .sha1, .sha256]
        case "other": nil
        default: IndicatorKind(name: name).map { [$0] }
        }
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    static func json(_ l: IntelListing, detail: Bool = false) -> String {
        func t(_ v: Timestamp?) -> String { v.map { JSONString.quoted($0.rfc3339) } ?? "null" }
        var s = "{\"value\":\(JSONString.quoted(l.indicator.value)),\"type\":\(JSONString.quoted(l.indicator.kind.name))"
        s += ",\"score\":\((l.score * 1e9).rounded() / 1e9),\"decayed\":\(l.decayed),\"sightings\":\(l.sightings)"
        s += ",\"lastSighting\":\(t(l.lastSighting)),\"firstSeen\":\(t(l.firstSeen)),\"lastSeen\":\(t(l.lastSeen))"
        s += ",\"confidence\":\(l.confidence.map { String($0) } ?? "null"),\"validUntil\":\(t(l.validUntil))"
        s += ",\"tags\":\(JSONString.array(l.tags)),\"sources\":["
        s += l.sources.map { src in
            "{\"report\":\(JSONString.quoted(src.report)),\"name\":\(JSONString.quoted(src.name)),\"org\":\(src.organization.map(JSONString.quoted) ?? "null")"
                + ",\"date\":\(t(src.date)),\"type\":\(JSONString.quoted(src.sourceType)),\"forDetection\":\(src.forDetection)"
                + ",\"comment\":\(src.comment.map(JSONString.quoted) ?? "null")}"
        }.joined(separator: ",") + "]"
        if detail {
            s += ",\"recentSightings\":[" + l.recentSightings.map {
                "{\"time\":\(JSONString.quoted($0.time.rfc3339)),\"source\":\(JSONString.quoted($0.source)),\"event\":\($0.event.isEmpty ? "null" : JSONString.quoted($0.event))}"
            }.joined(separator: ",") + "]"
        }
        return s + "}"
    }
}
