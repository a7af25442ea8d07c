import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASIntel

/// What a directory walk cannot read is said as a problem, never left out in silence.
@Suite struct IntelFileReaderTests {
    static func misp(_ uuid: String, _ value: String) -> String {
        #"{"Event":{"uuid":"\#(uuid)","info":"Op","date":"2026-10-01","Attribute":[{"type":"domain","value":"\#(value)","to_ids":true}]}}"#
    }

    @Test func directoriesDeeperThanTheLimitAreSaidNotSkipped() throws {
        let top = Scratch.directory("intel-deep")
        var path = top
        for level in 0...IntelFileReader.maximumDepth + 1 {
            path += "/level-\(level)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Self.misp(String(format: "00000000-0000-4000-8000-%012d", level), "level-\(level).example.com")
                .write(toFile: path + "/event.json", atomically: true, encoding: .utf8)
        }
        var values: [String] = []
        var problems: [IntelProblem] = []
        IntelFileReader().forEachFile(in: top) { batch in
            values += batch.entries.map(\.indicator.value)
            problems += batch.problems
        }
        // Levels 0…16 lie at most 16 below the top (its subdirectory is depth 1); level 17 is deeper.
        #expect(values.count == IntelFileReader.maximumDepth, "\(values)")
        #expect(!values.contains("level-\(IntelFileReader.maximumDepth).example.com"))
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.key == "unreadable" && problems.first?.description.contains("deeper than 16 levels") == true, "\(problems)")
    }

    @Test func aDirectoryThatCannotBeListedIsAProblem() throws {
        let file = Scratch.directory("intel-list") + "/not-a-directory"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let listing = IntelFileReader.listing(of: file)
        #expect(listing.failure == String(cString: strerror(ENOTDIR)), "\(String(describing: listing.failure))")
        #expect(listing.files.isEmpty && listing.subdirectories.isEmpty && !listing.isFeed)
        #expect(IntelFileReader.listing(of: Scratch.directory("intel-list-ok")).failure == nil)
    }
}
