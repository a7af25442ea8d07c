import ArgumentParser
import CTASCore
import CTASEngine
import CTASStore
import Foundation

struct HotspotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotspots",
        abstract: "Rank statistically significant hot spots (Getis-Ord Gi*) over the stored events.",
        discussion: """
            Events are counted per H3 cell at --res; each cell's Gi* z-score compares the sum over its \
            gridDisk(--k) neighbourhood with what the mean over every cell of the world (empty ones \
            included) predicts. Significance is controlled with Benjamini-Hochberg at --fdr over all cells. \
            Listed: significant cells with z > 0 that hold events themselves, highest z first (empty \
            cells next to a cluster can be significant too; they are counted, not listed).
            """)

    @Option(help: "H3 resolution of the cells (0–15).")
    var res = 4

    @Option(help: "Neighbourhood: cells within this grid distance (1–5).")
    var k = 1

    @Option(help: "Only events this far back from the newest stored event (30m, 24h, 7d), or all.")
    var window = "all"

    @Option(help: "At most this many hot spots.")
    var top = 20

    @Option(help: "count, or severity (the sum of severities; events without one weigh 1).")
    var weight: GeoWeighting = .count

    @Option(help: "False discovery rate for significance (0–1).")
    var fdr = 0.05

    @Option(help: "Output: text, json or csv.")
    var format: ReportFormat = .text

    @OptionGroup var data: DataOptions

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case text, json, csv }

    var windowDuration: Duration? { window.lowercased() == "all" ? nil : TimeArgument.relative(window) }

    func validate() throws {
        guard (0...15).contains(res) else { throw ValidationError("--res must be 0–15 (got \(res))") }
        guard (1...5).contains(k) else { throw ValidationError("--k must be 1–5 (got \(k))") }
        guard top >= 0 else { throw ValidationError("--top must be 0 or more") }
        guard fdr > 0, fdr < 1 else { throw ValidationError("--fdr must be between 0 and 1 (got \(fdr))") }
        if window.lowercased() != "all", windowDuration == nil {
            throw ValidationError("--window '\(window)': expected a span such as 30m, 24h, 7d, or all")
        }
    }

    func run() throws {
        let report: HotspotReport
        do throws(StoreError) {
            report = try HotspotReport.build(path: data.directory.warmDatabase, resolution: res, k: k, window: windowDuration,
                                             weighting: weight, falseDiscoveryRate: fdr, top: top)
        } catch {
            throw error
        }
        let text = switch format {
        case .text: report.text
        case .json: report.json
        case .csv: report.csv
        }
        StandardStreams.writeOutput(text)
    }
}

extension GeoWeighting: ExpressibleByArgument {}
