import Foundation
import Testing

/// `ctas ioc extract` as an analyst runs it on reports, e-mails and binaries.
@Suite struct IocCLITests {
    static let report = """
        Subject: invoice
        The dropper (v1.2.3.4) beacons to hxxp://evil-cdn[.]com/gate.php and 185.220.101[.]4:443.
        SHA256 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08, see CVE-2021-44228.
        Not indicators: setup.py, System.IO, 1.3.6.1.4.1.311.
        Reply to billing[@]evil-cdn[.]com.

        """

    @Test func textJSONAndNDJSONListEveryIndicator() async throws {
        let dir = scratchDir()
        let path = dir + "/mail.txt"
        try Self.report.write(toFile: path, atomically: true, encoding: .utf8)
        let text = try await CLI.run(["ioc", "extract", path])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("2\turl\thttp://evil-cdn.com/gate.php\thxxp://evil-cdn[.]com/gate.php"))
        #expect(lines.contains("2\tipv4\t185.220.101.4\t185.220.101[.]4"))
        #expect(lines.contains("3\tsha256\t9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\t9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"))
        #expect(lines.contains("3\tcve\tCVE-2021-44228"))
        #expect(lines.contains("5\temail\tbilling@evil-cdn.com\tbilling[@]evil-cdn[.]com"))
        #expect(!text.stdout.contains("setup.py") && !text.stdout.contains("system.io") && !text.stdout.contains("1.2.3.4\t"))
        #expect(lines.count == 6, "the URL, its host, the address, the hash, the CVE id, the e-mail address: \(lines)")

        let asJSON = try await CLI.run(["ioc", "extract", path, "--format", "json"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(asJSON.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == lines.count)
        let url = try #require(array.first { $0["type"] as? String == "url" })
        #expect(url["line"] as? Int == 2 && url["defanged"] as? Bool == true && url["written"] as? String == "hxxp://evil-cdn[.]com/gate.php")
        let bytes = Array(Self.report.utf8)
        let offset = try #require(url["offset"] as? Int)
        #expect(String(decoding: bytes[offset..<(offset + 30)], as: UTF8.self) == "hxxp://evil-cdn[.]com/gate.php")

        let nd = try await CLI.run(["ioc", "extract", "-", "--format", "ndjson", "--type", "domain", "--unique"], input: Data(Self.report.utf8))
        let domains = nd.stdout.split(separator: "\n").compactMap { json(String($0)) }
        #expect(domains.count == 1)
        #expect(domains.first?["value"] as? String == "evil-cdn.com" && domains.first?["count"] as? Int == 1, "\(nd.stdout)")
        #expect(domains.first?["file"] as? String == "-")
    }

    @Test func unreadableFilesAreReportedAndTheOthersStillRead() async throws {
        let dir = scratchDir()
        try "C2 at 203.0.113[.]9\n".write(toFile: dir + "/a.txt", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["ioc", "extract", dir + "/missing.txt", dir, dir + "/a.txt"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("missing.txt: No such file or directory"))
        #expect(r.stderr.contains("is a directory"))
        #expect(r.stdout.contains("a.txt:1\tipv4\t203.0.113.9"), "several files: lines are prefixed with the file")
        #expect(try await CLI.run(["ioc", "extract", "--type", "hostname"]).status == 2)
    }

    /// Binary input, invalid UTF-8, and a file larger than one read (indicators on both
    /// sides of every cut) keep lines, offsets and counts exact.
    @Test func binaryAndLargeInputs() async throws {
        let dir = scratchDir()
        var binary = [UInt8]((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
        binary += Array("\n\u{1b}]0;x\u{7} beacon hxxps://bad-site[.]net/x \u{0}\u{ff}\u{fe}\n".utf8) + [0xC3, 0x28, 0xFF]
        try Data(binary).write(to: URL(fileURLWithPath: dir + "/blob.bin"))
        let r = try await CLI.run(["ioc", "extract", dir + "/blob.bin", "--format", "ndjson", "--type", "url"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"value\":\"https://bad-site.net/x\""))

        // ~9 MB: 200,000 lines, one indicator on every 100th.
        var big = ""
        big.reserveCapacity(9_500_000)
        for i in 1...200_000 {
            big += i % 100 == 0 ? "line \(i) mentions host-\(i).evil-example.org and filler text to make it longer\n"
                : "line \(i) is ordinary prose without anything to extract from it at all, just words\n"
        }
        try big.write(toFile: dir + "/big.txt", atomically: true, encoding: .utf8)
        let b = try await CLI.run(["ioc", "extract", dir + "/big.txt"])
        let rows = b.stdout.split(separator: "\n")
        #expect(rows.count == 2_000)
        #expect(rows.last == "200000\tdomain\thost-200000.evil-example.org")
        #expect(rows.allSatisfy { row in
            let parts = row.split(separator: "\t")
            return parts.count == 3 && parts[2] == "host-\(parts[0]).evil-example.org"
        }, "line numbers stay exact across reads")
    }
}
