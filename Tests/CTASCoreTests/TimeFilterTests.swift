@testable import CTASCore
import H3
import Testing

/// The feed filter's time terms (what the timeline's selection sets) and the geo index's
/// answer for a span of time.
@Suite struct TimeFilterTests {
    func event(_ seconds: Int64, type: String = "scan") -> Event {
        Event(id: "e\(seconds)", timestamp: Timestamp(microseconds: 1_795_000_000_000_000 + seconds * 1_000_000), type: type)
    }

    @Test func timeTermsCompareEventTime() throws {
        let filter = try EventFilter(parsing: "time>=2026-11-18T10:40Z time<2026-11-18T10:41:00Z")
        let base = try RFC3339.parse("2026-11-18T10:40:00Z").microseconds
        let at = { (s: Int64) in Event(id: "x", timestamp: Timestamp(microseconds: base + s * 1_000_000), type: "scan") }
        #expect(filter.matches(at(0)) && filter.matches(at(59)))
        #expect(!filter.matches(at(-1)) && !filter.matches(at(60)))
        #expect(try EventFilter(parsing: "time>2026-11-18T10:40Z").matches(at(1)) && !(try EventFilter(parsing: "time>2026-11-18T10:40Z").matches(at(0))))
        #expect(try EventFilter(parsing: "time<=2026-11-18").matches(Event(id: "d", timestamp: try RFC3339.parse("2026-11-18T00:00:00Z"), type: "t")))
        #expect(try EventFilter(parsing: "-time<2026-11-18T10:40Z").matches(at(5)))
        // Relative times would count from the wall clock, not the replay's: refused, as are non-times.
        for bad in ["time>=2h", "time<yesterday", "time>=", "time=\u{1b}[2J", "time>=2026-13-01"] {
            #expect(throws: FilterError.self, "\(bad)") { try EventFilter(parsing: bad) }
        }
        // A word that only starts with "time" is still a word.
        #expect(try EventFilter(parsing: "timeout").terms == [.anywhere("timeout")])
    }

    @Test func limitingToARangeReplacesOnlyTheTimeTerms() throws {
        let range = try #require(TimeRange(from: try RFC3339.parse("2026-11-18T10:00:00Z"), until: try RFC3339.parse("2026-11-18T11:00:00Z")))
        let start = try EventFilter(parsing: "sev>=7 \"two words\" -time<2026-01-01 type:c2")
        let limited = try start.limited(to: range)
        #expect(limited.text == "sev>=7 \"two words\" type:c2 time>=2026-11-18T10:00:00Z time<2026-11-18T11:00:00Z")
        let other = try #require(TimeRange(from: try RFC3339.parse("2026-11-18T12:00:00Z"), until: try RFC3339.parse("2026-11-18T12:05:00Z")))
        #expect(try limited.limited(to: other).text == "sev>=7 \"two words\" type:c2 time>=2026-11-18T12:00:00Z time<2026-11-18T12:05:00Z")
        #expect(try limited.limited(to: nil).text == "sev>=7 \"two words\" type:c2")
        #expect(try EventFilter.all.limited(to: range).text == range.filterText)
        #expect(TimeRange(from: range.until, until: range.from) == nil)
    }

    /// The index folds its cells up by bit operations: the same parents `H3.cellToParent`
    /// gives, at every coarser resolution, pentagons included.
    @Test func theGeoIndexsParentsAreH3s() throws {
        var cells: [H3Index] = []
        var seed: UInt64 = 99
        func next() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53)
        }
        for _ in 0..<500 {
            cells.append(try H3.latLngToCell(lat: next() * 180 - 90, lng: next() * 360 - 180, res: GeoIndex.baseResolution))
        }
        // The pentagons at the base resolution.
        cells += try H3.getPentagons(res: GeoIndex.baseResolution)
        #expect(cells.count == 512)
        for cell in cells {
            for res in 0...GeoIndex.baseResolution {
                #expect(GeoIndex.parent(cell, at: res) == (try H3.cellToParent(cell, res: res)), "\(cell) at \(res)")
            }
        }
    }

    @Test func theGeoIndexAnswersARangeFromItsMinutesOrSaysItCannot() throws {
        var index = GeoIndex()
        let cell = try H3.latLngToCell(lat: 48.86, lng: 2.35, res: 9)
        let base: Int64 = 1_795_000_020 * 1_000_000 - (1_795_000_020 * 1_000_000) % 60_000_000
        for minute in 0..<120 {
            for k in 0..<(minute % 5 + 1) {
                index.add(cell: cell, time: Timestamp(microseconds: base + Int64(minute) * 60_000_000 + Int64(k) * 1_000_000), severity: 5)
            }
        }
        let from = Timestamp(microseconds: base + 30 * 60_000_000), until = Timestamp(microseconds: base + 45 * 60_000_000)
        let range = try #require(TimeRange(from: from, until: until))
        let expected = (30..<45).reduce(0) { $0 + $1 % 5 + 1 }
        let answer = try #require(index.tallies(resolution: 5, range: range))
        #expect(answer[try H3.cellToParent(cell, res: 5)]?.count == expected)
        #expect(answer.count == 1)
        // Not on a whole minute, or older than the kept day: the warm tier must answer.
        #expect(index.tallies(resolution: 5, range: try #require(TimeRange(from: from.shifted(byMicroseconds: 1), until: until))) == nil)
        let old = try #require(TimeRange(from: Timestamp(microseconds: base - 2 * 86_400_000_000), until: until))
        #expect(index.tallies(resolution: 5, range: old) == nil)
    }
}

