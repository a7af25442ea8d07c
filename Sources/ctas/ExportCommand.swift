import ArgumentParser
import CTASCore
import CTASIntel
import CTASStore
import Foundation

extension IntelExporter.Format: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the intelligence store: STIX 2.1 bundle, MISP event JSON, MISP feed directory, CSV or Zeek intel file.",
        discussion: """
            Selects indicators as `ctas intel list` does (--type, --min-score, --sighted, --source, --at); every indicator
            by default. STIX ids are derived from the content: the same indicator has the same id in every export. A MISP
            feed is a directory (manifest.json, one <uuid>.json per report, hashes.csv) that MISP's feed reader loads.
            The Zeek intel file leaves out CVE ids (Zeek has no such type) and says how many were left out.
            """)

    @Option(help: "stix, misp, misp-feed, csv or zeek-intel.") var format: IntelExporter.Format
    @Option(help: "The file (a directory for misp-feed); - writes to standard output.") var out: String
    @Option(help: "Only this type (repeatable): ip, ipv4, ipv6, domain, url, email, hash, md5, sha1, sha256, cve.") var type: [String] = []
    @Option(help: "Only indicators scoring at least this.") var minScore: Double?
    @Flag(help: "Only sighted indicators.") var sighted = false
    @Option(help: "Only indicators from a report whose name, organisation or id contains this.") var source: String?
    @Option(help: "Score at this time instead of now.") var at: TimeValue?
    @OptionGroup var data: DataOptions

    func validate() throws {
        for name in type where IntelCommand.kinds(name) == nil {
            throw ValidationError("--type \(name): expected ip, ipv4, ipv6, domain, url, email, hash, md5, sha1, sha256 or cve")
        }
        if format == .mispFeed && out == "-" { throw ValidationError("--format misp-feed writes a directory: give --out DIR") }
    }

    func run() throws {
        let store = try IntelCommand.open(data, readOnly: true)
        var selection = IntelStore.Selection(at: at?.timestamp ?? .now())
        if !type.isEmpty { selection.kinds = Set(type.flatMap { IntelCommand.kinds($0) ?? [] }) }
        selection.minimumScore = minScore
        selection.sightedOnly = sighted
        selection.source = source
        let listings: [IntelListing]
        do throws(StoreError) { listings = try store.list(selection) } catch { throw RuntimeError(error.description) }
        let exporter = IntelExporter(listings: listings.sorted { ($0.indicator.kind.rawValue, $0.indicator.value) < ($1.indicator.kind.rawValue, $1.indicator.value) },
                                     exportedAt: .now())
        switch format {
        case .stix: try write(exporter.stix())
        case .misp: try write(exporter.misp())
        case .csv: try write(exporter.csv())
        case .zeekIntel:
            let (text, skipped) = exporter.zeekIntel()
            try write(text)
            if skipped > 0 { writeError("\(skipped) indicator(s) Zeek's intel framework has no type for (CVE ids) were left out") }
        case .mispFeed:
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                for (name, text) in exporter.mispFeed() {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: out + "/" + name), options: .atomic)
                }
            } catch {
                throw RuntimeError("\(out): cannot write the feed: \(error.localizedDescription)")
            }
        }
        writeError("exported \(listings.count) indicator(s) as \(format.rawValue)")
    }

    private func write(_ text: String) throws {
        if out == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw RuntimeError("\(out): cannot write: \(error.localizedDescription)")
        }
    }
}
