import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASFeeds

/// EVE records as `jq .` prints them: each object over several lines, one after another.
private func prettyEVE(_ count: Int, indent: String = "  ") -> String {
    (0..<count).map { i in
        let record = eveAlert.replacingOccurrences(of: "2001219", with: String(3_000_000 + i))
        let object = try! JSONSerialization.jsonObject(with: Data(record.utf8))
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "  ", with: indent)
    }.joined(separator: "\n") + "\n"
}

/// Every event and reject of a file read from `start` as an ingest run reads it.
private func readFile(_ path: String, from start: SourcePosition = .start, chunkBytes: Int = 4096) throws -> DecodedBatch {
    let reader = try FileFeedReader(path: path, start: start, chunkBytes: chunkBytes)
    var decoder = FeedDecoder(format: .auto, sourceName: path)
    decoder.reset(at: start)
    var all = DecodedBatch()
    loop: for _ in 0..<100_000 {
        switch try reader.read(maxBytes: chunkBytes) {
        case .lines(let batch):
            let out = try decoder.decode(batch)
            all.events += out.events
            all.eventEnds += out.eventEnds
            all.rejects += out.rejects
        case .idle, .end: break loop
        }
    }
    all.rejects += decoder.finish().rejects
    return all
}

@Suite struct JSONValueStreamTests {
    /// `jq . eve.json > alerts.json`: every object one event, numbered by the line it starts
    /// on, whatever the read sizes.
    @Test func prettyPrintedObjectsAreReadOneByOne() throws {
        let text = prettyEVE(5)
        let starts = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .filter { $0.element == "{" }.map { $0.offset + 1 }
        #expect(starts.count == 5)
        for chunks in [[1 << 20], [1], [7, 3, 50], [4096]] {
            let out = try decodeAll(text, chunks: chunks)
            #expect(out.rejects.isEmpty, "chunks \(chunks): \(out.rejects.map(\.message))")
            #expect(out.events.count == 5)
            #expect(out.events.allSatisfy { $0.type == "attempted_information_leak" })
            #expect(out.eventEnds.map(\.line) == starts)
        }
        // Tabs, CRLF line ends and a byte-order mark are pretty-printing too.
        let tabbed = "\u{FEFF}" + prettyEVE(3, indent: "\t").replacingOccurrences(of: "\n", with: "\r\n")
        let out = try decodeAll(tabbed, chunks: [5])
        #expect(out.events.count == 3 && out.rejects.isEmpty, "\(out.rejects.map(\.message))")
    }

    /// An object cut off in the middle is rejected alone: the next object's `{` at the start of
    /// a line, where the open object cannot take one, begins the next record.
    @Test func anObjectCutOffIsRejectedAloneAndTheRestIsRead() throws {
        let objects = prettyEVE(4).components(separatedBy: "\n}\n").filter { !$0.isEmpty }.map { $0 + "\n}\n" }
        #expect(objects.count == 4)
        // Cut after a complete member, inside a string, and inside a nested object.
        let topLevel = objects[1].components(separatedBy: "\"dest_port\"")[0]
        let afterMember = topLevel + "\"dest_port\" : 22,\n"
        let insideString = topLevel + "\"in_iface\" : \"et\n"
        let nested = objects[1].components(separatedBy: "\"category\"")[0]
        let insideNested = String(nested.reversed().drop { $0 == " " }.reversed())
        for cut in [afterMember, insideString, insideNested] {
            let text = objects[0] + cut + objects[2] + objects[3]
            let out = try decodeAll(text, chunks: [1 << 20])
            #expect(out.events.count == 3, "\(out.rejects.map(\.message))")
            #expect(out.rejects.count == 1)
            #expect(out.rejects.first?.line == objects[0].split(separator: "\n").count + 1)
        }
        // Cut at the very end: the last object is one reject.
        let tail = objects[0] + objects[1] + String(objects[2].dropLast(30))
        let out = try decodeAll(tail)
        #expect(out.events.count == 2 && out.rejects.map(\.problem.code) == ["truncated_json"])
    }

