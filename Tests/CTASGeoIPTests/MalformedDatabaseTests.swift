@testable import CTASGeoIP
import Foundation
import Testing

/// Each kind of corruption, made on purpose in a small database: refused with an error that
/// names the file and the byte offset, never a crash, a hang or an allocation sized by the
/// file's claims.
@Suite("malformed MaxMind DB files")
struct MalformedDatabaseTests {
    static func open(_ tiny: TinyDatabase) throws(GeoIPError) -> MaxMindDatabase {
        try MaxMindDatabase(bytes: tiny.bytes, name: "tiny.mmdb")
    }

    /// Opens, verifies the whole tree and looks up `address`, decoding its record.
    static func read(_ tiny: TinyDatabase, _ address: String = "1.2.3.4") throws(GeoIPError) -> MMDBValue? {
        let database = try open(tiny)
        _ = try database.verifyTree()
        guard let ip = IPBytes(address), let offset = try database.lookup(ip).dataOffset else { return nil }
        return try database.value(at: offset)
    }

    static func corruptOffset(_ body: () throws -> Void) -> (offset: Int, problem: String)? {
        do {
            try body()
            return nil
        } catch let error as GeoIPError {
            if case .corrupt(let path, let offset, let problem) = error, path == "tiny.mmdb" { return (offset, problem) }
            return (-1, error.description)
        } catch {
            return (-1, "not a GeoIPError: \(error)")
        }
    }

    @Test("the well-formed tiny database reads")
    func wellFormed() throws {
        let value = try Self.read(TinyDatabase())
        #expect(value?["city"]?["names"]?["en"] == .string("Here"))
        #expect(try Self.read(TinyDatabase(), "200.1.1.1") == nil)
        for size in [24, 28, 32] {
            var tiny = TinyDatabase()
            tiny.recordSize = size
            #expect(try Self.read(tiny)?["city"]?["names"]?["en"] == .string("Here"), "record size \(size)")
        }
        let locator = GeoLocator(databases: [try Self.open(TinyDatabase())])
        let answer = try locator.locate("1.2.3.4")
        #expect(answer.found && answer.city == "Here" && answer.network == "0.0.0.0/1")
    }

