import CTASCore
import CTASTestSupport
import Foundation
import Testing

private let extractor = IndicatorExtractor()

private func found(_ text: String) -> [String] {
    extractor.extract(from: text).map { "\($0.kind.name) \($0.value)" }
}

private func corpusFile(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus/" + name).path
}

@Suite struct IndicatorExtractorTests {
    /// Our own report: every indicator it holds is in expected.tsv, everything else is a trap.
    @Test func corpusReportYieldsExactlyTheExpectedIndicators() throws {
        let text = try String(contentsOfFile: corpusFile("report.txt"), encoding: .utf8)
        let expected = try String(contentsOfFile: corpusFile("expected.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.replacingOccurrences(of: "\t", with: " ") }
        let got = Set(found(text))
        #expect(got.subtracting(expected).sorted() == [], "extracted but not expected")
        #expect(Set(expected).subtracting(got).sorted() == [], "expected but missed")
    }

    @Test(arguments: [
        ("evil[.]com", "domain evil.com"),
        ("evil(.)com", "domain evil.com"),
        ("evil{.}com", "domain evil.com"),
        ("evil[dot]com", "domain evil.com"),
        ("evil[DOT]com", "domain evil.com"),
        ("evil(dot)com", "domain evil.com"),
        ("evil\\.com", "domain evil.com"),
        ("1.2.3[.]4", "ipv4 1.2.3.4"),
        ("1[.]2[.]3[.]4", "ipv4 1.2.3.4"),
        ("hxxp://evil[.]com/a", "url http://evil.com/a"),
        ("hXXps://evil[.]com/a", "url https://evil.com/a"),
        ("hxxp[:]//evil.com/a", "url http://evil.com/a"),
        ("http[:]//evil.com/a", "url http://evil.com/a"),
        ("hxxps[://]evil.com/a", "url https://evil.com/a"),
        ("fxp://evil.com/a", "url ftp://evil.com/a"),
        ("h__p://evil.com/a", "url http://evil.com/a"),
        ("john[@]evil[.]com", "email john@evil.com"),
        ("john(at)evil.com", "email john@evil.com"),
        ("john[at]evil.com", "email john@evil.com"),
        ("1.2.3.4[:]8080", "ipv4 1.2.3.4"),
        ("EVIL[.]COM", "domain evil.com"),
    ])
    func defangedFormsAreReadBack(input: String, expected: String) {
        #expect(found(input).first == expected, "\(input)")
        #expect(extractor.extract(from: input).first?.defanged == true, "\(input)")
    }

    @Test(arguments: [
        "OID 1.3.6.1.4.1.311.2.1.14", "2.23.140.1.4.1", "version 1.2.3.4", "v1.2.3.4", "build 10.0.19041.1",
        "Firmware 3.2.0.1", "4.0.9.3", "section 4.1.2.3", "§ 4.1.2.3", "6.1.7601.17514", "0.0.0.0", "255.255.255.255",
        "1.2.0.0", "01.02.03.04", "256.1.1.1", "1.2.3",
        "setup.py", "invoice.zip", "readme.sh", "notes.md", "run.sh", "lib.rs", "index.js", "Evil.app",
        "Textures.exe.zip", "httpd-2.4.43-x64-vc15.zip", "Bandicam_4.3.1.1490.zip", "offer.pdf.zip",
        "System.IO", "System.IO.File", "Win32/Korplug.MK", "MSIL/Agent.AB", "ASP.NET", "document.location.host",
        "com.example.app", "org.apache.commons.io", "C:\\Windows\\command.com", "%TEMP%\\a.cmd",
        "config.json", "file.exe", "e.g.", "i.e.", "a.b", "3.14", "U.S.",
        "10:15:30", "00:1a:2b:3c:4d:5e", "std::vector", "::", "12:34",
        "0x5d41402abc4b2a76b9719d911017c592", "5d41402abc4b2a76b9719d911017c59",
        "AppX3bbba44c6cae4d9695755183472171e2", "{E3517E26-8E93-458D-A6DF-8030BC80528B}",
        "CVE-17-1234", "CVE-2017-123", "http://localhost:8080/x", "user@localhost",
    ])
    func trapsYieldNothing(input: String) {
        #expect(found(input) == [], "\(input)")
    }

    @Test func canonicalForms() {
        #expect(found("9F86D081884C7D659A2FEAA0C55AD015") == ["md5 9f86d081884c7d659a2feaa0c55ad015"])
        #expect(found("cve-2024-3094") == ["cve CVE-2024-3094"])
        #expect(found("2001:0DB8:0000:0000:0000:0000:0000:0001") == ["ipv6 2001:db8::1"])
        #expect(found("::ffff:192.0.2.1 and fe80::1:0:0:0:5") == ["ipv6 ::ffff:192.0.2.1", "ipv6 fe80:0:0:1::5"])
        #expect(found("HTTP://Evil.COM/Path/File.PHP?Q=A") == ["url http://evil.com/Path/File.PHP?Q=A", "domain evil.com"])
        #expect(found("https://user:pw@evil.com:8443/a") == ["url https://user:pw@evil.com:8443/a", "domain evil.com"])
        #expect(found("(see https://evil.com/a).") == ["url https://evil.com/a", "domain evil.com"])
        #expect(found("https://en.wikipedia.org/wiki/Foo_(bar)") == ["url https://en.wikipedia.org/wiki/Foo_(bar)", "domain en.wikipedia.org"])
        #expect(found("[link](https://evil.com/x)") == ["url https://evil.com/x", "domain evil.com"])
        #expect(found("Evil.com was seen.") == ["domain evil.com"])
        #expect(found("www.xn--80ak6aa92e.com") == ["domain www.xn--80ak6aa92e.com"])
        // A URL written without its scheme is the http URL: one indicator with the one written
        // in full (they once correlated and matched intelligence as two).
        #expect(found("evil-gate.com/gate.php") == ["url http://evil-gate.com/gate.php", "domain evil-gate.com"])
        #expect(found("evil-gate[.]com:8080/gate.php") == ["url http://evil-gate.com:8080/gate.php", "domain evil-gate.com"])
        #expect(found("198.51.100.7/x.sh") == ["url http://198.51.100.7/x.sh", "ipv4 198.51.100.7"])
        #expect(found("hxxp://evil-gate[.]com/gate.php").first == found("evil-gate.com/gate.php").first)
        #expect(found("10.0.0.0/8") == ["ipv4 10.0.0.0/8"], "a network is not a URL")
    }

    @Test func linesOffsetsAndWrittenText() {
        let text = "first line\nC2 at evil[.]com\r\n\nand 10.0.0[.]1 here"
        let items = extractor.extract(from: text)
        #expect(items.map(\.line) == [2, 4])
        #expect(items.map(\.written) == ["evil[.]com", "10.0.0[.]1"])
        let bytes = Array(text.utf8)
        for item in items {
            let slice = String(decoding: bytes[item.offset..<(item.offset + item.written.utf8.count)], as: UTF8.self)
            #expect(slice == item.written)
        }
        #expect(extractor.extract(from: "a 1.2.3.4 b").first?.defanged == false)
    }

    @Test func scanningInPiecesEqualsScanningWhole() throws {
        let text = try String(contentsOfFile: corpusFile("report.txt"), encoding: .utf8)
        let bytes = Array(text.utf8)
        let whole = bytes.withUnsafeBufferPointer { extractor.extract(from: $0) }
        // Cut after every 7th line break.
        var pieces: [ExtractedIndicator] = []
        var start = 0
        var line = 1
        var breaks = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            breaks += 1
            if breaks % 7 == 0 || i == bytes.count - 1 {
                pieces += bytes.withUnsafeBufferPointer { extractor.extract(from: UnsafeBufferPointer(rebasing: $0[start...i]), firstLine: line, offset: start) }
                line += bytes[start...i].filter { $0 == 0x0A }.count
                start = i + 1
            }
        }
        if start < bytes.count {
            pieces += bytes.withUnsafeBufferPointer { extractor.extract(from: UnsafeBufferPointer(rebasing: $0[start...]), firstLine: line, offset: start) }
        }
        #expect(pieces == whole)
        #expect(whole.count > 30)
    }

    @Test func hostileInputIsScannedNeverFatal() {
        // Invalid UTF-8 and control bytes around an indicator.
        var bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0x1B]
        bytes += Array("[31m evil[.]com\u{7}".utf8) + [0xC3, 0x28, 0x80]
        #expect(bytes.withUnsafeBufferPointer { extractor.extract(from: $0) }.map(\.value) == ["evil.com"])
        // Random binary: deterministic, every value well-formed and short.
        var rng = SystemRandomNumberGenerator()
        let noise = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let items = noise.withUnsafeBufferPointer { extractor.extract(from: $0) }
        #expect(items.allSatisfy { $0.value.utf8.count <= 4_096 && $0.value.allSatisfy(\.isASCII) })
        // Huge tokens: a megabyte of dotted labels, a URL above the value limit.
        #expect(found(String(repeating: "a.", count: 500_000)) == [])
        let longURL = "http://evil.com/" + String(repeating: "x", count: 5_000)
        #expect(found(longURL) == ["domain evil.com"])
        // Markers without content, unbalanced brackets, lone schemes.
        #expect(found("[.][.][.] (dot)(dot) [@] hxxp:// http://[::1 [://] ::: \\.\\.") == [])
        #expect(extractor.extract(from: "").isEmpty)
    }

