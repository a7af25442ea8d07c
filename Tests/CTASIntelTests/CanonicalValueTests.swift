import CTASCore
import CTASFeeds
import Testing
@testable import CTASIntel

/// The import's shortcut for values already canonical (lowercase hashes, plain dotted quads)
/// answers exactly what the extractor answers, for values it takes and values it leaves.
@Suite struct CanonicalValueTests {
    /// What the extractor alone says the value is (the path the shortcut skips).
    private func extracted(_ value: String, kinds: [IndicatorKind]) -> Indicator? {
        IndicatorExtractor().indicators(listed: value).first { kinds.contains($0.kind) }
    }

    private static let hashKinds: [(IndicatorKind, Int)] = [(.md5, 32), (.sha1, 40), (.sha256, 64)]

    @Test func hashesTakenByTheShortcutAreWhatTheExtractorFinds() {
        var generator = SeededRandom(seed: 11)
        var taken = 0
        for (kind, length) in Self.hashKinds {
            for _ in 0..<2_000 {
                // Right and wrong lengths, lower and upper case, now and then a non-hex byte.
                let count = [length, length, length, length - 1, length + 1, 31, 64, 128][Int(generator.next() % 8)]
                let alphabet = Array(generator.next() % 4 == 0 ? "0123456789ABCDEFabcdef" : generator.next() % 9 == 0 ? "0123456789abcdefg" : "0123456789abcdef")
                let value = String((0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
                let shortcut = CanonicalValue.kind(of: value, kinds: [kind])
                if shortcut != nil { taken += 1 }
                #expect(shortcut == nil || extracted(value, kinds: [kind]) == Indicator(kind, value), "\(kind) \(value)")
                #expect(IndicatorExtractor().intelValue(value, kinds: [kind]) == extracted(value, kinds: [kind]), "\(kind) \(value)")
            }
        }
        #expect(taken > 1_000)
    }

    /// A MISP url attribute written without a scheme is the http URL an event's full URL is,
    /// so the one matches the other.
    @Test func aURLWithoutASchemeMatchesTheFullURL() throws {
        let listed = try #require(IndicatorExtractor().intelValue("evil-gate.com/gate.php", kinds: [.url]))
        #expect(listed == Indicator(.url, "http://evil-gate.com/gate.php"))
        #expect(IndicatorExtractor().indicators(of: Event(id: "e", timestamp: Timestamp(microseconds: 0), type: "http", severity: Severity(5),
                                                         indicators: ["http://EVIL-gate.com/gate.php"])).contains(listed))
    }

    @Test func addressesTakenByTheShortcutAreWhatTheExtractorFinds() {
        let ip: [IndicatorKind] = [.ipv4, .ipv6]
        var values = ["1.2.3.4", "0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.1.1", "127.0.0.1", "8.8.8.8", "100.64.0.1",
                      "01.2.3.4", "1.2.3.04", "1.2.3.00", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.4 ",
                      "1234.1.1.1", "1.2.3.999", "a.b.c.d", "::1", "2001:db8::1", "1.2.3.4/24", "1.2.3.4:80", "1[.]2.3.4"]
        var generator = SeededRandom(seed: 12)
        for _ in 0..<5_000 {
            let parts = (0..<4).map { _ -> String in
                let n = generator.next() % 300
                return generator.next() % 20 == 0 ? "0\(n)" : "\(n)"
            }
            values.append(parts.joined(separator: "."))
        }
        var taken = 0
        for value in values {
            let shortcut = CanonicalValue.kind(of: value, kinds: ip)
            if shortcut != nil { taken += 1 }
            #expect(shortcut == nil || extracted(value, kinds: ip) == Indicator(.ipv4, value), "\(value)")
            #expect(IndicatorExtractor().intelValue(value, kinds: ip) == extracted(value.trimmingASCIIWhitespace(), kinds: ip), "\(value)")
        }
        #expect(taken > 1_500)
        // Kinds that are not hashes or addresses never take the shortcut.
        #expect(CanonicalValue.kind(of: "1.2.3.4", kinds: [.domain]) == nil)
        #expect(CanonicalValue.kind(of: String(repeating: "a", count: 32), kinds: [.sha1]) == nil)
    }
}

