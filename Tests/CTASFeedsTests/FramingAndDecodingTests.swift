import CTASCore
import Foundation
import CTASTestSupport
import Testing
@testable import CTASFeeds

/// Frames `bytes` fed in the given chunk sizes; returns (line text or marker, end offset).
func frame(_ bytes: [UInt8], chunks: [Int], maxLine: Int = LineFramer.defaultMaxLineBytes) -> LineBatch {
    var framer = LineFramer(maxLineBytes: maxLine)
    var batch = LineBatch()
    var i = 0
    var k = 0
    bytes.withUnsafeBufferPointer { all in
        while i < all.count {
            let n = min(chunks[k % chunks.count], all.count - i)
            framer.frame(UnsafeBufferPointer(rebasing: all[i..<(i + n)]), into: &batch)
            i += n
            k += 1
        }
    }
    framer.finish(into: &batch)
    return batch
}

func lines(_ batch: LineBatch) -> [String] {
    batch.lines.map { span in batch.withLine(span) { String(decoding: $0, as: UTF8.self) } }
}

@Suite struct LineFramerTests {
    @Test func crlfBomEmptyAndUnterminated() {
        let text: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("one\r\ntwo\n\n\r\nthree".utf8)
        let batch = frame(text, chunks: [1_000])
        #expect(lines(batch) == ["one", "two", "", "", "three"])
        #expect(batch.lines.map(\.number) == [1, 2, 3, 4, 5])
        #expect(batch.lines.map(\.endOffset) == [8, 12, 13, 15, 20])
        #expect(batch.end == SourcePosition(offset: 20, line: 5))
    }

    @Test func anyChunkingGivesTheSameLines() {
        var text = ""
        for i in 0..<500 { text += String(repeating: "x", count: i % 37) + "\(i)" + (i % 3 == 0 ? "\r\n" : "\n") }
        let whole = frame(Array(text.utf8), chunks: [1 << 20])
        for chunks in [[1], [2], [3, 7], [64, 1, 5], [4096]] {
            let split = frame(Array(text.utf8), chunks: chunks)
            #expect(lines(split) == lines(whole))
            #expect(split.lines.map(\.endOffset) == whole.lines.map(\.endOffset))
        }
    }

    @Test func oversizedLinesAreCutNotBuffered() {
        // A 10 MB line between two normal ones, fed in 64 KiB chunks.
        var bytes = Array("first\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "A"), count: 10 * 1024 * 1024)
        bytes += Array("\nlast\n".utf8)
        let batch = frame(bytes, chunks: [65_536])
        #expect(batch.lines.count == 3)
        #expect(batch.lines[1].oversizedLength == 10 * 1024 * 1024)
        #expect(batch.lines[1].count == LineFramer.oversizedPrefixBytes)
        #expect(lines(batch)[2] == "last")
        #expect(batch.lines[2].endOffset == Int64(bytes.count))
    }
}

@Suite struct CSVTests {
    func decode(_ text: String, chunks: [Int] = [1 << 20]) throws -> DecodedBatch {
        var decoder = FeedDecoder(format: .auto, sourceName: "test.csv")
        return try decoder.decode(frame(Array(text.utf8), chunks: chunks))
    }

    @Test func quotedFieldsListsAndMultilineRecords() throws {
        let text = """
            id,ts,type,severity,lat,lon,indicators,description,tags,extra
            a,2026-11-20T10:00:00Z,c2_beacon,7,48.85,2.35,1.2.3.4;evil.com,"said ""hi"", then left",tlp:red,ignored
            b,2026-11-20T10:00:01Z,phishing,,,,,"line one
            line two",,
            c,2026-11-20T10:00:02Z,x,3,,,,,,

            """
        let out = try decode(text)
        #expect(out.rejects.isEmpty, "\(out.rejects.map(\.message))")
        #expect(out.events.map(\.id) == ["a", "b", "c"])
        #expect(out.events[0].indicators == ["1.2.3.4", "evil.com"])
        #expect(out.events[0].description == "said \"hi\", then left")
        #expect(out.events[0].location == GeoPoint(latitude: 48.85, longitude: 2.35))
        #expect(out.events[1].description == "line one\nline two")
        #expect(out.events[1].severity == nil)
        #expect(out.events.count == out.eventEnds.count)
    }