    /// One-line records first, then pretty-printed ones (`jq .` output appended to an EVE
    /// log): the source is read as lines until a lone `{` opens a value, and as values from
    /// there, whatever the read sizes; a record cut off right after its `{` is one reject.
    /// (Read as lines to the end, the pretty part was 1,641 rejects for 49 records.)
    @Test func prettyObjectsAfterOneLineRecordsAreReadAsValues() throws {
        func line(_ i: Int) -> String { eveAlert.replacingOccurrences(of: "2001219", with: String(4_000_000 + i)) + "\n" }
        let text = line(0) + line(1) + line(2) + prettyEVE(5) + line(3) + line(4)
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false)
        let starts = rows.enumerated().filter { $0.element.hasPrefix("{") }.map { $0.offset + 1 }
        #expect(starts.count == 10)
        for chunks in [[1 << 20], [1], [7, 3, 50], [4096], [eveAlert.utf8.count + 1]] {
            let out = try decodeAll(text, chunks: chunks)
            #expect(out.rejects.isEmpty, "chunks \(chunks): \(out.rejects.map(\.message))")
            #expect(out.events.count == 10, "chunks \(chunks)")
            #expect(out.eventEnds.map(\.line) == starts, "chunks \(chunks)")
        }
        let crlf = try decodeAll(text.replacingOccurrences(of: "\n", with: "\r\n"), chunks: [5])
        #expect(crlf.events.count == 10 && crlf.rejects.isEmpty, "\(crlf.rejects.map(\.message))")
        let cut = try decodeAll(line(0) + "{\n" + line(1) + prettyEVE(2) + line(2), chunks: [3])
        #expect(cut.events.count == 5)
        #expect(cut.rejects.map(\.line) == [2])
        // No lone `{`: a file of one-line records stays lines, a cut one rejected by its line.
        var framer = RecordFramer()
        var batch = LineBatch()
        Array((line(0) + "{\"timestamp\": \n" + line(1)).utf8).withUnsafeBufferPointer { framer.frame($0, into: &batch) }
        #expect(framer.layout == .lines && batch.lines.count == 3)

