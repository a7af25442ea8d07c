import CTASCore
import CTASStore
import Testing
@testable import CTASEngine

/// The console's stored history asked for a source: the store's list of source names answers
/// for a source it has no event from, where the pages would read every stored event.
@Suite struct HistorySourceTests {
    @Test func aSourceNoStoredOneIsIsAnsweredFromTheListOfNames() async throws {
        let dir = scratch()
        let path = dir + "/warm.sqlite"
        let sources = ["suricata", "zeek/dns", "zeek/conn", nil]
        let events = (0..<40).map { n in
            Event(id: "e-\(n)", timestamp: Timestamp(microseconds: (1_795_132_800 + Int64(n)) * 1_000_000), type: "t",
                  severity: Severity(n % 10 + 1), source: sources[n % sources.count])
        }
        let warm = try WarmTier(path: path)
        _ = try warm.commit(Array(events[..<25]), deadLetterSize: nil)
        _ = try warm.commit(Array(events[25...]), deadLetterSize: nil)
        let history = HistoryReader(path: path)
        func page(_ text: String) async throws -> [String] {
            let answer = await history.page(try EventFilter(parsing: text), before: nil, limit: 100)
            #expect(answer.error == nil && answer.next == nil, "\(text)")
            return answer.events.map(\.id)
        }
        for text in ["src:zeek", "src=zeek/dns", "src:SURI sev>=5", "src:nothing", "-src:zeek", "src:zeek src:conn", "src=zeek", "zeek"] {
            let filter = try EventFilter(parsing: text)
            #expect(try await page(text) == events.reversed().filter(filter.matches).map(\.id), "\(text)")
        }
        // The list is what answers: an event whose source the list does not name (changed
        // behind the tier's back) is not found by a source term, though a bare word finds it.
        try warm.database.execute("UPDATE events SET source = 'hidden' WHERE id = 'e-3'")
        #expect(try await page("src:hidden").isEmpty)
        #expect(try await page("hidden") == ["e-3"])
        // A list given up past its limit while the reader is open: the same reader scans.
        try warm.database.execute("DELETE FROM event_sources; INSERT INTO meta(key, value) VALUES ('event_sources_dropped', 1)")
        #expect(try await page("src:hidden") == ["e-3"])
        #expect(try await page("src:nothing").isEmpty)
    }
}