    @Test func rejectsBadRecordsWithReasons() throws {
        let text = """
            id,ts,type,severity,lat,lon
            a,2026-11-20T10:00:00Z,x,11,,
            b,yesterday,x,1,,
            c,2026-11-20T10:00:00Z,x,1,95,0
            d,2026-11-20T10:00:00Z,x,1
            e,2026-11-20T10:00:00Z,x,high,,
            ,2026-11-20T10:00:00Z,x,1,,
            f,2026-11-20T10:00:00Z,x,1,1,
            g,2026-11-20T10:00:00Z,x"y,1,,
            """
        let out = try decode(text)
        #expect(out.events.isEmpty)
        #expect(out.rejects.map(\.reasonKey) == ["out_of_range:severity", "bad_timestamp:ts", "out_of_range:lat", "invalid_csv",
                                                  "wrong_type:severity", "missing_field:id", "missing_field:lon", "invalid_csv"])
        #expect(out.rejects.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9])
    }

    @Test func headerProblemsStopTheSource() {
        #expect(throws: FeedError.self) { try decode("id,type\na,b\n") }
        #expect(throws: FeedError.self) { try decode("hello world\n") }
        #expect(throws: FeedError.self) { try decode("id,ts,ts,type\n") }
    }

    @Test func unclosedQuoteAtEndIsRejected() throws {
        var decoder = FeedDecoder(format: .csv, sourceName: "t.csv")
        let out = try decoder.decode(frame(Array("id,ts,type,description\na,2026-11-20T10:00:00Z,x,\"open\nmore\n".utf8), chunks: [100]))
        #expect(out.events.isEmpty)
        #expect(out.checkpoint.offset == 23, "checkpoint stays before the open record")
        let tail = decoder.finish()
        #expect(tail.rejects.first?.problem.code == "truncated_csv")
    }

    @Test func resumingPastTheHeaderUsesTheFirstLine() throws {
        let header = "id,ts,type\n"
        let rest = "b,2026-11-20T10:00:01Z,y\n"
        var batch = frame(Array(rest.utf8), chunks: [100])
        // As a reader resuming at the second line delivers it: numbers and offsets continue.
        batch.lines = batch.lines.map { LineSpan(start: $0.start, count: $0.count, number: 2, endOffset: Int64(header.utf8.count) + $0.endOffset) }
        batch.context = SourceContext(firstLine: Array("id,ts,type".utf8))
        var decoder = FeedDecoder(format: .auto, sourceName: "t.csv")
        let out = try decoder.decode(batch)
        #expect(out.events.map(\.id) == ["b"])
        #expect(decoder.format == .csv)
    }

    @Test func writerRoundTrips() throws {
        var generator = FeedGenerator(options: { var o = FeedGenerator.Options(); o.seed = 3; return o }())
        var text = CSVEventWriter.header + "\n"
        var events: [Event] = []
        for _ in 0..<2000 {
            let e = generator.nextEvent()
            events.append(e)
            text += CSVEventWriter.line(e)
        }
        let out = try decode(text, chunks: [777])
        #expect(out.rejects.isEmpty)
        #expect(out.events == events.map { e in var c = e; if c.description == "" { c.description = nil }; return c })
    }
}

