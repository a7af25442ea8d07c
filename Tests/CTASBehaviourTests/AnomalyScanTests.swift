import CTASCore
import CTASStore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASBehaviour

/// `ctas anomalies` reads only the columns the detector needs (`WarmReader.scanBehaviour`) and
/// remembers indicator kinds: its report must be the one made from whole stored events.
@Suite struct AnomalyScanTests {
    /// Planted activity with attributes that make firsts: countries, AS numbers, indicator
    /// lists of every kind (repeated, defanged, with JSON escapes, empty, non-ASCII), events
    /// without an entity, and ties in time.
    static func events() -> [Event] {
        let activity = PlantedActivity(entities: 30, days: 24, bursts: 6, silences: 2, seed: 99)
        var rng = TestRandom(seed: 5)
        let lists: [[String]] = [
            [], ["10.1.2.3"], ["evil[.]example.com", "10.1.2.3"], ["hxxps://bad.example/x?q=\"1\""],
            ["d41d8cd98f00b204e9800998ecf8427e"], ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "a@b.example"],
            ["plain words", "  "], ["2001:db8::1"], ["CVE-2024-3094"], ["tab\there\\", "ünïcode.example"],
            ["10.1.2.3", "10.1.2.3", "evil[.]example.com"],
        ]
        var out: [Event] = []
        for (i, e) in activity.events.enumerated() {
            let pick = Int(rng.next() % 40)
            var details: Event.Details?
            if pick < 10 {
                details = Event.Details(country: ["US", "DE", "KP", "BR"][pick % 4], asn: pick < 5 ? UInt32(64_500 + pick) : nil)
            }
            let indicators = pick < lists.count * 3 ? lists[pick % lists.count] : []
            let entity = pick == 39 ? nil : (pick == 38 ? "" : e.entity)
            out.append(Event(id: "e\(i)", timestamp: e.timestamp, type: pick == 37 ? "rare-\(i % 50)" : e.type,
                             entity: entity, indicators: indicators, details: details))
        }
        return out
    }

    @Test(arguments: [false, true])
    func theColumnScanReportsWhatWholeEventsReport(since: Bool) throws {
        let dir = Scratch.directory("anomaly-scan")
        let events = Self.events()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        for start in stride(from: 0, to: events.count, by: 5_000) {
            _ = try warm.commit(Array(events[start..<min(start + 5_000, events.count)]), deadLetterSize: nil)
        }
        var options = AnomalyOptions()
        if since, let first = events.map(\.timestamp).min() {
            options.since = first.shifted(byMicroseconds: 17 * 86_400_000_000)
        }
        let history: Duration = .seconds(10 * 86_400)
        let scanned = try AnomalyDetector.scan(warmDatabase: dir + "/warm.sqlite", options: options, history: history)
        // The reference: every stored event made whole, as the scan used to read them.
        var query = EventQuery()
        query.since = options.since.map { $0 - history }
        query.limit = Int.max
        var detector = AnomalyDetector(options: options)
        try WarmReader(path: dir + "/warm.sqlite").forEachEvent(query) { detector.observe($0) }
        let whole = detector.finish()
        #expect(scanned.events == whole.events && scanned.eventsWithoutEntity == whole.eventsWithoutEntity)
        #expect(scanned.entities == whole.entities && scanned.saturatedAttributes == whole.saturatedAttributes)
        #expect(scanned.seriesScored == whole.seriesScored && scanned.seriesUnscored == whole.seriesUnscored)
        #expect(scanned.anomalies == whole.anomalies)
        for attribute in ["new type ", "new country ", "new asn ", "new indicator kind "] {
            #expect(scanned.anomalies.contains { $0.kind == .rare && $0.detail.hasPrefix(attribute) }, "firsts of \(attribute)are compared")
        }
        #expect(scanned.anomalies.contains { $0.kind == .rate } && scanned.anomalies.contains { $0.kind == .rare })
    }

    /// Values told by their bytes alone (plain dotted quads, hex hashes) get the extractor's
    /// kinds, and near misses go to the extractor.
    @Test func plainValuesAreTheExtractorsKinds() {
        let extractor = IndicatorExtractor()
        var random = SystemRandomNumberGenerator()
        var values = ["0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3.04", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.",
                      "10.0.0.1", "127.0.0.1", "192.168.1.255", "1.2.3.4 ", "1.2.3.a", "999.999.999.999", "100.200.300.1",
                      String(repeating: "0", count: 32), String(repeating: "a", count: 40), String(repeating: "F", count: 64),
                      String(repeating: "g", count: 32), String(repeating: "1", count: 33), String(repeating: "aB", count: 16),
                      "d41d8cd98f00b204e9800998ecf8427e", "D41D8CD98F00B204E9800998ECF8427E", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85:"]
        for _ in 0..<2000 {
            let quad = (0..<4).map { _ in String(Int.random(in: 0...300, using: &random)) }.joined(separator: ".")
            values.append(quad)
            let hexDigits = Array("0123456789abcdefABCDEF")
            let length = [31, 32, 33, 40, 64, 65].randomElement(using: &random) ?? 32
            values.append(String((0..<length).map { _ in hexDigits.randomElement(using: &random) ?? "0" }))
        }
        for v in values {
            var expected: [IndicatorKind] = []
            for i in extractor.indicators(listed: v) where !expected.contains(i.kind) { expected.append(i.kind) }
            let plain = v.utf8.withContiguousStorageIfAvailable { IndicatorKindCache.plainKind(UnsafeRawBufferPointer($0)) } ?? nil
            if let plain { #expect([plain] == expected, "\(v)") }
        }
        #expect("8.8.8.8".utf8.withContiguousStorageIfAvailable { IndicatorKindCache.plainKind(UnsafeRawBufferPointer($0)) } == .ipv4)
        #expect("01.2.3.4".utf8.withContiguousStorageIfAvailable { IndicatorKindCache.plainKind(UnsafeRawBufferPointer($0)) } == .some(nil))
    }

    @Test func rememberedKindsAreTheExtractorsAndAFullCacheStartsAgain() {
        var cache = IndicatorKindCache()
        let extractor = IndicatorExtractor()
        let values = ["10.0.0.1", "evil[.]example.com", "hxxp://x.example/a", "nothing here", "", "a@b.example",
                      "d41d8cd98f00b204e9800998ecf8427e 10.9.9.9"]
        for _ in 0..<3 {
            for v in values {
                var expected: [IndicatorKind] = []
                for i in extractor.indicators(listed: v) where !expected.contains(i.kind) { expected.append(i.kind) }
                #expect(cache.kinds(of: [v]) == expected, "\(v)")
                var json = JSONString.array([v, v])
                json.withUTF8 { #expect(cache.kinds(ofListed: UnsafeRawBufferPointer($0)) == expected, "\(v) listed") }
            }
        }
        var broken = "[\"10.0.0.1\", "
        broken.withUTF8 { #expect(cache.kinds(ofListed: UnsafeRawBufferPointer($0)).isEmpty, "a cut list holds nothing") }
        for i in 0..<(cache.capacity + 10) { _ = cache.kinds(of: ["10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)"]) }
        #expect(cache.kinds(of: ["evil[.]example.com"]) == [.domain])
        var small = IndicatorKindCache(capacity: 3)
        for i in 0..<10 { #expect(small.kinds(of: ["10.0.0.\(i)", "x\(i).example.org"]) == [.ipv4, .domain]) }
    }
}
