import CTASGeoIP
import CTASTestSupport
import Foundation
import Testing

/// The MaxMind DB format's own test databases (../shared/data/geo/maxmind-db-test): every
/// well-formed one reads with answers equal to the reference reader's, network by network,
/// and the source data's records; every broken one is refused with an error naming the
/// file, never a crash or a hang.
@Suite("MaxMind DB conformance set", .enabled(if: SharedData.has(ReferenceFixtures.conformance)))
struct ConformanceTests {
    static var testData: String { (SharedData.path(ReferenceFixtures.conformance) ?? "") + "/test-data" }

    /// Test databases that are broken on purpose (their names say how).
    static let brokenOnPurpose: Set<String> = [
        "GeoIP2-City-Test-Broken-Double-Format.mmdb", "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
        "MaxMind-DB-test-broken-pointers-24.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb",
    ]

    static var wellFormed: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: testData)) ?? []
        return names.filter { $0.hasSuffix(".mmdb") && !brokenOnPurpose.contains($0) }.sorted()
    }

    static var badData: [String] {
        let root = (SharedData.path(ReferenceFixtures.conformance) ?? "") + "/bad-data"
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".mmdb") }.sorted().map { root + "/" + $0 }
    }

    @Test("the conformance set is all there")
    func inventory() {
        #expect(Self.wellFormed.count >= 35, "found \(Self.wellFormed.count) well-formed test databases")
        #expect(Self.badData.count >= 20, "found \(Self.badData.count) bad-data databases")
    }

    @Test("every well-formed database answers as the reference reader and its source data",
          arguments: wellFormed)
    func agrees(name: String) async throws {
        _ = try requirePython()
        let path = Self.testData + "/" + name
        let out = ReferenceFixtures.temporaryFile("records.tsv")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var arguments = ["records", "--db", path, "--out", out]
        let source = (SharedData.path(ReferenceFixtures.conformance) ?? "") + "/source-data/" + name.replacingOccurrences(of: ".mmdb", with: ".json")
        if FileManager.default.fileExists(atPath: source) { arguments += ["--source", source] }
        // The reference reader runs in a child process: waited for off the cooperative pool.
        let reference = arguments
        try await onBackgroundThread { try ReferenceFixtures.reference(reference) }
        let database = try MaxMindDatabase(path: path)
        _ = try database.verifyTree()
        var compared = 0
        for line in try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == 4, let prefix = Int(cells[2]), let address = IPBytes(cells[1]) else {
                Issue.record("\(name): unreadable reference line \(line)")
                continue
            }
            let hit = try database.lookup(address)
            if cells[0] == "probe" {
                #expect(hit.prefixLength == prefix, "\(name): probe \(cells[1]) network /\(hit.prefixLength), reference /\(prefix)")
                let mine = try hit.dataOffset.map { canonical(try database.value(at: $0)) } ?? "-"
                #expect(mine == cells[3], "\(name): probe \(cells[1]): record differs")
                compared += 1
                continue
            }
            guard let offset = hit.dataOffset else {
                Issue.record("\(name): \(cells[0]) \(cells[1]): no record; the reference has \(cells[3].prefix(80))")
                continue
            }
            if cells[0] == "tree" {
                #expect(hit.prefixLength == prefix, "\(name): \(cells[1]) network /\(hit.prefixLength), reference /\(prefix)")
            }
            let mine = canonical(try database.value(at: offset))
            #expect(mine == cells[3], "\(name): \(cells[0]) \(cells[1]): record differs")
            compared += 1
        }
        #expect(compared > 0, "\(name): nothing compared")
    }

    @Test("databases broken on purpose are refused", arguments: brokenOnPurpose.sorted())
    func brokenRefused(name: String) {
        #expect(Self.refuses(Self.testData + "/" + name), "\(name) was read without an error")
    }

    /// bad-data files whose structure is valid (their README says so of the epoch one; the
    /// other two broke a reader's bounds checks on an empty container ending the metadata):
    /// they must read correctly, which the reference reader does too.
    static let validInBadData: Set<String> = [
        "libmaxminddb-uint64-max-epoch.mmdb", "libmaxminddb-empty-array-last-in-metadata.mmdb",
        "libmaxminddb-empty-map-last-in-metadata.mmdb",
    ]

    @Test("every bad-data database is refused with an error, never a crash or a hang", arguments: badData)
    func badDataRefused(path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard Self.validInBadData.contains(name) else {
            #expect(Self.refuses(path), "\(path) was read without an error")
            return
        }
        let database = try MaxMindDatabase(path: path)
        _ = try database.verifyTree()
        #expect(database.metadata.languages.isEmpty)
        #expect(database.metadata.description.isEmpty)
        let hit = try database.lookup(try #require(IPBytes("1.1.1.1")))
        #expect(try hit.dataOffset.map { try database.value(at: $0) }?["ip"] == .string("test"))
        // A build time past year 9999 gives no date, never an overflow.
        if name.contains("epoch") { #expect(database.label == "Test") } else { #expect(database.label == "Test 2001-09") }
    }

    /// Whether opening, walking and decoding the whole file, or looking up sample addresses,
    /// throws (the error must name the file).
    static func refuses(_ path: String) -> Bool {
        do throws(GeoIPError) {
            let database = try MaxMindDatabase(path: path)
            _ = try database.verifyTree()
            for text in ["1.1.1.1", "0.0.0.0", "255.255.255.255", "::1", "2001:db8::1", "ffff::"] {
                if let address = IPBytes(text), let offset = try database.lookup(address).dataOffset {
                    _ = try database.value(at: offset)
                }
            }
            return false
        } catch {
            switch error {
            case .cannotOpen(let p, _), .noMetadata(let p), .badMetadata(let p, _, _), .corrupt(let p, _, _):
                #expect(p == path)
            case .badAddress: Issue.record("unexpected address error")
            }
            return true
        }
    }

    @Test("the decoder database's values, type by type")
    func decoderTypes() throws {
        let database = try MaxMindDatabase(path: Self.testData + "/MaxMind-DB-test-decoder.mmdb")
        let hit = try database.lookup(try #require(IPBytes("1.1.1.0")))
        let record = try database.value(at: try #require(hit.dataOffset))
        #expect(record["array"] == .array([.uint32(1), .uint32(2), .uint32(3)]))
        #expect(record["boolean"] == .bool(true))
        #expect(record["bytes"] == .bytes([0, 0, 0, 42]))
        #expect(record["double"] == .double(42.123456))
        #expect(record["float"] == .float(1.1))
        #expect(record["int32"] == .int32(-268_435_456))
        #expect(record["uint16"] == .uint16(100))
        #expect(record["uint32"] == .uint32(268_435_456))
        #expect(record["uint64"] == .uint64(1 << 60))
        #expect(record["uint128"] == .uint128(high: 1 << 56, low: 0))
        #expect(record["utf8_string"] == .string("unicode! ☯ - ♫"))
        #expect(record["map"]?["mapX"]?["arrayX"] == .array([.uint32(7), .uint32(8), .uint32(9)]))
        #expect(record["map"]?["mapX"]?["utf8_stringX"] == .string("hello"))
        // Allocation-free reads agree with the decoded record.
        let offset = try #require(hit.dataOffset)
        #expect(try database.number(at: try #require(try database.locate(MMDBPath("double"), in: offset))) == 42.123456)
        #expect(try database.number(at: try #require(try database.locate(MMDBPath("int32"), in: offset))) == -268_435_456)
        let x = try #require(try database.locate(MMDBPath("map", "mapX", "utf8_stringX"), in: offset))
        let bytes = try #require(try database.stringBytes(at: x))
        #expect(Array(bytes) == Array("hello".utf8))
        #expect(try database.locate(MMDBPath("map", "missing"), in: offset) == nil)
    }

    @Test("record sizes 24, 28 and 32 and both tree kinds find the same networks")
    func recordSizes() throws {
        for kind in ["ipv4", "ipv6", "mixed"] {
            var answers: [[String]] = []
            for size in [24, 28, 32] {
                let database = try MaxMindDatabase(path: Self.testData + "/MaxMind-DB-test-\(kind)-\(size).mmdb")
                #expect(database.metadata.recordSize == size)
                var row: [String] = []
                for text in ["1.1.1.1", "1.1.1.3", "1.1.1.32", "1.1.2.1", "::1:ffff:ffff", "::2:0:1", "::0:40", "2001:db8::1"] {
                    guard let address = IPBytes(text) else { continue }
                    let hit = try database.lookup(address)
                    row.append("\(text) /\(hit.prefixLength) " + (try hit.dataOffset.map { canonical(try database.value(at: $0)) } ?? "-"))
                }
                answers.append(row)
            }
            #expect(answers[0] == answers[1] && answers[1] == answers[2], "\(kind): record sizes disagree")
        }
    }

    @Test("metadata: type, languages, description, build time")
    func metadata() throws {
        let database = try MaxMindDatabase(path: Self.testData + "/GeoIP2-City-Test.mmdb")
        #expect(database.metadata.databaseType == "GeoIP2-City")
        #expect(database.metadata.languages.contains("en"))
        #expect(database.metadata.ipVersion == 6)
        #expect(database.metadata.majorVersion == 2)
        #expect(database.metadata.buildEpoch > 1_400_000_000)
        #expect(database.label.hasPrefix("GeoIP2-City 20"))
        let pointers = try MaxMindDatabase(path: Self.testData + "/MaxMind-DB-test-metadata-pointers.mmdb")
        #expect(!pointers.metadata.databaseType.isEmpty)
    }
}
