import CTASCore
import Foundation
import CTASTestSupport
import Testing
@testable import CTASFeeds

func parseLine(_ text: String) -> Result<Event, LineProblem> {
    parseBytes(Array(text.utf8))
}

func parseBytes(_ bytes: [UInt8]) -> Result<Event, LineProblem> {
    bytes.withUnsafeBufferPointer { b in
        do throws(LineProblem) { return .success(try NDJSONEventParser().parse(b)) } catch { return .failure(error) }
    }
}

@Suite struct NDJSONParserTests {
    @Test func parsesEveryField() throws {
        let line = #"{"id":"evt-000001","ts":"2026-11-20T10:15:30.123Z","source":"sensor-eu-1","type":"c2_beacon","severity":7,"lat":48.8566,"lon":2.3522,"entity":"host-42","priority":"high","indicators":["185.220.101.4","evil-cdn[.]com"],"description":"beacon to hxxp://evil-cdn[.]com/a","tags":["tlp:amber"]}"#
        let e = try parseLine(line).get()
        #expect(e.id == "evt-000001")
        #expect(e.timestamp == (try RFC3339.parse("2026-11-20T10:15:30.123Z")))
        #expect(e.source == "sensor-eu-1")
        #expect(e.type == "c2_beacon")
        #expect(e.severity == Severity(7))
        #expect(e.location == GeoPoint(latitude: 48.8566, longitude: 2.3522))
        #expect(e.entity == "host-42")
        #expect(e.priority == .high)
        #expect(e.indicators == ["185.220.101.4", "evil-cdn[.]com"])
        #expect(e.description == "beacon to hxxp://evil-cdn[.]com/a")
        #expect(e.tags == ["tlp:amber"])
    }

