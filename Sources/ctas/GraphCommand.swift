import ArgumentParser
import CTASCore
import CTASEngine
import CTASStore
import Foundation

struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Walk the correlation graph: events linked through shared indicators.",
        subcommands: [GraphNeighborsCommand.self])
}

struct GraphNeighborsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neighbors",
        abstract: "Events linked to an event or an indicator, up to three hops away.",
        discussion: """
            ID is an event id or an indicator value in any written form (evil[.]com, HXXP://…, upper-case hashes). \
            Two events are one hop apart when they share an indicator. Warninglisted values are never followed; \
            values seen in more events than the over-correlation threshold are shown with their count but followed \
            only with --include-overcorrelated. Exit code 1 when the graph holds no such event or indicator.
            """)

    @Argument(help: "An event id or an indicator value.")
    var id: String

    @Option(help: "Hops, 1–3.")
    var hops: Int = 1

    @Option(help: "Neighbor events listed at most (nearest, then newest, first); the rest are counted.")
    var limit: Int = 50

    @Flag(help: "Also follow values seen in more events than the over-correlation threshold.")
    var includeOvercorrelated = false

    @Option(help: "Over-correlation threshold (default: the rules' [graph] overcorrelation, 20).")
    var overcorrelation: Int?

    @Option(help: "Routing rules file, for the graph's retention and over-correlation threshold.")
    var rules: String?

    @Option(help: "Output: text or json.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var warninglist: WarninglistOptions
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (1...3).contains(hops) else { throw ValidationError("--hops must be 1, 2 or 3") }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more") }
        if let overcorrelation, overcorrelation < 1 { throw ValidationError("--overcorrelation must be 1 or more") }
    }

    func run() throws {
        var ruleOptions = try IngestOptions.parse([])
        ruleOptions.rules = rules
        let rules = try ruleOptions.loadRules()
        let list = try warninglist.load()
        let started = MonotonicClock.nanoseconds()
        let reader: StoredGraphReader
        let resolved: GraphFocus?
        do throws(StoreError) {
            reader = try StoredGraphReader(path: data.directory.warmDatabase, warninglist: list, retention: rules.graphRetention)
            resolved = try reader.resolve(id)
        } catch {
            throw error
        }
        let loadMillis = Double(MonotonicClock.nanoseconds() - started) / 1e6
        guard let focus = resolved else {
            throw RuntimeError("\(SafeText.sanitize(id)): no event or indicator with this id or value in the graph")
        }
        let query = NeighborQuery(focus: focus, hops: hops, limit: limit, includeOvercorrelated: includeOvercorrelated,
                                  overcorrelationThreshold: overcorrelation ?? rules.overcorrelationThreshold)
        let queryStarted = MonotonicClock.nanoseconds()
        let answer: Neighborhood?
        do throws(StoreError) { answer = try reader.neighbors(query) } catch { throw error }
        guard let neighborhood = answer else {
            throw RuntimeError("\(SafeText.sanitize(id)): not in the graph")
        }
        let queryMicros = Double(MonotonicClock.nanoseconds() - queryStarted) / 1e3
        let text = format == .json ? NeighborhoodReport.json(neighborhood, loadMillis: loadMillis, queryMicros: queryMicros)
            : NeighborhoodReport.text(neighborhood)
        StandardStreams.writeOutput(text)
    }
}
