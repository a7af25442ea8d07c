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
    @OptionGroup var select: IntelSelectionOptions
    @OptionGroup var data: DataOptions

    func validate() throws {
        if format == .mispFeed && out == "-" { throw ValidationError("--format misp-feed writes a directory: give --out DIR") }
    }

    func run() throws {
        let store = try IntelCommand.open(data, readOnly: true)
        let listings: [IntelListing]
        do throws(StoreError) { listings = try store.list(select.selection) } catch { throw RuntimeError(error.description) }
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