    @Test func listedValuesAreTakenAtTheirWord() {
        #expect(extractor.indicators(listed: "invoice.zip") == [Indicator(.domain, "invoice.zip")])
        #expect(extractor.indicators(listed: " Global\\MutexLantern ") == [Indicator(.other, "Global\\MutexLantern")])
        #expect(extractor.indicators(listed: "evil[.]com") == [Indicator(.domain, "evil.com")])
        #expect(extractor.indicators(listed: "1.0.0.1") == [Indicator(.ipv4, "1.0.0.1")])
        #expect(extractor.indicators(listed: "   ") == [])
        #expect(extractor.indicators(listed: String(repeating: "x", count: 5_000)) == [])
    }

    @Test func eventIndicatorsJoinListedAndDescriptionWithoutRepeats() {
        let event = Event(id: "e1", timestamp: Timestamp(microseconds: 0), type: "c2",
                          indicators: ["185.220.101.4", "evil-cdn[.]com"],
                          description: "beacon to hxxp://evil-cdn[.]com/a from 185.220.101[.]4")
        #expect(extractor.indicators(of: event) == [
            Indicator(.ipv4, "185.220.101.4"), Indicator(.domain, "evil-cdn.com"), Indicator(.url, "http://evil-cdn.com/a"),
        ])
    }

    @Test func ipv4TextRoundTripsEveryOctetWidth() {
        // Octets of one, two and three digits in every position, and the extremes.
        var values: [UInt32] = [0, 1, 9, 10, 99, 100, 255, 0xFFFF_FFFF, 0x0A00_0001, 0xC0A8_0001, 0x7F00_0001]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(UInt32(truncatingIfNeeded: state >> 32))
        }
        for value in values {
            let octets = [value >> 24, value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF].map(String.init)
            let text = octets.joined(separator: ".")
            #expect(IPAddress.canonicalIPv4(text) == text, "\(text)")
            let padded = octets.map { String(repeating: "0", count: 3 - $0.count) + $0 }.joined(separator: ".")
            if padded != text { #expect(IPAddress.canonicalIPv4(padded) == nil, "\(padded)") }
        }
        #expect(extractor.extract(from: "from 10.0.0.1 and 198.51.100.254 to 1.22.133.4").map(\.value)
                == ["10.0.0.1", "198.51.100.254", "1.22.133.4"])
    }

    @Test func ipAddressParsing() {
        #expect(IPAddress.canonicalIPv4("192.168.001.1") == nil)
        #expect(IPAddress.canonicalIPv4("1.2.3.4.5") == nil)
        #expect(IPAddress.canonicalIPv6("1:2:3:4:5:6:7:8") == "1:2:3:4:5:6:7:8")
        #expect(IPAddress.canonicalIPv6("1:0:0:2:0:0:0:3") == "1:0:0:2::3")
        #expect(IPAddress.canonicalIPv6("1::2::3") == nil)
        #expect(IPAddress.canonicalIPv6("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress.canonicalIPv6("12345::1") == nil)
        #expect(IPAddress.canonicalIPv6("::") == "::")
        #expect(IPAddress.canonicalIPv6("1:2:3:4:5:6:1.2.3.4") == "1:2:3:4:5:6:102:304")
        #expect(IPAddress.canonicalIPv6("fe80::1%eth0") == nil)
    }
}

