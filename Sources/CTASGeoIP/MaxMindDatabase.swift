import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A MaxMind DB file (format 2.0: GeoLite2, GeoIP2, DB-IP…), read in pure Swift: memory
/// mapped (no copy of the file), the binary search tree walked bit by bit (24-, 28- and 32-bit
/// records; IPv4 addresses in IPv6 trees from the `::a.b.c.d` node), the data section's types
/// decoded on demand. A lookup and reading its fields allocate nothing. Every read is bounds
/// checked: a malformed file is refused with the byte offset, never trusted.
public final class MaxMindDatabase: @unchecked Sendable {   // the mapped or copied bytes are read-only and never change after init
    public let path: String
    public let metadata: Metadata
    private let base: UnsafeRawPointer
    private let length: Int
    private let isMapped: Bool
    private let treeBytes: Int
    private let nodeBytes: Int
    /// Where the data section starts and ends (the metadata marker) in the file.
    let dataStart: Int
    let dataEnd: Int
    /// The node an IPv4 lookup starts from (after 96 zero bits in an IPv6 tree).
    private let ipv4Start: UInt32

    /// What the metadata says.
    public struct Metadata: Sendable {
        public var nodeCount: UInt32
        public var recordSize: Int
        public var ipVersion: Int
        public var databaseType: String
        public var languages: [String]
        public var majorVersion: Int
        public var minorVersion: Int
        public var buildEpoch: UInt64
        public var description: [String: String]
        public var all: MMDBValue
    }

    static let marker: [UInt8] = [0xAB, 0xCD, 0xEF] + Array("MaxMind.com".utf8)
    static let maximumDepth = 64

