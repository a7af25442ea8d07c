import CTASCore
@testable import CTASIntel
import Testing

/// The STIX pattern grammar, piece by piece, and where it says a pattern went wrong.
@Suite struct STIXPatternTests {
    @Test func comparisonsOperatorsAndPaths() throws {
        let p = try STIXPattern("[file:hashes.'SHA-256' = 'aa' OR file:hashes.MD5 = 'bb'] AND [domain-name:value IN ('a.com', 'b.com')]")
        #expect(p.comparisons.map(\.objectType) == ["file", "file", "domain-name"])
        #expect(p.comparisons[0].path == ["hashes", "SHA-256"])
        #expect(p.comparisons[1].path == ["hashes", "MD5"])
        #expect(p.comparisons[2].op == "IN" && p.comparisons[2].values == ["a.com", "b.com"])
        let ops = try STIXPattern("[x:a != 1 AND x:b < 2 AND x:c <= 3 AND x:d > 4 AND x:e >= 5 AND x:f LIKE 'a%' AND x:g MATCHES '^a' AND x:h ISSUBSET '10.0.0.0/8' AND x:i ISSUPERSET '1.2.3.4' AND x:j NOT = true]")
        #expect(ops.comparisons.map(\.op) == ["!=", "<", "<=", ">", ">=", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "="])
        #expect(ops.comparisons.last?.negated == true)
        let nested = try STIXPattern("[email-message:body_multipart[*].body_raw_ref.name MATCHES '^F.+\\\\.exe$']")
        #expect(nested.comparisons.first?.path == ["body_multipart", "body_raw_ref", "name"])
        #expect(nested.comparisons.first?.values == ["^F.+\\.exe$"], "a pattern's \\\\ is one backslash")
        let escaped = try STIXPattern("[file:name = 'it\\'s']")
        #expect(escaped.comparisons.first?.values == ["it's"])
        let quoted = try STIXPattern("[x:a.'b c'.d = 'v']")
        #expect(quoted.comparisons.first?.path == ["a", "b c", "d"])
    }

    @Test func qualifiersAreParsedAndListed() throws {
        let p = try STIXPattern("([ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [url:value = 'http://x.y/']) WITHIN 600 SECONDS REPEATS 3 TIMES")
        #expect(p.qualifiers == ["FOLLOWEDBY", "WITHIN 600 SECONDS", "REPEATS 3 TIMES"])
        let window = try STIXPattern("[x:a = 1] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'")
        #expect(window.qualifiers == ["START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'"])
        #expect(try STIXPattern("[EXISTS x:a]").comparisons.first?.op == "EXISTS")
    }

    @Test(arguments: [
        ("", "'['"), ("[", "an object type"), ("[x:a = ]", "a value"), ("[x:a = 'v'", "']'"), ("[x:a = 'v]", "a closing quote"),
        ("[x:a ~ 1]", "a name, a value"), ("[x:a IN 1]", "'(' and a list"), ("[x:a = 1] WITHIN x SECONDS", "a number of seconds"),
        ("[x:a = 1] START 5", "t'timestamp'"), ("[x:a = 1] extra", "the end"), ("[x:a = 'a\\b']", "\\' or \\\\"),
        ("[x:a..b = 1]", "a property name"), ("[x:a = 1 AND]", "an object type"), ("[x:a ! 1]", "!="),
    ])
    func errorsSayWhereAndWhat(pattern: String, expected: String) {
        #expect {
            _ = try STIXPattern(pattern)
        } throws: { error in
            guard let e = error as? STIXPattern.SyntaxError else { return false }
            return e.expected.contains(expected) && e.description.hasPrefix("at character ")
        }
    }

    @Test func hugeAndDeepPatternsNeverTrap() {
        let deep = String(repeating: "(", count: 5000) + "[x:a = 1]" + String(repeating: ")", count: 5000)
        #expect(throws: STIXPattern.SyntaxError.self) { try STIXPattern(deep) }
        #expect((try? STIXPattern(String(repeating: "(", count: 60) + "[x:a = 1]" + String(repeating: ")", count: 60)))?.comparisons.count == 1)
        let long = "[" + (0..<5_000).map { "x:a = \($0)" }.joined(separator: " OR ") + "]"
        #expect((try? STIXPattern(long))?.comparisons.count == 5_000)
    }
}

@Suite struct DecayModelTests {
    @Test func nidsSimpleFollowsTheFormula() {
        let m = DecayModel.nidsSimple
        let day: Int64 = 86_400_000_000
        #expect(m.score(base: nil, elapsedMicroseconds: 0) == 80)
        #expect(abs(m.score(base: nil, elapsedMicroseconds: 30 * day) - 80 * (1 - (30.0 / 120).squareRoot())) < 1e-12)
        #expect(m.score(base: 100, elapsedMicroseconds: 120 * day) == 0)
        #expect(m.score(base: nil, elapsedMicroseconds: -5 * day) == 80, "a sighting in the future counts as now")
        #expect(m.score(base: nil, elapsedMicroseconds: .max) == 0)
        #expect(m.score(base: .nan, elapsedMicroseconds: 0) == 0)
        #expect(m.isDecayed(29.9) && !m.isDecayed(30))
    }
}

@Suite struct ExportPiecesTests {
    @Test func md5KnownAnswers() {
        func md5(_ text: String) -> String { IntelExporter.md5Hex(text) }
        #expect(md5("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(md5("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(md5("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(md5(String(repeating: "a", count: 1_000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
        #expect(md5(String(repeating: "x", count: 55)) != md5(String(repeating: "x", count: 56)), "padding edges")
    }

    @Test func idsAreStableUUIDs() {
        let a = IntelExporter.uuid("indicator", "ipv4", "198.51.100.1")
        #expect(a == IntelExporter.uuid("indicator", "ipv4", "198.51.100.1"))
        #expect(a != IntelExporter.uuid("indicator", "ipv4", "198.51.100.2"))
        let parts = a.split(separator: "-")
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[2].first == "4" && "89ab".contains(parts[3].first ?? "x"))
    }

    @Test func patternsQuoteHostileValues() throws {
        let pattern = try #require(IntelExporter.stixPattern(Indicator(.url, "http://x.test/a'b\\c")))
        let parsed = try STIXPattern(pattern)
        #expect(parsed.comparisons.first?.values == ["http://x.test/a'b\\c"])
    }
}
