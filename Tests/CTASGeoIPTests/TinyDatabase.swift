/// Writes small MaxMind DB files byte by byte for the malformed-file tests: a search tree of
/// given nodes, a data section of given bytes, and metadata whose every field can be set
/// wrong on purpose.
struct TinyDatabase {
    var nodes: [(left: UInt32, right: UInt32)] = [(1 + 16, 1)]   // 0.0.0.0/1 → data offset 0; the rest empty
    var data: [UInt8] = TinyDatabase.map([("city", TinyDatabase.map([("names", TinyDatabase.map([("en", TinyDatabase.string("Here"))]))]))])
    var recordSize = 24
    var ipVersion = 4
    var nodeCount: UInt32?
    var majorVersion = 2
    var marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)
    var extraMetadata: [(String, [UInt8])] = []
    var omitMetadataKey: String?

    // MARK: data section encoding

    static func control(_ type: Int, size: Int) -> [UInt8] {
        var out: [UInt8] = []
        let typeBits = type <= 7 ? type : 0
        func first(_ sizeBits: Int) -> UInt8 { UInt8(typeBits << 5 | sizeBits) }
        if size < 29 {
            out.append(first(size))
        } else if size < 285 {
            out += [first(29), UInt8(size - 29)]
        } else if size < 65_821 {
            let v = size - 285
            out += [first(30), UInt8(v >> 8), UInt8(v & 0xFF)]
        } else {
            let v = size - 65_821
            out += [first(31), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        if type > 7 { out.insert(UInt8(type - 7), at: 1) }
        return out
    }

    static func string(_ s: String) -> [UInt8] { control(2, size: s.utf8.count) + Array(s.utf8) }
    static func uint(_ type: Int, _ value: UInt64, bytes: Int) -> [UInt8] {
        control(type, size: bytes) + (0..<bytes).reversed().map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }
    static func uint16(_ v: UInt64) -> [UInt8] { uint(5, v, bytes: 2) }
    static func uint32(_ v: UInt64) -> [UInt8] { uint(6, v, bytes: 4) }
    static func uint64(_ v: UInt64) -> [UInt8] { uint(9, v, bytes: 8) }
    static func double(_ v: Double) -> [UInt8] { uint(3, v.bitPattern, bytes: 8) }
    static func map(_ pairs: [(String, [UInt8])]) -> [UInt8] {
        control(7, size: pairs.count) + pairs.flatMap { string($0.0) + $0.1 }
    }
    static func array(_ items: [[UInt8]]) -> [UInt8] { control(11, size: items.count) + items.flatMap { $0 } }
    /// A pointer (1-byte form: offsets below 2048).
    static func pointer(_ offset: Int) -> [UInt8] { [UInt8(0x20 | (offset >> 8 & 0x7)), UInt8(offset & 0xFF)] }

    // MARK: file

    var bytes: [UInt8] {
        var out: [UInt8] = []
        for node in nodes {
            let l = node.left, r = node.right
            switch recordSize {
            case 24:
                out += [UInt8(l >> 16 & 0xFF), UInt8(l >> 8 & 0xFF), UInt8(l & 0xFF), UInt8(r >> 16 & 0xFF), UInt8(r >> 8 & 0xFF), UInt8(r & 0xFF)]
            case 28:
                out += [UInt8(l >> 16 & 0xFF), UInt8(l >> 8 & 0xFF), UInt8(l & 0xFF),
                        UInt8((l >> 24 & 0x0F) << 4 | (r >> 24 & 0x0F)), UInt8(r >> 16 & 0xFF), UInt8(r >> 8 & 0xFF), UInt8(r & 0xFF)]
            default:
                for v in [l, r] { out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
            }
        }
        out += [UInt8](repeating: 0, count: 16)
        out += data
        out += marker
        var meta: [(String, [UInt8])] = [
            ("node_count", Self.uint32(UInt64(nodeCount ?? UInt32(nodes.count)))),
            ("record_size", Self.uint16(UInt64(recordSize))),
            ("ip_version", Self.uint16(UInt64(ipVersion))),
            ("binary_format_major_version", Self.uint16(UInt64(majorVersion))),
            ("binary_format_minor_version", Self.uint16(0)),
            ("database_type", Self.string("Tiny-Test")),
            ("build_epoch", Self.uint64(1_700_000_000)),
            ("languages", Self.array([Self.string("en")])),
            ("description", Self.map([("en", Self.string("tiny"))])),
        ]
        meta.removeAll { $0.0 == omitMetadataKey }
        meta += extraMetadata
        out += Self.map(meta)
        return out
    }
}