    /// Opens and checks the file (metadata, record size, tree and data section bounds).
    public convenience init(path: String) throws(GeoIPError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        guard size >= Self.marker.count else { throw .noMetadata(path: path) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        try self.init(base: UnsafeRawPointer(mapped), length: size, path: path, isMapped: true)
    }

    /// Reads a database held in memory (a copy of `bytes` is kept); `name` stands for its
    /// path in errors.
    public convenience init(bytes: [UInt8], name: String) throws(GeoIPError) {
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { if let source = $0.baseAddress { copy.copyMemory(from: source, byteCount: bytes.count) } }
        try self.init(base: UnsafeRawPointer(copy), length: bytes.count, path: name, isMapped: false)
    }

    /// Gives back a mapping or a copy.
    private static func release(_ base: UnsafeRawPointer, _ length: Int, isMapped: Bool) {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), length)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// Checks the bytes at `base` (which this instance then owns, and releases on failure).
    private init(base: UnsafeRawPointer, length size: Int, path: String, isMapped: Bool) throws(GeoIPError) {
        self.path = path
        self.isMapped = isMapped
        guard size >= Self.marker.count else {
            Self.release(base, size, isMapped: isMapped)
            throw .noMetadata(path: path)
        }
        // The last marker in the final 128 KiB starts the metadata.
        let bytes = UnsafeRawBufferPointer(start: base, count: size)
        var markerAt: Int?
        var i = size - Self.marker.count
        let lowest = max(0, size - 128 * 1024)
        while i >= lowest {
            if bytes[i] == 0xAB && bytes[i + 1] == 0xCD && bytes[i + 2] == 0xEF && memcmp(base + i, Self.marker, Self.marker.count) == 0 {
                markerAt = i
                break
            }
            i -= 1
        }
        guard let markerAt else {
            Self.release(base, size, isMapped: isMapped)
            throw .noMetadata(path: path)
        }
        let metaStart = markerAt + Self.marker.count
        let decoder = MMDBDecoder(base: base, start: metaStart, end: size, path: path, cache: nil)
        let meta: MMDBValue
        do throws(GeoIPError) {
            meta = try decoder.decode(at: metaStart).value
        } catch {
            Self.release(base, size, isMapped: isMapped)
            throw error
        }
        func required(_ key: String) throws(GeoIPError) -> UInt64 {
            guard let v = meta[key]?.unsigned else {
                Self.release(base, size, isMapped: isMapped)
                throw .badMetadata(path: path, key: key, expected: "an unsigned integer")
            }
            return v
        }
        let nodeCount = try required("node_count")
        let recordSize = try required("record_size")
        let ipVersion = try required("ip_version")
        let major = try required("binary_format_major_version")
        let minor = meta["binary_format_minor_version"]?.unsigned ?? 0
        guard major == 2 else {
            Self.release(base, size, isMapped: isMapped)
            throw .badMetadata(path: path, key: "binary_format_major_version", expected: "2 (this reader reads format 2.x), found \(major)")
        }
        guard [24, 28, 32].contains(recordSize) else {
            Self.release(base, size, isMapped: isMapped)
            throw .badMetadata(path: path, key: "record_size", expected: "24, 28 or 32, found \(recordSize)")
        }
        guard ipVersion == 4 || ipVersion == 6 else {
            Self.release(base, size, isMapped: isMapped)
            throw .badMetadata(path: path, key: "ip_version", expected: "4 or 6, found \(ipVersion)")
        }
        guard nodeCount > 0, nodeCount < UInt64(UInt32.max) else {
            Self.release(base, size, isMapped: isMapped)
            throw .badMetadata(path: path, key: "node_count", expected: "a node count above 0 below 2^32")
        }
        let nodeBytes = Int(recordSize) * 2 / 8
        let (treeBytes, overflow) = Int(nodeCount).multipliedReportingOverflow(by: nodeBytes)
        guard !overflow, treeBytes + 16 <= markerAt else {
            Self.release(base, size, isMapped: isMapped)
            throw .badMetadata(path: path, key: "node_count", expected: "a search tree that fits in the file (\(nodeCount) nodes of \(nodeBytes) bytes, the data section starts at byte \(markerAt))")
        }
        var languages: [String] = []
        if case .array(let items)? = meta["languages"] { languages = items.compactMap(\.string) }
        var description: [String: String] = [:]
        if case .map(let pairs)? = meta["description"] { for p in pairs { description[p.key] = p.value.string } }
        self.metadata = Metadata(nodeCount: UInt32(nodeCount), recordSize: Int(recordSize), ipVersion: Int(ipVersion),
                                 databaseType: meta["database_type"]?.string ?? "", languages: languages,
                                 majorVersion: Int(major), minorVersion: Int(minor), buildEpoch: meta["build_epoch"]?.unsigned ?? 0,
                                 description: description, all: meta)
        self.base = base
        self.length = size
        self.treeBytes = treeBytes
        self.nodeBytes = nodeBytes
        self.dataStart = treeBytes + 16
        self.dataEnd = markerAt
        // IPv4 in an IPv6 tree: follow 96 zero bits once.
        var node: UInt32 = 0
        var depth = 0
        if ipVersion == 6 {
            while depth < 96 && node < UInt32(nodeCount) {
                node = Self.record(base: base, node: node, bit: 0, recordSize: Int(recordSize), nodeBytes: nodeBytes)
                depth += 1
            }
        }
        ipv4Start = node
    }

    deinit { Self.release(base, length, isMapped: isMapped) }