@Suite struct FeedDecoderTests {
    @Test func detectsNDJSONAndCountsBlankLines() throws {
        var decoder = FeedDecoder(format: .auto, sourceName: "t")
        let out = try decoder.decode(frame(Array("\n  \n{\"id\":\"a\",\"ts\":\"2026-11-20T10:00:00Z\",\"type\":\"x\"}\nnot json\n".utf8), chunks: [9]))
        #expect(decoder.format == .native)
        #expect(out.events.count == 1 && out.blankLines == 2 && out.rejects.count == 1)
        #expect(out.rejects[0].line == 4 && out.rejects[0].message.hasPrefix("line 4: "))
        #expect(out.checkpoint == SourcePosition(offset: 63, line: 4))
    }

    @Test func oversizedLineBecomesAReject() throws {
        var bytes = Array("{\"id\":\"a\",\"ts\":\"2026-11-20T10:00:00Z\",\"type\":\"x\"}\n".utf8)
        bytes += [UInt8](repeating: 0x41, count: 2_000_000) + [0x0A]
        var decoder = FeedDecoder(format: .ndjson, sourceName: "t")
        let out = try decoder.decode(frame(bytes, chunks: [1 << 16]))
        #expect(out.events.count == 1)
        #expect(out.rejects.first?.reasonKey == "line_too_long")
        #expect(out.rejects.first?.rawLength == 2_000_000)
    }
}

@Suite struct FeedGeneratorTests {
    func generate(seed: UInt64, events: Int, malformed: Double = 0, format: FeedFormat = .ndjson) -> ([UInt8], [String: Int]) {
        var options = FeedGenerator.Options()
        options.seed = seed
        options.malformedRate = malformed
        options.format = format
        var generator = FeedGenerator(options: options)
        var out: [UInt8] = format == .csv ? Array(FeedGenerator.csvHeader.utf8) : []
        for _ in 0..<events { generator.appendNext(to: &out) }
        return (out, generator.counts)
    }

    @Test func sameSeedSameFeed() {
        #expect(generate(seed: 7, events: 3000).0 == generate(seed: 7, events: 3000).0)
        #expect(generate(seed: 7, events: 3000).0 != generate(seed: 8, events: 3000).0)
    }

    /// Every injected kind is accounted for exactly by the decoder.
    @Test(arguments: [FeedFormat.ndjson, .csv])
    func malformedLinesAreCountedExactly(format: FeedFormat) async throws {
        let (bytes, counts) = try await onOwnThread { [self] in generate(seed: 11, events: 20_000, malformed: 0.05, format: format) }
        var decoder = FeedDecoder(format: format, sourceName: "gen")
        let out = try decoder.decode(frame(bytes, chunks: [1 << 20]))
        let rejectedKinds = FeedGenerator.Injection.allCases.filter(\.isRejected).map(\.rawValue)
        let expectedRejects = rejectedKinds.reduce(0) { $0 + (counts[$1] ?? 0) }
        #expect(expectedRejects > 500)
        #expect(out.rejects.count == expectedRejects)
        #expect(out.events.count == (counts["events"] ?? 0) + (counts["duplicate_id"] ?? 0))
        #expect(out.blankLines == counts["empty_line"] ?? 0)
        #expect(Set(out.events.map(\.id)).count == counts["events"])
    }

    @Test func realisticShape() async throws {
        try await onOwnThread { try Self.checkShape() }
    }

    static func checkShape() throws {
        var generator = FeedGenerator(options: FeedGenerator.Options())
        var indicatorCounts: [String: Int] = [:]
        var located = 0
        var defanged = 0
        for _ in 0..<20_000 {
            let e = generator.nextEvent()
            for i in e.indicators { indicatorCounts[i, default: 0] += 1 }
            if e.location != nil { located += 1 }
            if let d = e.description, d.contains("[.]") || d.contains("(.)") || d.contains("[dot]") || d.contains("hxxp") { defanged += 1 }
        }
        let popular = indicatorCounts.values.sorted(by: >)
        #expect(popular[0] > 200, "a few indicators recur often")
        #expect(popular.filter { $0 == 1 }.count > 1000, "a long tail appears once")
        #expect(located > 16_000 && located < 19_000)
        #expect(defanged > 5_000)
    }
}
