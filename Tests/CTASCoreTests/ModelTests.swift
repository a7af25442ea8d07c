import Testing
@testable import CTASCore

@Suite struct EventTests {
    static let sample = Event(
        id: "evt-1", timestamp: Timestamp(microseconds: 1_795_133_730_123_456), type: "c2_beacon", severity: Severity(7),
        source: "sensor-eu-1", location: GeoPoint(latitude: 48.8566, longitude: 2.3522), entity: "host-42",
        priority: .high, indicators: ["185.220.101.4", "evil-cdn[.]com", "ünïcödé.example"],
        description: "beacon to hxxp://evil-cdn[.]com/a \u{1B}[31m red", tags: ["tlp:amber"])

    @Test func copiesAreIndependent() {
        var copy = Self.sample
        copy.id = "evt-2"
        copy.indicators.append("x")
        #expect(Self.sample.id == "evt-1")
        #expect(Self.sample.indicators.count == 3)
        #expect(copy != Self.sample)
        var same = Self.sample
        same.type = "c2_beacon"
        #expect(same == Self.sample, "equal by value, not identity")
    }

    @Test func validation() {
        #expect(Severity(0) == nil)
        #expect(Severity(11) == nil)
        #expect(Severity(10)?.band == .critical)
        #expect(GeoPoint(latitude: 90.0001, longitude: 0) == nil)
        #expect(GeoPoint(latitude: 0, longitude: -180.5) == nil)
        #expect(GeoPoint(latitude: .nan, longitude: 0) == nil)
        #expect(GeoPoint(latitude: -90, longitude: 180) != nil)
        #expect(Priority(name: "HIGH") == .high)
        #expect(Priority(name: "urgent") == nil)
    }

    @Test func codecRoundTrips() {
        let minimal = Event(id: "a", timestamp: Timestamp(microseconds: -5), type: "t")
        for event in [Self.sample, minimal] {
            var bytes: [UInt8] = []
            EventCodec.append(event, to: &bytes)
            EventCodec.append(event, to: &bytes)
            let first = bytes.withUnsafeBufferPointer { EventCodec.decode($0, at: 0) }
            #expect(first == event)
            #expect(bytes.withUnsafeBufferPointer { EventCodec.id($0, at: 0) } == Substring(event.id))
        }
        var truncated: [UInt8] = []
        EventCodec.append(Self.sample, to: &truncated)
        for cut in [0, 5, 11, 30, truncated.count - 1] {
            let prefix = Array(truncated.prefix(cut))
            #expect(prefix.withUnsafeBufferPointer { EventCodec.decode($0, at: 0) } == nil, "cut at \(cut)")
        }
    }
}

@Suite struct JSONStringTests {
    @Test func escapesAndDecodes() {
        let values = ["plain", "quote \" and \\ back", "tab\tnew\nline\r", "\u{1}\u{1F}\u{7F}", "ünï €😀", ""]
        let text = JSONString.array(values)
        #expect(text.contains(#"\u0001"#) && text.contains(#"\u007f"#) && text.contains(#"\""#))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 })
        #expect(JSONString.decodeArray(text) == values)
        #expect(JSONString.decodeArray("[1,2]") == nil)
        #expect(JSONString.decodeArray(#"["open"#) == nil)
        #expect(JSONString.decodeArray("[]") == [])
    }
}

@Suite struct SafeTextTests {
    @Test func makesControlsVisible() {
        #expect(SafeText.sanitize("plain text ünïcode 漢字") == "plain text ünïcode 漢字")
        #expect(SafeText.sanitize("\u{1B}[31mred\u{1B}[0m") == "\\e[31mred\\e[0m")
        #expect(SafeText.sanitize("\u{1B}]0;pwned\u{7}") == "\\e]0;pwned\\x07")              // OSC title
        #expect(SafeText.sanitize("\u{1B}]52;c;ZXZpbA==\u{7}") == "\\e]52;c;ZXZpbA==\\x07")   // OSC 52 clipboard
        #expect(SafeText.sanitize("\u{9B}2J") == "\\x9b2J")                                   // C1 CSI
        #expect(SafeText.sanitize("\u{90}qdcs\u{9C}") == "\\x90qdcs\\x9c")                    // DCS … ST
        #expect(SafeText.sanitize("abc\u{202E}fed") == "abc\\u{202e}fed")                     // bidi override
        #expect(SafeText.sanitize("zero\u{200B}width") == "zero\\u{200b}width")
        #expect(SafeText.sanitize("nul\u{0}del\u{7F}") == "nul\\x00del\\x7f")
        #expect(SafeText.sanitize("a\nb\tc\rd") == "a\\nb\\tc\\rd")
        for scalar in (0..<0x20).compactMap(Unicode.Scalar.init) + (0x7F...0x9F).compactMap(Unicode.Scalar.init) {
            let shown = SafeText.sanitize(String(Character(scalar)))
            #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        }
    }
}

@Suite struct DefangTests {
    @Test func styles() {
        #expect(Defang.defang("http://evil.com/a.php", style: 0) == "hxxp://evil[.]com/a.php")
        #expect(Defang.defang("evil.example.com", style: 1) == "evil[.]example[.]com")
        #expect(Defang.defang("https://x.org/p", style: 2) == "hxxps[://]x(.)org/p")
        #expect(Defang.defang("a@b.com", style: 3) == "a[@]b[dot]com")
        #expect(Defang.defang("1.2.3.4", style: 0) == "1.2.3[.]4")
    }
}
