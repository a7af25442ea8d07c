import CTASGeoIP
import CTASTestSupport
import Foundation
import Testing

/// Edge cases in databases written by an independent writer (PyPI mmdb-writer), read back
/// by the reader and compared with the reference reader network by network and at probes.
@Suite("databases written by mmdb-writer")
struct WrittenDatabaseTests {
    static func write() async throws -> String {
        _ = try requirePython()
        let dir = ReferenceFixtures.temporaryFile("written")
        try await onBackgroundThread {
            let run = try TestOracle.run("Tests/CTASGeoIPTests/Oracle/write_edge_databases.py", [dir], background: true)
            guard run.status == 0 else { throw ReferenceFixtures.ReferenceFailure(message: run.stderr) }
        }
        return dir
    }

    @Test func everyNetworkAndProbeAgreesWithTheReferenceReader() async throws {
        let dir = try await Self.write()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["edge-ipv4", "edge-types", "edge-city", "edge-asn"] {
            let path = "\(dir)/\(name).mmdb"
            let out = "\(dir)/\(name).tsv"
            try await onBackgroundThread { try ReferenceFixtures.reference(["records", "--db", path, "--out", out]) }
            let database = try MaxMindDatabase(path: path)
            _ = try database.verifyTree()
            var compared = 0
            for line in try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n") {
                let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard cells.count == 4, let prefix = Int(cells[2]), let address = IPBytes(cells[1]) else { continue }
                let hit = try database.lookup(address)
                if cells[0] == "probe" || cells[0] == "tree" {
                    #expect(hit.prefixLength == prefix, "\(name): \(cells[1]) /\(hit.prefixLength), reference /\(prefix)")
                }
                let mine = try hit.dataOffset.map { canonical(try database.value(at: $0)) } ?? "-"
                #expect(mine == cells[3], "\(name): \(cells[0]) \(cells[1]) differs")
                compared += 1
            }
            #expect(compared > 10, "\(name): \(compared) compared")
        }
        let types = try MaxMindDatabase(path: "\(dir)/edge-types.mmdb")
        #expect(types.metadata.languages == ["en", "de"] && types.metadata.description["de"] == "jeder Typ")
        let address = try #require(IPBytes("10.1.2.3"))
        let offset = try #require(try types.lookup(address).dataOffset)
        let record = try types.value(at: offset)
        #expect(record["f32"] == .float(1.25) && record["i32"] == .int32(-2_147_483_648))
        #expect(record["u128"] == .uint128(high: .max, low: .max) && record["u64"] == .uint64(.max))
        #expect(record["long"]?.string?.count == 70_000 && record["unicode"] == .string("Zürich 東京 🌍"))
        #expect(record["bytes"] == .bytes([0, 255, 16]) && record["yes"] == .bool(true) && record["no"] == .bool(false))
    }

    @Test func aCityAndAnASNDatabaseMerge() async throws {
        let dir = try await Self.write()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let locator = try GeoLocator(paths: ["\(dir)/edge-city.mmdb", "\(dir)/edge-asn.mmdb"])
        let google = try locator.locate("8.8.8.8")
        #expect(google.country == "US" && google.city == "Mountain View" && google.accuracyKm == 1000)
        #expect(google.asn == 15_169 && google.organization == "Google LLC")
        #expect(google.network == "8.8.8.0/24", "the network is the first database's")
        let quad9 = try locator.locate("9.9.9.9")
        #expect(quad9.found && quad9.latitude == nil && quad9.asn == 19_281, "the ASN database alone answers")
        let v6 = try locator.locate("2a00:1450:4001::1")
        #expect(v6.country == "IE" && v6.asn == 15_169)
        let ipv4Only = try GeoLocator(paths: ["\(dir)/edge-ipv4.mmdb"])
        #expect(try ipv4Only.locate("1.2.3.4").city == "One Host")
        #expect(try ipv4Only.locate("1.2.3.5").city == "Brisbane")
        #expect(try ipv4Only.locate("2001:db8::1").found == false, "an IPv6 address in an IPv4 database is not found")
    }
}