    @Test("a file cut anywhere is refused")
    func truncated() {
        let full = TinyDatabase().bytes
        for length in 0..<full.count {
            let cut = Array(full[0..<length])
            #expect(throws: GeoIPError.self, "cut at \(length) of \(full.count)") {
                let database = try MaxMindDatabase(bytes: cut, name: "tiny.mmdb")
                _ = try database.verifyTree()
                if let offset = try database.lookup(IPBytes("1.2.3.4")!).dataOffset { _ = try database.value(at: offset) }
            }
        }
    }

    @Test("no metadata marker, or a broken one")
    func marker() {
        var tiny = TinyDatabase()
        tiny.marker[5] = UInt8(ascii: "X")
        #expect(throws: GeoIPError.noMetadata(path: "tiny.mmdb")) { try Self.open(tiny) }
        #expect(throws: GeoIPError.noMetadata(path: "empty.mmdb")) { try MaxMindDatabase(bytes: [], name: "empty.mmdb") }
    }

    @Test("metadata that is missing or wrong names the key and what was expected")
    func metadata() {
        func refusedKey(_ change: (inout TinyDatabase) -> Void) -> String? {
            var tiny = TinyDatabase()
            change(&tiny)
            do throws(GeoIPError) {
                _ = try Self.open(tiny)
                return nil
            } catch {
                if case .badMetadata(_, let key, _) = error { return key }
                return "other: \(error)"
            }
        }
        #expect(refusedKey { $0.recordSize = 25 } == "record_size")
        #expect(refusedKey { $0.ipVersion = 5 } == "ip_version")
        #expect(refusedKey { $0.majorVersion = 3 } == "binary_format_major_version")
        #expect(refusedKey { $0.nodeCount = 0 } == "node_count")
        #expect(refusedKey { $0.nodeCount = 4_000_000 } == "node_count")   // the tree would not fit
        #expect(refusedKey { $0.omitMetadataKey = "node_count" } == "node_count")
        #expect(refusedKey { $0.omitMetadataKey = "record_size" } == "record_size")
    }

    @Test("tree records out of range, into the separator, or looping")
    func tree() {
        var past = TinyDatabase()
        past.nodes = [(1 + 16 + 100_000, 1)]
        #expect(Self.corruptOffset { _ = try Self.read(past) } != nil)

        var separator = TinyDatabase()
        separator.nodes = [(1 + 5, 1)]
        #expect(Self.corruptOffset { _ = try Self.read(separator, "200.1.1.1") }?.problem.contains("separator") == true)

        // Node 1 points back to the root: lookups stop after 32 bits with an error, and
        // verification finds the loop even where no lookup goes.
        var loop = TinyDatabase()
        loop.nodes = [(1, 2 + 16), (0, 0)]
        let lookup = Self.corruptOffset {
            let database = try Self.open(loop)
            _ = try database.lookup(IPBytes("0.0.0.0")!)
        }
        #expect(lookup?.problem.contains("no answer") == true)
        #expect(Self.corruptOffset { _ = try Self.open(loop).verifyTree() }?.problem.contains("root") == true)
    }

    @Test("pointers out of range, to pointers, and cycles through maps")
    func pointers() {
        var outside = TinyDatabase()
        outside.data = TinyDatabase.map([("city", TinyDatabase.pointer(2000))])
        #expect(Self.corruptOffset { _ = try Self.read(outside) }?.problem.contains("outside") == true)

        var toPointer = TinyDatabase()
        toPointer.data = TinyDatabase.pointer(2) + TinyDatabase.pointer(0)
        #expect(Self.corruptOffset { _ = try Self.read(toPointer) }?.problem.contains("another pointer") == true)

        // {"a": → itself}: a cycle, refused at the nesting limit.
        var cycle = TinyDatabase()
        cycle.data = TinyDatabase.map([("a", TinyDatabase.pointer(0))])
        #expect(Self.corruptOffset { _ = try Self.read(cycle) }?.problem.contains("nesting") == true)
        // The allocation-free path meets the same cycle and stops too.
        #expect(Self.corruptOffset {
            let database = try Self.open(cycle)
            _ = try database.locate(MMDBPath("a", "a", "a"), in: database.dataStart)
        } == nil, "three hops through the cycle are fine")
    }

    @Test("sizes that lie: strings, maps and arrays larger than the file, nesting deeper than 64")
    func sizes() {
        var longString = TinyDatabase()
        longString.data = TinyDatabase.map([("city", TinyDatabase.control(2, size: 16_000_000))])
        #expect(Self.corruptOffset { _ = try Self.read(longString) }?.problem.contains("past the end") == true)

        var bigMap = TinyDatabase()
        bigMap.data = TinyDatabase.control(7, size: 10_000_000)
        #expect(Self.corruptOffset { _ = try Self.read(bigMap) }?.problem.contains("cannot fit") == true)

        var bigArray = TinyDatabase()
        bigArray.data = TinyDatabase.map([("a", TinyDatabase.control(11, size: 5_000_000))])
        #expect(Self.corruptOffset { _ = try Self.read(bigArray) }?.problem.contains("cannot fit") == true)

        var deep = TinyDatabase()
        var nested = TinyDatabase.string("x")
        for _ in 0..<100 { nested = TinyDatabase.array([nested]) }
        deep.data = nested
        #expect(Self.corruptOffset { _ = try Self.read(deep) }?.problem.contains("nesting") == true)

        var badDouble = TinyDatabase()
        badDouble.data = TinyDatabase.map([("d", TinyDatabase.control(3, size: 4) + [0, 0, 0, 0])])
        #expect(Self.corruptOffset { _ = try Self.read(badDouble) }?.problem.contains("double") == true)

        var badUTF8 = TinyDatabase()
        badUTF8.data = TinyDatabase.map([("city", TinyDatabase.control(2, size: 2) + [0xC3, 0x28])])
        #expect(Self.corruptOffset { _ = try Self.read(badUTF8) }?.problem.contains("UTF-8") == true)

        var badKey = TinyDatabase()
        badKey.data = TinyDatabase.control(7, size: 1) + TinyDatabase.uint16(5) + TinyDatabase.string("v")
        #expect(Self.corruptOffset { _ = try Self.read(badKey) }?.problem.contains("key") == true)

        var unknownType = TinyDatabase()
        unknownType.data = [0x00, 0x09]   // extended type 16
        #expect(Self.corruptOffset { _ = try Self.read(unknownType) } != nil)
    }

    @Test("every data type decodes, extended ones included")
    func types() throws {
        var tiny = TinyDatabase()
        tiny.data = TinyDatabase.map([
            ("s", TinyDatabase.string("ünï")), ("d", TinyDatabase.double(-1.5)),
            ("b", TinyDatabase.control(4, size: 3) + [1, 2, 3]), ("u16", TinyDatabase.uint16(65_535)),
            ("u32", TinyDatabase.uint32(4_000_000_000)), ("i32", TinyDatabase.uint(8, 0xFFFF_FFFF, bytes: 4)),
            ("u64", TinyDatabase.uint64(.max)), ("u128", TinyDatabase.uint(10, 7, bytes: 16)),
            ("t", TinyDatabase.control(14, size: 1)), ("f", TinyDatabase.control(15, size: 4) + [0x3F, 0xC0, 0, 0]),
            ("a", TinyDatabase.array([TinyDatabase.uint16(1), TinyDatabase.string("two")])),
            ("p", TinyDatabase.pointer(3)),   // to "s"'s value, 3 bytes in
        ])
        let value = try #require(try Self.read(tiny))
        #expect(value["s"] == .string("ünï"))
        #expect(value["d"] == .double(-1.5))
        #expect(value["b"] == .bytes([1, 2, 3]))
        #expect(value["u16"] == .uint16(65_535))
        #expect(value["u32"] == .uint32(4_000_000_000))
        #expect(value["i32"] == .int32(-1))
        #expect(value["u64"] == .uint64(.max))
        #expect(value["u128"] == .uint128(high: 0, low: 7))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .float(1.5))
        #expect(value["a"] == .array([.uint16(1), .string("two")]))
        #expect(value["p"] == .string("ünï"), "a pointer to another value of the record")
        #expect(value.json.hasPrefix("{\"s\":\"ünï\",\"d\":-1.5,"))
    }
}