    /// One record of a node (0: left, 1: right), big-endian, per record size.
    private static func record(base: UnsafeRawPointer, node: UInt32, bit: Int, recordSize: Int, nodeBytes: Int) -> UInt32 {
        let p = base + Int(node) * nodeBytes
        @inline(__always) func b(_ i: Int) -> UInt32 { UInt32(p.load(fromByteOffset: i, as: UInt8.self)) }
        switch recordSize {
        case 24:
            return bit == 0 ? b(0) << 16 | b(1) << 8 | b(2) : b(3) << 16 | b(4) << 8 | b(5)
        case 28:
            return bit == 0 ? (b(3) >> 4) << 24 | b(0) << 16 | b(1) << 8 | b(2) : (b(3) & 0x0F) << 24 | b(4) << 16 | b(5) << 8 | b(6)
        default:
            return bit == 0 ? b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3) : b(4) << 24 | b(5) << 16 | b(6) << 8 | b(7)
        }
    }

    /// Where an address's data is: its offset in the file and the prefix length of the
    /// network it belongs to (nil data: the network has no record).
    public struct Hit: Sendable, Equatable {
        public var dataOffset: Int?
        /// Prefix length in the address's own family (IPv4: 0–32).
        public var prefixLength: Int
    }

    /// Looks up an address (4 or 16 bytes, network order). Allocates nothing.
    public func lookup(_ address: IPBytes) throws(GeoIPError) -> Hit {
        let nodeCount = metadata.nodeCount
        var node: UInt32
        let bits: Int
        if address.isV4 {
            node = ipv4Start
            bits = 32
        } else {
            guard metadata.ipVersion == 6 else { return Hit(dataOffset: nil, prefixLength: 0) }
            node = 0
            bits = 128
        }
        var i = 0
        while i < bits && node < nodeCount {
            node = Self.record(base: base, node: node, bit: address.bit(i), recordSize: metadata.recordSize, nodeBytes: nodeBytes)
            i += 1
        }
        let prefix = i
        if node == nodeCount { return Hit(dataOffset: nil, prefixLength: prefix) }
        guard node > nodeCount else {
            throw .corrupt(path: path, offset: Int(node) * nodeBytes, problem: "the search tree holds no answer after \(bits) bits (a loop or a broken tree)")
        }
        let relative = Int(node - nodeCount) - 16
        let offset = dataStart + relative
        guard relative >= 0, offset < dataEnd else {
            throw .corrupt(path: path, offset: Int(node) * nodeBytes, problem: "a search tree record points past the data section (\(node))")
        }
        return Hit(dataOffset: offset, prefixLength: prefix)
    }

    /// The data section's decoder.
    var decoder: MMDBDecoder { MMDBDecoder(base: base, start: dataStart, end: dataEnd, path: path, cache: pointerCache) }
    private let pointerCache = PointerCache()

    /// The whole record at a data offset.
    public func value(at offset: Int) throws(GeoIPError) -> MMDBValue {
        try decoder.decode(at: offset).value
    }

    /// The offset of the value at `keys` under the map at `offset` (nil when a key is
    /// missing); allocates nothing.
    public func locate(_ path: MMDBPath, in offset: Int) throws(GeoIPError) -> Int? {
        try decoder.locate(path, from: offset)
    }

    /// Calls `body` with each key (UTF-8 bytes) and value offset of the map at `offset`, in
    /// one pass, until it returns false. Allocates nothing.
    public func forEachMember(of offset: Int, _ body: (UnsafeRawBufferPointer, Int) throws(GeoIPError) -> Bool) throws(GeoIPError) {
        try decoder.forEachMember(of: offset, body)
    }

    /// A number (double, float or integer) at an offset.
    public func number(at offset: Int) throws(GeoIPError) -> Double? { try decoder.number(at: offset) }

    /// The UTF-8 bytes of a string at an offset (a view into the mapping).
    public func stringBytes(at offset: Int) throws(GeoIPError) -> UnsafeRawBufferPointer? { try decoder.stringBytes(at: offset) }

    /// Walks the whole search tree, checking every record, and decodes every distinct data
    /// record it reaches (a full verification, for `ctas geoip info --verify`); returns the
    /// number of tree records that point into the data section.
    public func verifyTree() throws(GeoIPError) -> Int {
        // Every node, reachable or not: no record may point back to the root (a loop) or
        // into the 16-byte separator before the data section.
        for node in 0..<metadata.nodeCount {
            for bit in 0...1 {
                let r = Self.record(base: base, node: node, bit: bit, recordSize: metadata.recordSize, nodeBytes: nodeBytes)
                if r == 0 {
                    throw .corrupt(path: path, offset: Int(node) * nodeBytes, problem: "node \(node) points back to the root (a loop in the search tree)")
                }
                if r > metadata.nodeCount && r < metadata.nodeCount + 16 {
                    throw .corrupt(path: path, offset: Int(node) * nodeBytes, problem: "node \(node) points into the data section separator (\(r))")
                }
            }
        }
        var reached = 0
        var decoded = Set<Int>()
        var seen = [Bool](repeating: false, count: Int(metadata.nodeCount))
        var stack: [(UInt32, Int)] = [(0, 0)]
        let maxDepth = metadata.ipVersion == 6 ? 128 : 32
        while let (node, depth) = stack.popLast() {
            guard node < metadata.nodeCount else { continue }
            if seen[Int(node)] { continue }
            seen[Int(node)] = true
            for bit in 0...1 {
                let r = Self.record(base: base, node: node, bit: bit, recordSize: metadata.recordSize, nodeBytes: nodeBytes)
                if r < metadata.nodeCount {
                    guard depth + 1 < maxDepth else {
                        throw .corrupt(path: path, offset: Int(node) * nodeBytes, problem: "the search tree is deeper than \(maxDepth) bits")
                    }
                    stack.append((r, depth + 1))
                } else if r > metadata.nodeCount {
                    let offset = dataStart + Int(r - metadata.nodeCount) - 16
                    guard Int(r - metadata.nodeCount) >= 16, offset < dataEnd else {
                        throw .corrupt(path: path, offset: Int(node) * nodeBytes, problem: "a search tree record points past the data section (\(r))")
                    }
                    reached += 1
                    if decoded.insert(offset).inserted { _ = try decoder.decode(at: offset) }
                }
            }
        }
        return reached
    }
}