        // A run stopped in either part resumes at its checkpoint and reads the rest once.
        let path = temporaryDirectory() + "/appended.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let whole = try readFile(path)
        #expect(whole.events.count == 10 && whole.rejects.isEmpty, "\(whole.rejects.map(\.message))")
        for stop in [1, 3, 5, 8] {
            let rest = try readFile(path, from: whole.eventEnds[stop])
            #expect(rest.rejects.isEmpty, "after \(stop): \(rest.rejects.map(\.message))")
            #expect(rest.events.map(\.id) == whole.events.dropFirst(stop + 1).map(\.id), "after \(stop)")
        }
    }

    /// Objects inside arrays may start at the first column (`json.dumps(indent=0)`): they stay
    /// part of their record.
    @Test func objectsInsideAnArrayAtTheFirstColumnStayInTheirRecord() throws {
        let record = """
        {
        "id": "n1",
        "ts": "2026-11-20T10:00:00Z",
        "type": "c2_beacon",
        "tags": [
        "a"
        ],
        "details": {
        "list": [
        {
        "x": 1
        },
        {
        "x": 2
        }
        ]
        }
        }

        """
        var framer = RecordFramer()
        var batch = LineBatch()
        let bytes = Array((record + record).utf8)
        bytes.withUnsafeBufferPointer { framer.frame($0, into: &batch) }
        framer.finish(into: &batch)
        #expect(framer.layout == .values)
        #expect(batch.lines.count == 2)
        #expect(batch.lines.map(\.number) == [1, 19])
        #expect(lines(batch).allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") && $0.contains("\"x\": 2") })
    }

    /// Lines that are no JSON between pretty objects are rejected line by line, as in NDJSON.
    @Test func garbageBetweenObjectsIsRejectedByTheLine() throws {
        let objects = prettyEVE(2)
        let text = objects + "not json at all\n42\n" + objects
        let out = try decodeAll(text)
        #expect(out.events.count == 4)
        #expect(out.rejects.count == 2)
        let before = objects.split(separator: "\n").count
        #expect(out.rejects.map(\.line) == [before + 1, before + 2])
    }

    /// A run stopped mid-file (kill -9) resumes at a checkpoint: the rest is read, each record
    /// once, in the format the file's first record told — for pretty-printed objects and for
    /// arrays, plain and gzip. (A resumed array read its first line, `[`, as a CSV header.)
    @Test func aResumedPrettyFileOrArrayReadsTheRestInItsFormat() throws {
        let dir = temporaryDirectory()
        let stream = prettyEVE(40)
        let elements = prettyEVE(40).components(separatedBy: "\n}\n").filter { !$0.isEmpty }.map { $0 + "\n}" }
        let array = "[\n" + elements.joined(separator: ",\n") + "\n]\n"
        let oneLineArray = "[" + (0..<40).map { eveAlert.replacingOccurrences(of: "2001219", with: String(3_000_000 + $0)) }.joined(separator: ",") + "]"
        for (name, text) in [("stream.json", stream), ("array.json", array), ("line.json", oneLineArray)] {
            let path = dir + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try gzipCopy(path)
            for file in [path, path + ".gz"] {
                let whole = try readFile(file)
                #expect(whole.events.count == 40 && whole.rejects.isEmpty, "\(file): \(whole.rejects.map(\.message))")
                let checkpoint = whole.eventEnds[16]
                let rest = try readFile(file, from: checkpoint)
                #expect(rest.rejects.isEmpty, "\(file): \(rest.rejects.map(\.message))")
                #expect(rest.events.map(\.id) == whole.events.dropFirst(17).map(\.id), "\(file)")
                #expect(rest.events.allSatisfy { $0.type == "attempted_information_leak" })
            }
        }
    }

    private func gzipCopy(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-k", "-f", path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }
}

@Suite struct RecordLayoutTests {
    private func layout(_ text: String) -> RecordLayout {
        var sniffer = RecordLayout.Sniffer()
        var decision: RecordLayout?
        Array(text.utf8).withUnsafeBufferPointer { decision = sniffer.feed($0) }
        return decision ?? .lines
    }

    @Test func theFirstLineTellsTheLayout() {
        #expect(layout(eveAlert + "\n" + eveAlert + "\n") == .lines)
        #expect(layout("{\n  \"a\": 1\n}\n") == .values)
        #expect(layout("\u{FEFF}\n\n  {\"response\":[{\n") == .values)
        #expect(layout("{\"a\": {\"b\": [1,\n") == .values)
        #expect(layout("  [\n") == .array)
        #expect(layout("#separator \\x09\n") == .lines)
        #expect(layout("id,ts,type\n") == .lines)
        #expect(layout("{\"a\": \"}{\"}\n") == .lines, "braces in strings are text")
        #expect(layout("{\"a\": \"x\\\"}\", \"b\": {\n") == .values, "an escaped quote keeps the string open")
        #expect(layout("{\"a\": \"cut\n") == .lines, "a line break in a string: a broken line, not pretty JSON")
        #expect(layout("{\"a\":1}garbage{\n") == .lines)
    }

    @Test func anUndecidedFirstLineIsLinesAtTheEndOrPastTheLimit() {
        var framer = RecordFramer(maxLineBytes: 64)
        var batch = LineBatch()
        let long = Array(("{\"a\": \"" + String(repeating: "x", count: 100)).utf8)
        long.withUnsafeBufferPointer { framer.frame($0, into: &batch) }
        #expect(framer.layout == .lines)
        var open = RecordFramer()
        var other = LineBatch()
        Array("{\"a\": 1".utf8).withUnsafeBufferPointer { open.frame($0, into: &other) }
        #expect(open.layout == nil)
        open.finish(into: &other)
        #expect(open.layout == .lines)
        #expect(lines(other) == ["{\"a\": 1"])
    }
}
