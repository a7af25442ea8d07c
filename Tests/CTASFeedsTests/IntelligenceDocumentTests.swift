import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASFeeds

@Suite struct IntelligenceDocumentTests {
    private func recognize(_ text: String) -> IntelligenceDocument? {
        Array(text.utf8).withUnsafeBufferPointer { IntelligenceDocument.recognize($0) }
    }

    @Test func mispAndSTIXAreToldByTheirTopLevelKeys() {
        #expect(recognize(#"{"Event": {"info": "x", "Attribute": []}}"#) == .mispEvent)
        #expect(recognize("{\n\t\"response\": [{\"Event\": {}}]\n}") == .mispResponse)
        #expect(recognize(#"{"id": "bundle--1", "objects": [], "type": "bundle"}"#) == .stixBundle)
        #expect(recognize(#"{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982"}"#) == .stixBundle)
        #expect(recognize(#"{"type": "campaign", "spec_version": "2.1", "id": "campaign--8e2e2d2b"}"#) == .stixObject)
        #expect(recognize("\u{FEFF}  {\"Event\":{}}") == .mispEvent, "after a byte-order mark")
        let manifest = #"{"5f1e2c3a-0b4d-4e6f-8a9b-0c1d2e3f4a5b": {"info": "x", "timestamp": "1"}, "6A1E2C3A-0B4D-4E6F-8A9B-0C1D2E3F4A5B": {"info": "y"}}"#
        #expect(recognize(manifest) == .mispManifest)
        #expect(recognize(#"{"5f1e2c3a-0b4d-4e6f-8a9b-0c1d2e3f4a5b": {}, "id": "x"}"#) == nil, "every key a UUID")
        #expect(recognize(#"{"5f1e2c3a-0b4d-4e6f-8a9b-0c1d2e3f4a5": {}}"#) == nil)
        #expect(recognize(#"{"type": "indicator", "spec_version": "2.1", "id": "indicator--x", "pattern": "[ipv4-addr:value = '1.2.3.4']"}"#) == .stixObject)
    }

    /// A MISP feed's `hashes.csv`: an attribute value's MD5, a comma, its event's UUID.
    @Test func aMISPFeedsHashListIsToldByItsFirstLine() {
        let line = "b1946ac92492d2347c6235b4d2611184,5f1e2c3a-0b4d-4e6f-8a9b-0c1d2e3f4a5b"
        #expect(recognize(line) == .mispHashes)
        #expect(recognize(line + "\n" + line + "\n") == .mispHashes)
        #expect(recognize(line.uppercased() + "\r\n") == .mispHashes)
        #expect(recognize("b1946ac92492d2347c6235b4d261118,5f1e2c3a-0b4d-4e6f-8a9b-0c1d2e3f4a5b") == nil, "31 hex digits")
        #expect(recognize("b1946ac92492d2347c6235b4d261118g,5f1e2c3a-0b4d-4e6f-8a9b-0c1d2e3f4a5b") == nil)
        #expect(recognize(line + ",x") == nil, "a third column")
        #expect(recognize("b1946ac92492d2347c6235b4d2611184;5f1e2c3a-0b4d-4e6f-8a9b-0c1d2e3f4a5b") == nil)
        #expect(recognize("id,ts,type,severity,source,lat,lon,entity,priority,indicators,description,tags") == nil, "a native CSV header")
        #expect(IntelligenceDocument.mispHashes.advice == "import the feed's directory with `ctas intel import`")
    }

    /// Feeds stay feeds: native events (which have a `type`), EVE, Zeek JSON; keys only count at
    /// the top level.
    @Test func feedsAreNotIntelligence() {
        #expect(recognize(#"{"id":"e1","ts":"2026-11-20T10:00:00Z","type":"bundle","source":"s"}"#) == nil)
        #expect(recognize(eveAlert) == nil)
        #expect(recognize(#"{"ts":1,"uid":"C1","id.orig_h":"10.0.0.1","_path":"conn"}"#) == nil)
        #expect(recognize(#"{"id":"e2","type":"bundle","objects_seen":1,"spec_version":"2.1"}"#) == nil)
        #expect(recognize(#"{"details": {"Event": 1, "response": 2, "type": "bundle", "objects": []}}"#) == nil)
        #expect(recognize(#"[{"Event": {}}]"#) == nil, "an array is framed into its elements first")
        #expect(recognize("#fields\tts\tuid") == nil)
        #expect(recognize("") == nil)
    }