/// A filter's source terms against a store's list of source names: false only when no event
/// from one of those sources could match (what lets the console skip reading them).
@Suite struct FilterSourceNamesTests {
    /// Whether `filter` could match an event with `e`'s value of `field`: only the terms on
    /// that field are asked of it, the other terms hold for some event.
    static func couldMatch(_ filter: EventFilter, _ field: EventFilter.Field, _ e: Event) -> Bool {
        filter.terms.allSatisfy { term in
            switch term {
            case .field(field, _), .fieldEquals(field, _): EventFilter(terms: [term], text: "").matches(e)
            default: true
            }
        }
    }

    @Test func canMatchAgreesWithMatchingAnEventFromEachSource() throws {
        let names = ["suricata", "zeek/dns", "zeek/conn", "Sensör-Ü", "edge/"]
        let filters = ["src:zeek", "src=zeek/dns", "src=ZEEK", "src:ü", "src:sensör", "src:nothing", "-src:zeek", "src:zeek src:suricata",
                       "src:zeek src:dns", "source=edge/", "zeek", "sev>=7", "", "src:zeek sev>=7", "-src:nothing src:x", "src:/"]
        for text in filters {
            let filter = try EventFilter(parsing: text)
            let fromOne = names.contains { name in
                Self.couldMatch(filter, .source, Event(id: "e", timestamp: Timestamp(microseconds: 0), type: "t", source: name))
            }
            #expect(filter.canMatch(sourcesNamed: names) == fromOne, "\(text)")
            let positiveSourceTerm = text.split(separator: " ").contains { $0.hasPrefix("src") || $0.hasPrefix("source") }
            #expect(filter.constrainsSource == positiveSourceTerm, "\(text)")
        }
        #expect(!(try EventFilter(parsing: "src:x")).canMatch(sourcesNamed: []))
        #expect((try EventFilter(parsing: "x")).canMatch(sourcesNamed: []))
    }
}

/// A filter's type terms against a store's list of types, as for sources.
@Suite struct FilterTypeNamesTests {
    @Test func canMatchAgreesWithMatchingAnEventOfEachType() throws {
        let names = ["alert", "dns", "ssl_invalid_server_cert", "Port_Scan", "tÿpe"]
        let filters = ["type:dns", "type=dns", "type=DNS", "type:scan", "type:ÿ", "type:nothing", "-type:dns", "type:dns type:alert",
                       "type:ssl type:cert", "type=port_scan", "dns", "sev>=7", "", "type:dns sev>=7", "-type:nothing type:x", "src:dns"]
        for text in filters {
            let filter = try EventFilter(parsing: text)
            let ofOne = names.contains { name in
                FilterSourceNamesTests.couldMatch(filter, .type, Event(id: "e", timestamp: Timestamp(microseconds: 0), type: name, source: "s"))
            }
            #expect(filter.canMatch(typesNamed: names) == ofOne, "\(text)")
            let positiveTypeTerm = text.split(separator: " ").contains { $0.hasPrefix("type") }
            #expect(filter.constrainsType == positiveTypeTerm, "\(text)")
        }
        #expect(!(try EventFilter(parsing: "type:x")).canMatch(typesNamed: []))
        #expect((try EventFilter(parsing: "x")).canMatch(typesNamed: []))
    }
}