/// Recall and precision on real reports: ESET's published IoC sections, with their MISP
/// events as ground truth (../shared/data; skipped when absent).
@Suite(.enabled(if: SharedData.has("cti/eset-malware-ioc/misp-events")))
struct ESETReportTests {
    static let base = SharedData.root + "/cti/eset-malware-ioc"
    static let indicatorTypes: Set<String> = [
        "ip-dst", "ip-src", "domain", "hostname", "url", "md5", "sha1", "sha256", "email-src", "email-dst", "email",
    ]

    static func families() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: base + "/misp-events")) ?? []).sorted()
    }

    /// Indicator values of the family's MISP events that occur in the report text (defanged
    /// or not), lower-cased: the composite types' indicator halves included.
    static func truth(family: String, reportText: String) throws -> Set<String> {
        var refanged = reportText
        for (a, b) in [("[.]", "."), ("(.)", "."), ("[dot]", "."), ("hxxp", "http"), ("hXXp", "http"), ("[:]", ":"), ("[@]", "@")] {
            refanged = refanged.replacingOccurrences(of: a, with: b)
        }
        refanged = refanged.lowercased()
        var values: Set<String> = []
        let dir = base + "/misp-events/" + family
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            let event = ((root["response"] as? [[String: Any]])?.first?["Event"] ?? root["Event"]) as? [String: Any] ?? [:]
            var attributes = event["Attribute"] as? [[String: Any]] ?? []
            for object in event["Object"] as? [[String: Any]] ?? [] { attributes += object["Attribute"] as? [[String: Any]] ?? [] }
            for attribute in attributes {
                guard let type = attribute["type"] as? String, let value = attribute["value"] as? String else { continue }
                for (t, v) in zip(type.split(separator: "|"), value.split(separator: "|")) where indicatorTypes.contains(String(t)) {
                    let lower = v.lowercased()
                    if refanged.contains(lower) { values.insert(lower) }
                }
            }
        }
        return values
    }

    @Test(arguments: families())
    func recallIsAtLeast95Percent(family: String) throws {
        let text = try String(contentsOfFile: Self.base + "/reports/\(family)/README.adoc", encoding: .utf8)
        let truth = try Self.truth(family: family, reportText: text)
        let got = Set(extractor.extract(from: text).map { $0.value.lowercased() })
        let missed = truth.subtracting(got)
        let recall = Double(truth.count - missed.count) / Double(max(1, truth.count))
        #expect(truth.count >= 10, "ground truth for \(family) unexpectedly small")
        #expect(recall >= 0.95, "\(family): recall \(recall), missed \(missed.sorted().prefix(20))")
    }

    /// Over all 58 reports: what is extracted but not a MISP attribute must still be a real
    /// indicator. The reports hold the classic traps; none may come out.
    @Test func noTrapIsExtractedFromAnyReport() throws {
        let reports = try FileManager.default.contentsOfDirectory(atPath: Self.base + "/reports").sorted()
        var values: Set<String> = []
        for family in reports {
            guard let text = try? String(contentsOfFile: Self.base + "/reports/\(family)/README.adoc", encoding: .utf8) else { continue }
            for item in extractor.extract(from: text) {
                values.insert(item.value)
                if item.kind == .domain {
                    // A domain written plainly must not be a file name: its written form is
                    // never followed by a file extension or preceded by a path separator.
                    #expect(!item.value.hasSuffix(".zip") || item.defanged, "\(family): \(item.written)")
                }
                if item.kind == .ipv4 && !item.defanged {
                    let octets = item.value.split(separator: "/")[0].split(separator: ".").compactMap { Int($0) }
                    #expect(!(octets.allSatisfy { $0 < 10 } && octets.contains(0)), "\(family): version-like \(item.written)")
                }
            }
        }
        #expect(reports.count >= 50)
        for trap in ["1.3.6.1", "4.0.9.3", "3.2.0.1", "2.23.140.1", "1.73.0.659", "textures.exe.zip", "bandicam_4.3.1.1490.zip",
                     "document.location.host", "offer.pdf.zip", "0.0.0.0", "korplug.mk", "agent.rui"] {
            #expect(!values.contains(trap), "trap extracted: \(trap)")
        }
    }
}
