import CTASCore
import Foundation
import Testing
@testable import CTASFeeds

/// The original JSON a Zeek TSV row is kept as, written through `ByteWriter` into a buffer
/// sized beforehand: the bound must hold for the worst rows, and the text must be JSON that
/// reads back to the row's values.
@Suite struct ZeekOriginalTests {
    private func header(_ fields: [String], _ types: [String]) -> String {
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tweird\n#fields\t"
            + fields.joined(separator: "\t") + "\n#types\t" + types.joined(separator: "\t") + "\n"
    }

    private func originalObject(_ event: Event) throws -> [String: Any] {
        let original = try #require(event.original)
        let object = try JSONSerialization.jsonObject(with: Data(original.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func rowsThatEscapeEveryByteReadBackAsJSON() throws {
        // Raw control bytes (6 bytes each when escaped), quotes and backslashes written as
        // Zeek escapes, UTF-8, and a set of one-byte elements: the worst growth there is.
        let controls = String(decoding: (1..<0x20).filter { $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }.map { UInt8($0) }, as: UTF8.self)
        let longControls = String(repeating: "\u{01}", count: 3000)
        let elements = Array(repeating: "\u{02}", count: 2000).joined(separator: ",")
        let row = ["1763632800.5", "Cx1", controls + "\u{7F}", "q\\x22uote\\x5cslash é ✓", longControls, elements]
        let text = header(["ts", "uid", "name", "addl", "notice", "peers"], ["time", "string", "string", "string", "string", "set[string]"])
            + row.joined(separator: "\t") + "\n"
        let out = try decodeAll(text, name: "weird.log")
        #expect(out.rejects.isEmpty, "\(out.rejects.map(\.message))")
        let object = try originalObject(try #require(out.events.first))
        #expect(object["_path"] as? String == "weird")
        #expect(object["name"] as? String == controls + "\u{7F}")
        #expect(object["addl"] as? String == "q\"uote\\slash é ✓")
        #expect(object["notice"] as? String == longControls)
        #expect((object["peers"] as? [String])?.count == 2000 && (object["peers"] as? [String])?.allSatisfy { $0 == "\u{02}" } == true)
        #expect(object["ts"] as? Double == 1_763_632_800.5)
    }

    @Test func theBufferIsReusedAcrossRowsOfAnySize() throws {
        // A long row, then short ones: each original is its own row's, nothing left over.
        let text = header(["ts", "uid", "name"], ["time", "string", "string"])
            + "1763632800.0\tClong\t" + String(repeating: "x", count: 5000) + "\n"
            + "1763632801.0\tCshort\tab\n" + "1763632802.0\tC3\t-\n"
        let out = try decodeAll(text, name: "weird.log")
        #expect(out.events.count == 3)
        #expect(out.events[1].original == #"{"_path":"weird","ts":1763632801.0,"uid":"Cshort","name":"ab"}"#)
        #expect(out.events[2].original == #"{"_path":"weird","ts":1763632802.0,"uid":"C3"}"#)
    }

    @Test func theWriterEscapesAsJSONStringDoes() {
        // Every byte value alone, and mixed runs: CTASCore's JSONString is the reference.
        var cases: [[UInt8]] = (0...0xFF).map { [UInt8($0)] }
        cases.append(Array("plain text".utf8))
        cases.append(Array("a\"b\\c\nd\u{7F}e\u{1F}".utf8))
        cases.append([])
        for bytes in cases {
            let text = String(decoding: bytes, as: UTF8.self)
            var validBytes = Array(text.utf8)   // JSONString takes a String: compare on its bytes
            var expected: [UInt8] = []
            JSONString.append(text, to: &expected)
            var scratch: [UInt8] = []
            let (_, count) = validBytes.withUnsafeMutableBufferPointer { raw in
                ByteWriter.writing(into: &scratch, room: 6 * raw.count + 2) { out in
                    out.append(UInt8(ascii: "\""))
                    out.appendEscaped(UnsafeBufferPointer(raw))
                    out.append(UInt8(ascii: "\""))
                }
            }
            #expect(Array(scratch[..<count]) == expected, "\(bytes)")
        }
    }

    @Test func canonicalNumbersAreTheirDecimalText() {
        // Container numbers hash as their decimal text: the same hash as that text.
        for value: Int64 in [0, 1, -1, 9, 10, -10, 300_000_000, Int64.max, Int64.min, Int64.min + 1, 1_763_632_800_123_456] {
            var elements = CanonicalElements()
            elements.append(value)
            var viaElements = StableHash128()
            elements.combineSorted(into: &viaElements)
            var viaText = StableHash128()
            viaText.combine(String(value))
            #expect(viaElements.hex == viaText.hex, "\(value)")
        }
    }
}

/// Descriptions are assembled in one allocation; they must read as appending part by part did.
@Suite struct DescriptionAssemblyTests {
    /// The definition: a space before each part once text has begun.
    private static func reference(_ parts: [String?]) -> String {
        var out = ""
        for part in parts {
            guard let part else { continue }
            if !out.isEmpty { out += " " }
            out += part
        }
        return out
    }

    @Test func joinedReadsAsAppendingPartByPart() {
        let samples: [[String?]] = [
            [], [nil], [""], ["", "a"], ["a", "", "b"], [nil, "a", nil, "b", nil], ["dns", "host.example", "A", "NOERROR", "→ 1.2.3.4, 5.6.7.8"],
            ["é✓", "漢字", "🙂"], [String(repeating: "x", count: 5000), "tail"], ["a", ""], ["", ""],
        ]
        for parts in samples {
            #expect(TelemetryMapping.joined(parts) == Self.reference(parts), "\(parts)")
        }
        #expect(TelemetryMapping.concatenated("10.0.0.1", ":", "53", " → ", "?", ":", "?") == "10.0.0.1:53 → ?:?")
        #expect(TelemetryMapping.concatenated() == "" && TelemetryMapping.concatenated("", "") == "")
    }

    /// `listed` reads as the lead and the first `limit` values joined by the separator.
    @Test func listedReadsAsTheLeadAndTheValuesJoined() {
        let samples: [[String]] = [
            [], [""], ["1.2.3.4"], ["1.2.3.4", "5.6.7.8", "host.example", "9.9.9.9", "cut.example"], ["é✓", "漢字", "🙂"],
            ["", "", ""], [String(repeating: "x", count: 5000), "tail"],
        ]
        for values in samples {
            for limit in [0, 1, 4, Int.max] {
                for (lead, separator) in [("→ ", ", "), (" → ", ", "), ("", "|"), ("from ", "")] {
                    let expected = values.isEmpty ? nil : lead + values.prefix(limit).joined(separator: separator)
                    #expect(TelemetryMapping.listed(values, lead: lead, separator: separator, limit: limit) == expected,
                            "\(values) \(limit) \(lead) \(separator)")
                }
            }
        }
    }
}
