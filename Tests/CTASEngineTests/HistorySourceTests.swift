import CTASCore
import CTASStore
import Testing
@testable import CTASEngine

/// The console's stored history asked for a source or a type: the store's lists of source
/// names and types answer for one it has no event of, where the pages would read every
/// stored event.
@Suite struct HistorySourceTests {
    /// `events` stored in two commits, and the history reader over them.
    static func stored(_ events: [Event]) throws -> (WarmTier, HistoryReader) {
        let path = scratch() + "/warm.sqlite"
        let warm = try WarmTier(path: path)
        _ = try warm.commit(Array(events[..<25]), deadLetterSize: nil)
        _ = try warm.commit(Array(events[25...]), deadLetterSize: nil)
        return (warm, HistoryReader(path: path))
    }

    /// The ids of the first page a filter finds (the whole of it, in these small stores).
    static func page(_ history: HistoryReader, _ text: String) async throws -> [String] {
        let answer = await history.page(try EventFilter(parsing: text), before: nil, limit: 100)
        #expect(answer.error == nil && answer.next == nil, "\(text)")
        return answer.events.map(\.id)
    }

    /// Each filter's page against the filter applied to every event; then an event changed
    /// behind the tier's back (its value `hidden`, which the list does not name) is found by
    /// a bare word but not by a `term` term, until the list is given up (`dropped`, as past
    /// its limit while the reader is open) and the same reader scans.
    static func check(_ events: [Event], filters: [String], term: String, column: String, dropped: String) async throws {
        let (warm, history) = try stored(events)
        for text in filters {
            let filter = try EventFilter(parsing: text)
            #expect(try await page(history, text) == events.reversed().filter(filter.matches).map(\.id), "\(text)")
        }
        try warm.database.execute("UPDATE events SET \(column) = 'hidden' WHERE id = 'e-3'")
        #expect(try await page(history, term + ":hidden").isEmpty)
        #expect(try await page(history, "hidden") == ["e-3"])
        try warm.database.execute(dropped)
        #expect(try await page(history, term + ":hidden") == ["e-3"])
        #expect(try await page(history, term + ":nothing").isEmpty)
    }

    static func events(sources: [String?] = ["s"], types: [String] = ["t"]) -> [Event] {
        (0..<40).map { n in
            Event(id: "e-\(n)", timestamp: Timestamp(microseconds: (1_795_132_800 + Int64(n)) * 1_000_000), type: types[n % types.count],
                  severity: Severity(n % 10 + 1), source: sources[n % sources.count])
        }
    }

    @Test func aSourceNoStoredOneIsIsAnsweredFromTheListOfNames() async throws {
        try await Self.check(Self.events(sources: ["suricata", "zeek/dns", "zeek/conn", nil]),
                             filters: ["src:zeek", "src=zeek/dns", "src:SURI sev>=5", "src:nothing", "-src:zeek", "src:zeek src:conn", "src=zeek", "zeek"],
                             term: "src", column: "source",
                             dropped: "DELETE FROM event_sources; INSERT INTO meta(key, value) VALUES ('event_sources_dropped', 1)")
    }

    @Test func aTypeNoStoredEventHasIsAnsweredFromTheListOfTypes() async throws {
        try await Self.check(Self.events(types: ["alert", "dns", "ssl_invalid_server_cert", "Port_Scan"]),
                             filters: ["type:dns", "type=port_scan", "type:cert sev>=5", "type:nothing", "-type:dns", "type:ssl type:cert", "type=ssl", "dns"],
                             term: "type", column: "type",
                             dropped: "DELETE FROM event_types; INSERT INTO meta(key, value) VALUES ('event_types_dropped', 1)")
    }
}