    @Test func minimalNullsUnknownKeysAndWhitespace() throws {
        let e = try parseLine(#"  { "type" : "x" , "ts":"2026-11-20T10:15:30Z", "id":"a", "severity":null, "source":null, "lat":null, "lon":null, "indicators":null, "extra":{"deep":[1,2.5e3,true,false,null,"s"]}, "more":[] }  "#).get()
        #expect(e.id == "a" && e.type == "x" && e.severity == nil && e.source == nil && e.location == nil && e.indicators.isEmpty)
    }

    @Test func decodesEscapes() throws {
        let e = try parseLine(#"{"id":"\u0069d\"q","ts":"2026-11-20T10:15:30Z","type":"t","description":"tab\tnl\n\u00e9\ud83d\ude00\/slash\\","\u0065ntity":"h"}"#).get()
        #expect(e.id == "id\"q")
        #expect(e.description == "tab\tnl\né😀/slash\\")
        #expect(e.entity == "h", "an escaped key still names its field")
    }

    /// Every malformed kind the issue lists, each rejected with a code, the field and what
    /// was expected.
    @Test(arguments: [
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","sever"#, "truncated_json", nil, "expected the rest"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t""#, "truncated_json", nil, "expected"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","#, "truncated_json", nil, "expected"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","severity":"high"}"#, "wrong_type", "severity", "expected an integer 1–10, found a string"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","severity":7.5}"#, "wrong_type", "severity", "expected an integer 1–10"),
        (#"{"id":7,"ts":"2026-11-20T10:15:30Z","type":"t"}"#, "wrong_type", "id", "found a number"),
        (#"{"id":"a","ts":1795133730,"type":"t"}"#, "wrong_type", "ts", "RFC 3339"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":["t"]}"#, "wrong_type", "type", "found an array"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","lat":"48.8","lon":2}"#, "wrong_type", "lat", "expected a number"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","indicators":"1.2.3.4"}"#, "wrong_type", "indicators", "array of strings"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","indicators":["ok",5]}"#, "wrong_type", "indicators", "[1]: expected a string"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","priority":9}"#, "out_of_range", "priority", "or 1–5"),
        (#"{"ts":"2026-11-20T10:15:30Z","type":"t"}"#, "missing_field", "id", "\"id\" is missing"),
        (#"{"id":"a","type":"t"}"#, "missing_field", "ts", "\"ts\" is missing"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z"}"#, "missing_field", "type", "\"type\" is missing"),
        (#"{"id":null,"ts":"2026-11-20T10:15:30Z","type":"t"}"#, "missing_field", "id", "is null"),
        (#"{"id":"","ts":"2026-11-20T10:15:30Z","type":"t"}"#, "empty_field", "id", "non-empty"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","severity":0}"#, "out_of_range", "severity", "1–10"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","severity":11}"#, "out_of_range", "severity", "1–10"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","severity":-3}"#, "out_of_range", "severity", "1–10"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","lat":90.5,"lon":0}"#, "out_of_range", "lat", "−90…90"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","lat":0,"lon":-180.01}"#, "out_of_range", "lon", "−180…180"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","lat":1e400,"lon":0}"#, "out_of_range", "lat", "−90…90"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","lat":10}"#, "missing_field", "lon", "both or neither"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","lon":10}"#, "missing_field", "lat", "both or neither"),
        (#"{"id":"a","ts":"2026-13-45T25:61:00Z","type":"t"}"#, "bad_timestamp", "ts", "month 13"),
        (#"{"id":"a","ts":"yesterday","type":"t"}"#, "bad_timestamp", "ts", "RFC 3339"),
        (#"{"id":"a","ts":"2026-02-30T00:00:00Z","type":"t"}"#, "bad_timestamp", "ts", "day 30"),
        (#"{"id":"a","id":"b","ts":"2026-11-20T10:15:30Z","type":"t"}"#, "duplicate_key", "id", "appears twice"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t"} trailing"#, "invalid_json", nil, "after the JSON object"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t",}"#, "invalid_json", nil, "expected a string"),
        (#"[{"id":"a"}]"#, "invalid_json", nil, "JSON object"),
        (#"<html>502</html>"#, "invalid_json", nil, "JSON object"),
        (#"{"id":'a',"ts":"2026-11-20T10:15:30Z","type":"t"}"#, "wrong_type", "id", "invalid JSON"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":01}"#, "invalid_json", nil, "leading zero"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":tru}"#, "invalid_json", nil, "literal true"),
        (#"{"id":"a\q","ts":"2026-11-20T10:15:30Z","type":"t"}"#, "invalid_json", nil, "unknown escape"),
        (#"{"id":"a\ud800","ts":"2026-11-20T10:15:30Z","type":"t"}"#, "invalid_json", nil, "surrogate"),
        (#"{"id":"a\u12","ts":"2026-11-20T10:15:30Z","type":"t"}"#, "invalid_json", nil, "four hex digits"),
    ] as [(String, String, String?, String)])
    func rejects(line: String, code: String, field: String?, expected: String) {
        switch parseLine(line) {
        case .success(let e): Issue.record("accepted: \(e)")
        case .failure(let p):
            #expect(p.code == code, "\(line) → \(p.code): \(p.message)")
            #expect(p.field == field, "\(line) → field \(p.field ?? "nil")")
            #expect(p.message.contains(expected), "\(line) → \(p.message)")
        }
    }

    @Test func rejectsBytesThatAreNotText() {
        let prefix = Array(#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","description":""#.utf8)
        let suffix = Array(#""}"#.utf8)
        for (bad, code) in [([0x00], "nul_byte"), ([0xC3, 0x28], "invalid_utf8"), ([0xFF], "invalid_utf8"), ([0xED, 0xA0, 0x80], "invalid_utf8"),
                            ([0xC0, 0xAF], "invalid_utf8"), ([0xF4, 0x90, 0x80, 0x80], "invalid_utf8"), ([0xE2, 0x82], "invalid_utf8")] as [([UInt8], String)] {
            if case .failure(let p) = parseBytes(prefix + bad + suffix) {
                #expect(p.code == code)
                #expect(p.message.contains("at byte \(prefix.count + 1)"))
            } else {
                Issue.record("accepted \(bad)")
            }
        }
        // A raw control character inside a string is not JSON.
        if case .failure(let p) = parseBytes(prefix + [0x1B] + suffix) { #expect(p.code == "invalid_json") } else { Issue.record("accepted ESC") }
    }

    @Test func hostileNestingIsBounded() {
        let deep = #"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":"# + String(repeating: "[", count: 100_000)
        if case .failure(let p) = parseLine(deep) { #expect(p.code == "too_deep") } else { Issue.record("accepted") }
    }

    @Test func fieldLimits() {
        let long = String(repeating: "a", count: EventLimits.idBytes + 1)
        if case .failure(let p) = parseLine(#"{"id":"\#(long)","ts":"2026-11-20T10:15:30Z","type":"t"}"#) {
            #expect(p.code == "too_long" && p.field == "id")
        } else { Issue.record("accepted") }
        let many = (0...EventLimits.indicatorCount).map { "\"i\($0)\"" }.joined(separator: ",")
        if case .failure(let p) = parseLine(#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","indicators":[\#(many)]}"#) {
            #expect(p.code == "too_long" && p.field == "indicators")
        } else { Issue.record("accepted") }
    }

    @Test func numbersAreExact() throws {
        for text in ["48.8566", "-33.8688", "0", "-0.0", "89.99999999999999", "1.5e1", "2.2250738585072014e-308", "12.345678901234567"] {
            let e = try parseLine(#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","lat":\#(text),"lon":\#(text)}"#).get()
            #expect(e.location?.latitude == Double(text), "\(text)")
        }
    }

    @Test func writerRoundTrips() throws {
        let e = Event(id: "a\"b\\c\u{1}", timestamp: Timestamp(microseconds: 1_795_133_730_123_456), type: "t\n", severity: Severity(3),
                      source: "s", location: GeoPoint(latitude: -12.5, longitude: 179.999999), entity: "ü",
                      priority: .critical, indicators: ["x", "\u{7F}"], description: "\u{1B}[2J", tags: ["a", "b"])
        let line = NDJSONEventWriter.line(e)
        #expect(line.hasSuffix("}\n"))
        #expect(try parseLine(String(line.dropLast())).get() == e)
    }
}

/// Our parser against Foundation's JSONSerialization on a large generated corpus: the same
/// events, field by field.
@Suite struct FoundationAgreementTests {
    @Test func agreeOnAGeneratedCorpus() async throws {
        try await onOwnThread { try Self.checkCorpus() }
    }

    static func checkCorpus() throws {
        var options = FeedGenerator.Options()
        options.seed = 99
        var generator = FeedGenerator(options: options)
        var checked = 0
        for i in 0..<30_000 {
            var event = generator.nextEvent()
            if i % 7 == 0 { event.description = "ünï \u{1} \" \\ \t 😀 \(i)" }
            if i % 5 == 0 {   // full-precision coordinates, the hard case for number parsing
                event.location = GeoPoint(latitude: Double.random(in: -90...90), longitude: Double.random(in: -180...180))
            }
            let line = NDJSONEventWriter.line(event).dropLast()
            let ours = try parseLine(String(line)).get()
            #expect(ours == event)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(ours.id == object["id"] as? String)
            #expect(ours.type == object["type"] as? String)
            #expect(ours.source == object["source"] as? String)
            #expect(ours.entity == object["entity"] as? String)
            #expect(ours.description == object["description"] as? String)
            #expect(ours.indicators == (object["indicators"] as? [String] ?? []))
            #expect(ours.tags == (object["tags"] as? [String] ?? []))
            #expect(ours.severity.map { Int($0.value) } == (object["severity"] as? NSNumber)?.intValue)
            // Coordinates: CTAS gives back exactly the Double that was written (the writer prints
            // the shortest round-trip form). Foundation's JSONSerialization on Linux is off by one
            // few ulps for some 17-digit decimals, so it is held to a relative 1e-15.
            #expect(ours.location == event.location)
            if let point = ours.location {
                #expect(close(point.latitude, (object["lat"] as? NSNumber)?.doubleValue))
                #expect(close(point.longitude, (object["lon"] as? NSNumber)?.doubleValue))
            } else {
                #expect(object["lat"] == nil && object["lon"] == nil)
            }
            // Foundation's ISO 8601 parser keeps milliseconds only: it does the calendar and
            // offset arithmetic on the whole seconds, and the fraction is compared exactly.
            let ts = try #require(object["ts"] as? String)
            var whole = ts
            var fraction = 0.0
            if let dot = ts.firstIndex(of: "."), let end = ts[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
                fraction = Double("0" + ts[dot..<end]) ?? .nan
                whole = String(ts[..<dot] + ts[end...])
            }
            let foundationDate = try #require(iso(whole), "Foundation rejected \(whole)")
            #expect(abs(ours.timestamp.seconds - (foundationDate.timeIntervalSince1970 + fraction)) < 1e-6, "\(ts)")
            checked += 1
        }
        #expect(checked == 30_000)
    }

    /// Lines that are not JSON: Foundation and CTAS both refuse them. The one difference is
    /// a trailing comma, which Foundation tolerates and CTAS (strict RFC 8259) rejects.
    @Test func agreeOnInvalidJSON() {
        let bad = [#"{"id":"a","#, #"{"id":"a" "ts":"x"}"#, #"{"id":"a\x"}"#, #"{"id":01}"#, #"{'id':'a'}"#,
                   #"{"id":"\ud800"}"#, "{\"id\":\"a\u{1}\"}", #"{"id":tru}"#, #"{"id":"a"}}"#]
        for line in bad {
            if case .success = parseLine(line) { Issue.record("CTAS accepted \(line)") }
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) == nil, "Foundation accepted \(line)")
        }
        let trailingComma = #"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t",}"#
        #expect((try? JSONSerialization.jsonObject(with: Data(trailingComma.utf8))) != nil, "Foundation's known leniency")
        if case .success = parseLine(trailingComma) { Issue.record("CTAS accepted a trailing comma") }
    }

    static func close(_ a: Double, _ b: Double?) -> Bool {
        guard let b else { return false }
        return abs(a - b) <= 1e-15 * max(abs(a), 1)
    }

    static func iso(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = s.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f.date(from: s)
    }
}

/// Unknown keys get the same RFC 8259 checks as known ones (issue 19, item 5): these were
/// accepted before.
@Suite struct StrictJSONTests {
    @Test(arguments: [
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","s\everity":2}"#, "invalid_json", "unknown escape"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":"a\eb"}"#, "invalid_json", "unknown escape"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":"\u12"}"#, "invalid_json", "four hex digits"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":1,"x":2}"#, "duplicate_key", "appears twice"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":1,"\u0078":2}"#, "duplicate_key", "appears twice"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":{"k":1,"k":2}}"#, "duplicate_key", "appears twice"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","severity":0x5}"#, "invalid_json", "after the number 0"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":12abc}"#, "invalid_json", "after the number 12"),
        (#"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","x":[1-2]}"#, "invalid_json", "after the number 1"),
    ])
    func refusedWithTheRightReason(line: String, code: String, words: String) {
        guard case .failure(let problem) = parseLine(line) else {
            Issue.record("accepted: \(line)")
            return
        }
        #expect(problem.code == code, "\(line): \(problem.code) \(problem.message)")
        #expect(problem.message.contains(words), "\(line): \(problem.message)")
    }

    @Test func manyDistinctUnknownKeysAndValidEscapesStillPass() throws {
        var fields = (0..<40).map { #""k\#($0)":"v\n\u00e9\/""# }
        fields += [#""id":"a""#, #""ts":"2026-11-20T10:15:30Z""#, #""type":"t""#, #""n":[-0.5e-3,0,1E+2]"#]
        let e = try parseLine("{" + fields.joined(separator: ",") + "}").get()
        #expect(e.id == "a")
    }
}