    /// The first 4 KiB of a large document (an over-long record's prefix) are enough, even when
    /// the key's value is cut off.
    @Test func aCutOffDocumentIsStillRecognized() {
        let attributes = (0..<2000).map { #"{"type":"ip-dst","value":"198.51.100.\#($0 % 250)"}"# }.joined(separator: ",")
        let big = #"{"response": [{"Event": {"info": "big", "Attribute": ["# + attributes + "]}}]}"
        #expect(recognize(String(big.prefix(4096))) == .mispResponse)
        let bundle = #"{"type": "bundle", "objects": [{"type": "indicator", "pattern": ""# + String(repeating: "x", count: 10_000)
        #expect(recognize(String(bundle.prefix(4096))) == .stixBundle)
    }

    /// Hostile prefixes end the scan without trapping: unterminated strings and escapes, deep
    /// nesting, random bytes.
    @Test func hostileBytesAreNoIntelligenceAndNoTrap() {
        #expect(recognize(#"{"Event"#) == nil)
        #expect(recognize(#"{"a\"#) == nil)
        #expect(recognize("{\"a\":" + String(repeating: "[", count: 100_000)) == nil)
        #expect(recognize(#"{"a": "\"#) == nil)
        var random = TestRandom(seed: 11)
        for _ in 0..<2000 {
            let bytes = (0..<Int(random.below(200))).map { _ in UInt8(truncatingIfNeeded: random.below(256)) }
            _ = bytes.withUnsafeBufferPointer { IntelligenceDocument.recognize($0) }
            let text = "{" + String(decoding: bytes, as: UTF8.self)
            _ = recognize(text)
        }
    }

    /// A decoder given intelligence throws before reading a record, whatever format it was
    /// told, and names the source.
    @Test func aDecoderRefusesIntelligenceAndNamesIt() throws {
        for format in [FeedFormat.auto, .eve, .ndjson] {
            #expect(throws: FeedError.intelligence(source: "misp.json", document: .mispEvent)) {
                try decodeAll("{\n  \"Event\": {\n    \"info\": \"x\"\n  }\n}\n", format: format, name: "misp.json")
            }
        }
        let error = FeedError.intelligence(source: "b.json", document: .stixBundle)
        #expect(error.description == "b.json: is a STIX 2.1 bundle, not a feed of events; import it with `ctas intel import`")
        // Further records of a feed may hold such keys: only the first record is looked at.
        let text = eveAlert + "\n" + #"{"Event": {"info": "x"}}"# + "\n"
        let out = try decodeAll(text)
        #expect(out.events.count == 1 && out.rejects.count == 1)
    }

    /// Every MISP event and STIX document of the shared CTI samples is told as such.
    @Test(.enabled(if: SharedData.has("cti/eset-malware-ioc") && SharedData.has("cti/stix2-oasis-examples")))
    func theSharedIntelligenceSamplesAreAllRecognized() throws {
        let root = try #require(SharedData.path("cti"))
        var seen = 0
        for sub in ["eset-malware-ioc", "stix2-oasis-examples"] {
            for path in try FileManager.default.subpathsOfDirectory(atPath: root + "/" + sub) where path.hasSuffix(".json") {
                let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + sub + "/" + path)).prefix(4096)
                let kind = Array(data).withUnsafeBufferPointer { IntelligenceDocument.recognize($0) }
                #expect(kind != nil, "\(sub)/\(path)")
                if sub == "eset-malware-ioc" { #expect(kind == .mispEvent || kind == .mispResponse, "\(path)") }
                seen += 1
            }
        }
        #expect(seen >= 10)
    }
}
