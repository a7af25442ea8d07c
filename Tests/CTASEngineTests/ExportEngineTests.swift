import CTASCore
import CTASStore
import Foundation
import H3
import Testing
@testable import CTASEngine

/// The console's `:export` through the engine: the events a pane shows written whole, on a
/// thread of its own, while the engine holds its data directory; failures said, not thrown.
@Suite struct ExportEngineTests {
    @Test func theEngineWritesTheEventsAPaneShows() async throws {
        let dir = scratch()
        let feed = dir + "/feed.ndjson"
        try """
            {"id":"a","ts":"2026-11-20T10:00:00Z","type":"c2","severity":8,"lat":51.5,"lon":-0.12,"indicators":["45.77.10.20"]}
            {"id":"b","ts":"2026-11-20T10:05:00Z","type":"dns","severity":2,"lat":48.85,"lon":2.35,"indicators":["45.77.10.20","c2-x.net"]}
            {"id":"c","ts":"2026-11-20T10:10:00Z","type":"login","entity":"host-9"}

            """.write(toFile: feed, atomically: true, encoding: .utf8)
        let engine = try Engine(config([.file(feed)], dir))
        _ = await engine.run()

        // The feed's filter over every stored event, as CSV rows.
        let csv = dir + "/high.csv"
        let filtered = await engine.export(ExportRequest(format: .csv, path: csv, scope: .filtered(try EventFilter(parsing: "sev>=5"))))
        #expect(filtered == .success(ExportReport(path: csv, format: .csv, events: 1, indicators: 0, moreEvents: false, leftOut: 0)))
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 2 && rows[1].hasPrefix("a,2026-11-20T10:00:00Z"))

        // Named events (the correlation pane's) as STIX: one observed-data each with an observable.
        let stix = dir + "/pane.json"
        let named = await engine.export(ExportRequest(format: .stix, path: stix, scope: .events(["c", "b", "never-stored"])))
        #expect(named == .success(ExportReport(path: stix, format: .stix, events: 2, indicators: 0, moreEvents: false, leftOut: 1)))
        let bundle = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stix))) as? [String: Any])
        let types = (bundle["objects"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "observed-data" }.count == 1 && types.contains("domain-name") && types.contains("ipv4-addr"), "\(types)")

        // A drilled cell over a time span, with a limit.
        let cell = try H3.latLngToCell(lat: 51.5, lng: -0.12, res: 5)
        var request = ExportRequest(format: .csv, path: dir + "/cell.csv", scope: .cell(cell, since: try RFC3339.parse("2026-11-20T09:00:00Z"), until: nil, filter: .all))
        request.limit = 0
        let limited = await engine.export(request)
        #expect(limited == .success(ExportReport(path: dir + "/cell.csv", format: .csv, events: 0, indicators: 0, moreEvents: true, leftOut: 0)))

        // Nowhere to write: said, and nothing half-written left behind.
        let blocked = await engine.export(ExportRequest(format: .misp, path: dir + "/no-such-dir/out.json", scope: .filtered(.all)))
        guard case .failure(let problem) = blocked else {
            Issue.record("expected a failure, got \(blocked)")
            return
        }
        #expect(problem.message.contains("no-such-dir/out.json: cannot write"), "\(problem.message)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/no-such-dir"))
    }
}
