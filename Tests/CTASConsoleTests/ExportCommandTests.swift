import CTASCore
import CTASEngine
import H3
import Testing
@testable import CTASConsole

/// `:export FORMAT FILE` asks the engine for what the focused pane shows, and says what
/// was written or why nothing was.
@Suite struct ExportCommandTests {
    let reducer = Reducer(keymap: .standard)
    let snapshot = busySnapshot(events: 50)
    let now = Timestamp(microseconds: 1_795_169_735_000_000)

    func run(_ text: String, _ state: inout ViewState) -> [Effect] {
        reducer.runCommand(text, state: &state, context: Reducer.Context(snapshot: snapshot, feedList: FeedList.events(snapshot, state.feed),
                                                                        feedRows: 10, now: now))
    }

    @Test func theFeedExportsEveryStoredEventUnderItsFilter() throws {
        var s = ViewState(panes: [.feed, .heatmap, .graph, .metrics], themeName: "default")
        #expect(run("export stix /tmp/all.json", &s) == [.export(ExportRequest(format: .stix, path: "/tmp/all.json", scope: .filtered(.all)))])
        #expect(s.message?.text == "exporting every stored event as stix…")
        let filter = try EventFilter(parsing: "type:c2 sev>=7")
        s.feed.filter = filter
        #expect(run("export CSV  out dir/high risk.csv", &s) == [.export(ExportRequest(format: .csv, path: "out dir/high risk.csv", scope: .filtered(filter)))],
                "the format in any case; the rest of the line is the file, spaces and all")
        s.focus = .metrics
        #expect(run("export zeek-intel z.dat", &s) == [.export(ExportRequest(format: .zeekIntel, path: "z.dat", scope: .filtered(filter)))])
    }

    @Test func theCorrelationPaneExportsItsFocusAndNeighbours() {
        var s = ViewState(panes: [.feed, .graph], themeName: "default")
        s.focus = .graph
        #expect(run("export misp m.json", &s).isEmpty)
        #expect(s.message?.isError == true && s.message?.text.contains("focus an event or an indicator first") == true)
        let neighborhood = sampleNeighborhood()
        s.graph.focus = neighborhood.query.focus
        s.graph.result = neighborhood
        let ids = [neighborhood.event?.id ?? ""] + neighborhood.neighbors.map(\.event.id)
        #expect(run("export misp-feed feed-dir", &s) == [.export(ExportRequest(format: .mispFeed, path: "feed-dir", scope: .events(ids)))])
        #expect(s.message?.text == "exporting \(ids.count) correlated event(s) as misp-feed…")
    }

    @Test func theMapExportsTheDrilledCellOverItsTimeSpan() throws {
        var s = ViewState(panes: [.feed, .heatmap], themeName: "default")
        s.focus = .heatmap
        #expect(run("export stix cell.json", &s).isEmpty)
        #expect(s.message?.text.contains("drill into a cell first") == true)
        let cell = try H3.latLngToCell(lat: 51.5, lng: -0.12, res: 6)
        s.heatmap.drill = HeatmapViewState.DrillState(cell: cell)
        s.heatmap.window = .all
        #expect(run("export stix cell.json", &s) == [.export(ExportRequest(format: .stix, path: "cell.json", scope: .cell(cell, since: nil, until: nil, filter: .all)))])
    }

    @Test func badCommandsSayWhatIsExpected() {
        var s = ViewState(panes: [.feed], themeName: "default")
        for (text, expected) in [("export", "FORMAT is one of stix, misp, misp-feed, csv, zeek-intel"), ("export stix", "FORMAT is one of"),
                                 ("export pdf out.pdf", "FORMAT is one of"), ("export csv -", "needs a file"),
                                 ("export csv a\u{1B}[2Jb", "control characters")] {
            #expect(run(text, &s).isEmpty, "\(text)")
            #expect(s.message?.isError == true && s.message?.text.contains(expected) == true, "\(text): \(s.message?.text ?? "")")
        }
    }

    @Test func theOutcomeIsSaidAndHostileTextEscaped() {
        var s = ViewState(panes: [.feed], themeName: "default")
        let context = Reducer.Context(snapshot: snapshot, feedList: [], feedRows: 10, now: now)
        let report = ExportReport(path: "/tmp/x\u{1B}[31m.json", format: .stix, events: 100_000, indicators: 0, moreEvents: true, leftOut: 3)
        _ = reducer.receive(.exported(.success(report)), state: &s, context: context)
        #expect(s.message?.text == "exported 100000 event(s) as stix to /tmp/x\\e[31m.json (the newest 100000; more matched); 3 left out (no observable)")
        _ = reducer.receive(.exported(.failure(ExportProblem(message: "/ro/x: cannot write: Permission denied"))), state: &s, context: context)
        #expect(s.message?.isError == true && s.message?.text == "export failed: /ro/x: cannot write: Permission denied")
    }
}
