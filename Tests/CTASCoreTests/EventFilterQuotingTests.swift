import CTASCore
import Testing

/// Quotes keep spaces in a value: alone (matched anywhere), after a field (that field's
/// value: `desc:"ET SCAN"`, as an analyst types a signature), and negated.
@Suite struct EventFilterQuotingTests {
    @Test func quotedValuesBelongToTheirFieldOrStandAlone() throws {
        #expect(try EventFilter(parsing: #"desc:"ET CHAT""#).terms == [.field(.description, "et chat")])
        #expect(try EventFilter(parsing: #"-desc:"ET CHAT" sev>=3"#).terms == [.not(.field(.description, "et chat")), .severity(.ge, 3)])
        #expect(try EventFilter(parsing: #"entity="web 01""#).terms == [.fieldEquals(.entity, "web 01")])
        #expect(try EventFilter(parsing: #""two words""#).terms == [.anywhere("two words")])
        #expect(try EventFilter(parsing: #"-"two words" !"three more words""#).terms == [.not(.anywhere("two words")), .not(.anywhere("three more words"))])
        #expect(throws: FilterError.self) { try EventFilter(parsing: #"desc:"ET CHAT"#) }
        #expect(throws: FilterError.self) { try EventFilter(parsing: #"nofield:"a b""#) }
    }

    @Test func aQuotedFieldValueMatchesThatFieldOnly() throws {
        let chat = Event(id: "e1", timestamp: Timestamp(microseconds: 0), type: "misc_activity", entity: "web 01",
                         description: "ET CHAT IRC JOIN command")
        #expect(try EventFilter(parsing: #"desc:"ET CHAT""#).matches(chat))
        #expect(try !EventFilter(parsing: #"desc:"CHAT ET""#).matches(chat))
        #expect(try !EventFilter(parsing: #"type:"ET CHAT""#).matches(chat))
        #expect(try EventFilter(parsing: #"entity="WEB 01""#).matches(chat))
        #expect(try !EventFilter(parsing: #"-desc:"irc join""#).matches(chat))
    }

    @Test func limitingToATimeRangeKeepsQuotedWordsAsWritten() throws {
        let filter = try EventFilter(parsing: #"desc:"ET CHAT" -"lab net" time>=2026-01-01 time<2026-01-02"#)
        let range = try #require(TimeRange(from: try RFC3339.parse("2026-11-18T10:00:00Z"), until: try RFC3339.parse("2026-11-18T11:00:00Z")))
        let limited = try filter.limited(to: range)
        #expect(limited.text == #"desc:"ET CHAT" -"lab net" "# + range.filterText)
        #expect(Array(limited.terms.prefix(2)) == [.field(.description, "et chat"), .not(.anywhere("lab net"))])
    }
}