/// An IP address as the tree reads it: 4 bytes (IPv4) or 16 (IPv6), network order, inline.
public struct IPBytes: Sendable, Equatable, Hashable {
    public var high: UInt64
    public var low: UInt64
    public var isV4: Bool

    /// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are read as IPv4.
    public init?(_ text: String) {
        var t = text
        let parsed: IPBytes? = t.withUTF8 { IPBytes(bytes: $0) }
        guard let parsed else { return nil }
        self = parsed
    }

    public init?(bytes: UnsafeBufferPointer<UInt8>) {
        if let v4 = IPAddress.ipv4(bytes) {
            high = 0
            low = UInt64(v4)
            isV4 = true
            return
        }
        guard let groups = IPAddress.ipv6(bytes) else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        if h == 0 && l >> 32 == 0xFFFF {
            high = 0
            low = l & 0xFFFF_FFFF
            isV4 = true
        } else {
            high = h
            low = l
            isV4 = false
        }
    }

    /// Bit `i` from the most significant end.
    @inline(__always)
    func bit(_ i: Int) -> Int {
        if isV4 { return Int((low >> UInt64(31 - i)) & 1) }
        return i < 64 ? Int((high >> UInt64(63 - i)) & 1) : Int((low >> UInt64(127 - i)) & 1)
    }

    /// The network of `prefix` bits containing the address, in CIDR notation.
    public func network(prefix: Int) -> String {
        if isV4 {
            let p = max(0, min(32, prefix))
            let mask: UInt64 = p == 0 ? 0 : (0xFFFF_FFFF << UInt64(32 - p)) & 0xFFFF_FFFF
            let v = low & mask
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)/\(p)"
        }
        let p = max(0, min(128, prefix))
        let hm: UInt64 = p >= 64 ? .max : p == 0 ? 0 : .max << UInt64(64 - p)
        let lm: UInt64 = p <= 64 ? 0 : p == 128 ? .max : .max << UInt64(128 - p)
        let h = high & hm, l = low & lm
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        for word in [h, l] {
            for shift in stride(from: 48, through: 0, by: -16) {
                groups.append(UInt16(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return IPAddress.ipv6Text(groups) + "/\(p)"
    }
}
