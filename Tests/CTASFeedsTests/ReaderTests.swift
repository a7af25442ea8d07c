import CTASCore
import Foundation
import Testing
@testable import CTASFeeds
import CTASTestSupport

func temporaryDirectory(_ name: String = #function) -> String {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    return Scratch.directory("test-\(clean)")
}

func readAll(_ reader: FileFeedReader, limit: Int = 1000) throws -> [String] {
    var out: [String] = []
    for _ in 0..<limit {
        switch try reader.read(maxBytes: 1 << 20) {
        case .lines(let batch): out += lines(batch)
        case .idle, .end: return out
        }
    }
    return out
}

@Suite struct FileReaderTests {
    @Test func readsResumesAndRepositions() throws {
        let dir = temporaryDirectory()
        let path = dir + "/f.ndjson"
        try "a\nbb\nccc\ndddd\n".write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try FileFeedReader(path: path)
        #expect(try readAll(reader) == ["a", "bb", "ccc", "dddd"])
        let resumed = try FileFeedReader(path: path, start: SourcePosition(offset: 5, line: 2))
        if case .lines(let batch) = try resumed.read(maxBytes: 100) {
            #expect(lines(batch) == ["ccc", "dddd"])
            #expect(batch.lines.map(\.number) == [3, 4])
            #expect(batch.context?.firstLine == Array("a".utf8))
            #expect(batch.startedAt == SourcePosition(offset: 5, line: 2))
        } else { Issue.record("no lines") }
        try reader.reposition(to: SourcePosition(offset: 2, line: 1))
        #expect(try readAll(reader) == ["bb", "ccc", "dddd"])
        #expect(reader.currentGeneration == 1)
    }

    @Test func missingAndDirectoryAreClearErrors() {
        #expect { try FileFeedReader(path: "/nonexistent/feed.ndjson") } throws: { ($0 as? FeedError)?.message.contains("cannot open feed") == true }
        #expect { try FileFeedReader(path: "/tmp") } throws: { ($0 as? FeedError)?.message.contains("is a directory") == true }
    }

    @Test func identityTellsAReplacedFile() throws {
        let dir = temporaryDirectory()
        let path = dir + "/f"
        try "original contents\n".write(toFile: path, atomically: false, encoding: .utf8)
        let id = try #require(FileFeedReader.identity(of: path))
        #expect(FileFeedReader.matches(path: path, device: id.device, inode: id.inode, fingerprint: id.fingerprint,
                                       fingerprintLength: id.fingerprintLength, offset: 5))
        try "replaced contents\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(!FileFeedReader.matches(path: path, device: id.device, inode: id.inode, fingerprint: id.fingerprint,
                                        fingerprintLength: id.fingerprintLength, offset: 5))
    }

    @Test func followSurvivesGrowthRotationAndTruncation() throws {
        let dir = temporaryDirectory()
        let path = dir + "/live.log"
        try "one\n".write(toFile: path, atomically: false, encoding: .utf8)
        let reader = try FileFeedReader(path: path, follow: true)
        #expect(try readAll(reader) == ["one"])
        #expect(try readAll(reader) == [], "idle at the end, not ended")
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("two\nthr".utf8))
        #expect(try readAll(reader) == ["two"], "a partial line waits for its newline")
        handle.write(Data("ee\n".utf8))
        try handle.close()
        #expect(try readAll(reader) == ["three"])
        // Rotation: the old file is renamed, a new one takes the path.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try "four\nfive\n".write(toFile: path, atomically: false, encoding: .utf8)
        var seen: [String] = []
        for _ in 0..<3 { seen += try readAll(reader) }
        #expect(seen == ["four", "five"])
        // Truncation in place (copytruncate): start again from the top.
        let truncate = try #require(FileHandle(forWritingAtPath: path))
        try truncate.truncate(atOffset: 0)
        try truncate.close()
        _ = try readAll(reader)
        try "six\n".write(toFile: path, atomically: false, encoding: .utf8)
        var after: [String] = []
        for _ in 0..<3 { after += try readAll(reader) }
        #expect(after == ["six"])
    }

    @Test func datagramsOnLoopback() throws {
        let reader = try DatagramFeedReader(host: "127.0.0.1", port: 0)
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = reader.port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        for message in ["a\nb\n", "c"] {
            _ = message.withCString { text in
                withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, text, strlen(text), 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        }
        var got: [String] = []
        for _ in 0..<5 where got.count < 3 {
            if case .lines(let batch) = try reader.read(maxBytes: 1 << 16) { got += lines(batch) }
        }
        #expect(got == ["a", "b", "c"])
        #expect(!reader.canWait)
        #expect(throws: FeedError.self) { try DatagramFeedReader(host: "not-an-ip", port: 0) }
    }
}
