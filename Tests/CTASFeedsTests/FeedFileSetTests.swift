import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASFeeds

/// Which files a directory stands for, and in what order: the names sensors and log rotation
/// write, trees a directory per day, and what is left out.
@Suite struct FeedFileSetTests {
    @Test func rotatedNamesAreFeedsWithTheirTimes() {
        let feeds = ["conn.log", "conn.log.gz", "eve.json", "eve.json.1", "eve.json.2.gz", "eve.json-20261120", "eve.json-20261120.gz",
                     "eve.json-2026112015.gz", "dns.2026-11-20-15-00-00.log.gz", "conn.15:00:00-16:00:00.log.gz", "alerts.ndjson", "x.jsonl",
                     "feed.csv", "dump.eve"]
        for name in feeds { #expect(FeedFileSet.isFeedName(name), "\(name)") }
        let others = ["README", "notes.txt", "eve.json.bak", "conn.log.1x", "data.1", "eve.json-2026", "eve.json-abcdefgh", ".gz", "log", "stats.log.swp"]
        for name in others { #expect(!FeedFileSet.isFeedName(name), "\(name)") }

        #expect(FeedFileSet.rotation(in: "dns.2026-11-20-15-00-00.log.gz") == "20261120150000")
        #expect(FeedFileSet.rotation(in: "eve.json-20261120.gz") == "20261120")
        #expect(FeedFileSet.rotation(in: "conn.15:00:00-16:00:00.log.gz", day: "20261120") == "20261120150000")
        #expect(FeedFileSet.rotation(in: "conn.15:00:00-16:00:00.log.gz") == "00000000150000", "no day: before every dated file")
        #expect(FeedFileSet.rotation(in: "conn.15:00:0x-16:00:00.log") == nil)
        #expect(FeedFileSet.rotation(in: "eve.json.1") == nil, "a generation orders by modification time")
        #expect(FeedFileSet.rotation(in: "conn.log") == nil)
        #expect(FeedFileSet.day(inDirectoryName: "2026-11-20") == "20261120")
        #expect(FeedFileSet.day(inDirectoryName: "20261120") == "20261120")
        for name in ["current", "2026-11", "2026-11-200", "x2026-11-20", "2026_11_20x"] { #expect(FeedFileSet.day(inDirectoryName: name) == nil, "\(name)") }
    }

    /// zeekctl's archive (a directory per day, hour files named by time of day), the live
    /// spool, logrotate's generations; hidden entries, links to directories and files that
    /// are not feeds are left out.
    @Test func aTreeOfLogsIsReadOldestFirst() throws {
        let root = Scratch.directory("feedfileset")
        let fm = FileManager.default
        func file(_ path: String, modified: Int) throws {
            let full = root + "/" + path
            try fm.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "x\n".write(toFile: full, atomically: false, encoding: .utf8)
            try fm.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(1_800_000_000 + modified))], ofItemAtPath: full)
        }
        // Written out of order, with modification times that would order them wrongly.
        try file("zeek/2026-11-20/dns.00:00:00-01:00:00.log.gz", modified: 5)
        try file("zeek/2026-11-19/dns.23:00:00-00:00:00.log.gz", modified: 9)
        try file("zeek/2026-11-20/dns.01:00:00-02:00:00.log.gz", modified: 1)
        try file("zeek/current/dns.log", modified: 20)
        try file("zeek/current/.dns.log.swp", modified: 21)
        try file("zeek/.trash/dns.log", modified: 22)
        try file("zeek/2026-11-20/README", modified: 2)
        try fm.createSymbolicLink(atPath: root + "/zeek/loop", withDestinationPath: root + "/zeek")
        // A data directory kept beside the logs: its dead letters are not a feed.
        try file("zeek/ctas-data/dead-letter.ndjson", modified: 30)
        try file("zeek/ctas-data/warm.sqlite", modified: 30)
        try fm.createSymbolicLink(atPath: root + "/zeek/current/linked.log", withDestinationPath: root + "/zeek/current/dns.log")
        let zeek = try FeedFileSet.listing(root + "/zeek").map { String($0.path.dropFirst(root.count + 6)) }
        #expect(zeek == ["2026-11-19/dns.23:00:00-00:00:00.log.gz", "2026-11-20/dns.00:00:00-01:00:00.log.gz",
                         "2026-11-20/dns.01:00:00-02:00:00.log.gz", "current/dns.log", "current/linked.log"])

        try file("suricata/eve.json", modified: 30)
        try file("suricata/eve.json.1", modified: 20)
        try file("suricata/eve.json.2.gz", modified: 10)
        try file("suricata/old/eve.json-20261101.gz", modified: 40)
        let suricata = try FeedFileSet.listing(root + "/suricata").map { String($0.path.dropFirst(root.count + 10)) }
        #expect(suricata == ["old/eve.json-20261101.gz", "eve.json.2.gz", "eve.json.1", "eve.json"])

        // Deeper than the walk goes: left out, and a directory holding nothing else is an error.
        try file("deep/a/b/c/d/e/f/g/conn.log", modified: 1)
        #expect(try FeedFileSet.listing(root + "/deep").isEmpty)
        #expect(throws: FeedError.self) { try FeedFileSet.expand([root + "/deep"]) }
        #expect(try FeedFileSet.expand([root + "/suricata/eve.json.1", root + "/missing"]) == [root + "/suricata/eve.json.1", root + "/missing"])
    }
}
