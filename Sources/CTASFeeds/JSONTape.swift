import CTASCore

/// One JSON document parsed strictly (RFC 8259) into a flat tape of nodes over the line's
/// bytes, for the telemetry formats that read many fields of nested records (EVE, Zeek
/// JSON, MISP, STIX): no dictionaries, no strings made until a field is asked for.
///
/// Nodes are in document order. A container's `next` is the index just past its subtree, so
/// siblings are walked without descending; an object's children alternate key (a string
/// node) and value. Duplicate keys at any depth, bad escapes, control characters in strings,
/// junk after numbers and nesting deeper than `JSONCursor.maxDepth` are refused.
public struct JSONTape {
    public enum Kind: UInt8, Sendable { case object, array, string, number, bool, null }

    public struct Node: Sendable {
        public var kind: Kind
        /// Strings: the content holds backslash escapes (decode before comparing).
        public var escaped: Bool
        /// Byte range: a string's content between its quotes; a literal's text; a
        /// container's whole text, brackets included.
        public var start: Int32
        public var end: Int32
        /// Index of the node after this one's subtree.
        public var next: Int32
        /// Children (objects: members; arrays: elements).
        public var count: Int32
        /// Keys without escapes: a hash of their bytes (`JSONTape.keyHash`), so finding a
        /// member and refusing a duplicate compare one integer before any byte.
        var keyHash: UInt32 = 0
    }

    public let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var nodes: [Node] = []

    /// Parses `bytes` (one JSON value, surrounded by whitespace at most). The tape refers to
    /// `bytes`, which must outlive it.
    public init(parsing bytes: UnsafeBufferPointer<UInt8>, reserve: Int = 64) throws(LineProblem) {
        self.bytes = bytes
        nodes.reserveCapacity(reserve)
        try parseDocument()
    }

    /// Parses `bytes` with its nodes in `storage`'s buffer (taken, emptied, and given back by
    /// `recycle(into:)`): a parser of many records then allocates no tape per record. A tape
    /// that throws keeps the buffer, and the next record starts a new one.
    public init(parsing bytes: UnsafeBufferPointer<UInt8>, storage: inout [Node]) throws(LineProblem) {
        self.bytes = bytes
        swap(&nodes, &storage)
        nodes.removeAll(keepingCapacity: true)
        if nodes.capacity < 64 { nodes.reserveCapacity(64) }
        try parseDocument()
    }

    /// Hands the node buffer back to the parser that lent it (`init(parsing:storage:)`). A
    /// buffer grown past `keptNodes` by one huge record is let go rather than kept.
    public consuming func recycle(into storage: inout [Node]) {
        if nodes.capacity <= Self.keptNodes { swap(&nodes, &storage) }
    }

    /// The largest node buffer `recycle(into:)` keeps (about 1.5 MB).
    public static let keptNodes = 65_536

    private mutating func parseDocument() throws(LineProblem) {
        var c = JSONCursor(bytes)
        c.skipWhitespace()
        guard !c.atEnd else { throw LineProblem("invalid_json", "blank line") }
        try value(&c, depth: 0)
        c.skipWhitespace()
        if !c.atEnd { throw LineProblem("invalid_json", "unexpected characters after the JSON value at byte \(c.index + 1)") }
    }

    private mutating func value(_ c: inout JSONCursor, depth: Int) throws(LineProblem) {
        c.skipWhitespace()
        guard let first = c.peek() else { throw c.truncated("a value") }
        let start = c.index
        switch first {
        case UInt8(ascii: "{"):
            guard depth < JSONCursor.maxDepth else { throw LineProblem("too_deep", "nesting deeper than \(JSONCursor.maxDepth) levels") }
            let me = nodes.count
            nodes.append(Node(kind: .object, escaped: false, start: Int32(start), end: 0, next: 0, count: 0))
            c.index += 1
            c.skipWhitespace()
            var members: Int32 = 0
            if c.peek() == UInt8(ascii: "}") {
                c.index += 1
            } else {
                var anyEscapedKey = false
                var seenHashes = SeenKeyHashes()   // one bit per key hash seen (mod 256): most keys need no walk
                var many: Set<[UInt8]>?        // every decoded key, once the object is large (no quadratic walk)
                while true {
                    c.skipWhitespace()
                    guard c.peek() == UInt8(ascii: "\"") else { throw c.unexpected("a key in double quotes") }
                    let key = try c.readStringToken()
                    let hash = key.hasEscapes ? 0 : Self.keyHash(UnsafeBufferPointer(rebasing: bytes[key.start..<key.end]))
                    anyEscapedKey = anyEscapedKey || key.hasEscapes
                    if members >= KeySet.walkLimit {
                        if many == nil { many = try decodedKeys(of: me, cursor: c) }
                        let text = key.hasEscapes ? Array(try c.string(key).utf8) : Array(bytes[key.start..<key.end])
                        if let result = many?.insert(text), !result.inserted { throw Self.duplicate(String(decoding: text, as: UTF8.self)) }
                    } else if members > 0 && (anyEscapedKey || seenHashes.mayContain(hash)) {
                        try refuseDuplicate(key, hash: hash, object: me, decoding: anyEscapedKey, cursor: c)
                    }
                    seenHashes.insert(hash)
                    nodes.append(Node(kind: .string, escaped: key.hasEscapes, start: Int32(key.start), end: Int32(key.end),
                                      next: Int32(nodes.count + 1), count: 0, keyHash: hash))
                    try c.expect(UInt8(ascii: ":"), "':' after a key")
                    try value(&c, depth: depth + 1)
                    members += 1
                    c.skipWhitespace()
                    guard let n = c.peek() else { throw c.truncated("an object") }
                    c.index += 1
                    if n == UInt8(ascii: "}") { break }
                    guard n == UInt8(ascii: ",") else { c.index -= 1; throw c.unexpected("',' or '}'") }
                }
            }
            nodes[me].end = Int32(c.index)
            nodes[me].next = Int32(nodes.count)
            nodes[me].count = members
        case UInt8(ascii: "["):
            guard depth < JSONCursor.maxDepth else { throw LineProblem("too_deep", "nesting deeper than \(JSONCursor.maxDepth) levels") }
            let me = nodes.count
            nodes.append(Node(kind: .array, escaped: false, start: Int32(start), end: 0, next: 0, count: 0))
            c.index += 1
            c.skipWhitespace()
            var elements: Int32 = 0
            if c.peek() == UInt8(ascii: "]") {
                c.index += 1
            } else {
                while true {
                    try value(&c, depth: depth + 1)
                    elements += 1
                    c.skipWhitespace()
                    guard let n = c.peek() else { throw c.truncated("an array") }
                    c.index += 1
                    if n == UInt8(ascii: "]") { break }
                    guard n == UInt8(ascii: ",") else { c.index -= 1; throw c.unexpected("',' or ']'") }
                }
            }
            nodes[me].end = Int32(c.index)
            nodes[me].next = Int32(nodes.count)
            nodes[me].count = elements
        case UInt8(ascii: "\""):
            let token = try c.readStringToken()
            nodes.append(Node(kind: .string, escaped: token.hasEscapes, start: Int32(token.start), end: Int32(token.end),
                              next: Int32(nodes.count + 1), count: 0))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            try c.literal(first == UInt8(ascii: "t") ? "true" : "false")
            nodes.append(Node(kind: .bool, escaped: false, start: Int32(start), end: Int32(c.index), next: Int32(nodes.count + 1), count: 0))
        case UInt8(ascii: "n"):
            try c.literal("null")
            nodes.append(Node(kind: .null, escaped: false, start: Int32(start), end: Int32(c.index), next: Int32(nodes.count + 1), count: 0))
        case UInt8(ascii: "-"), 48...57:
            let token = try c.readNumberToken()
            nodes.append(Node(kind: .number, escaped: false, start: Int32(token.start), end: Int32(token.end),
                              next: Int32(nodes.count + 1), count: 0))
        default:
            throw c.unexpected("a JSON value")
        }
    }

    /// 256 bits, one per key hash mod 256, in four scalar words chosen without a branch: a
    /// `SIMD4` here stored one lane and then loaded all four, a store-forwarding stall on
    /// every key (a sixth of the tape's time, measured).
    struct SeenKeyHashes {
        private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

        @inline(__always) func mayContain(_ hash: UInt32) -> Bool {
            let word = hash >> 6 & 3, bit: UInt64 = 1 << UInt64(hash & 63)
            let w = word == 0 ? w0 : word == 1 ? w1 : word == 2 ? w2 : w3
            return w & bit != 0
        }

        @inline(__always) mutating func insert(_ hash: UInt32) {
            let word = hash >> 6 & 3, bit: UInt64 = 1 << UInt64(hash & 63)
            w0 |= word == 0 ? bit : 0
            w1 |= word == 1 ? bit : 0
            w2 |= word == 2 ? bit : 0
            w3 |= word == 3 ? bit : 0
        }
    }

    /// A 32-bit hash of a key's bytes in constant time: its length and up to three
    /// unaligned words (first, middle and last eight bytes), multiplied and folded. A
    /// byte-by-byte hash cost a dependent multiply per byte, about a sixth of a Zeek JSON
    /// record's tape. Keys that differ only outside the words read collide, which costs a
    /// byte comparison, never a wrong answer.
    @inline(__always)
    static func keyHash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let n = key.count
        guard let p = key.baseAddress, n > 0 else { return 0x9E37_79B9 }
        let raw = UnsafeRawPointer(p)
        var first: UInt64, last: UInt64, middle: UInt64 = 0
        if n >= 8 {
            first = raw.loadUnaligned(as: UInt64.self)
            last = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            if n > 16 { middle = raw.loadUnaligned(fromByteOffset: n / 2 - 4, as: UInt64.self) }
        } else if n >= 4 {
            first = UInt64(raw.loadUnaligned(as: UInt32.self))
            last = UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else {
            first = UInt64(p[0]) | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1]) << 16
            last = 0
        }
        let a = (first ^ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
        let b = (last ^ UInt64(n)) &* 0x94D0_49BB_1331_11EB
        let c = (middle ^ 0xD6E8_FEB8_6659_FD93) &* 0xFF51_AFD7_ED55_8CCD
        let h = (a ^ (b >> 29) ^ b ^ c) &* 0xC4CE_B9FE_1A85_EC53
        return UInt32(truncatingIfNeeded: h >> 32)
    }

    /// Throws when the object `object` (whose members so far are on the tape) already has
    /// the key `key`. Keys with escapes are compared decoded.
    private func refuseDuplicate(_ key: JSONCursor.StringToken, hash: UInt32, object: Int, decoding: Bool,
                                 cursor: JSONCursor) throws(LineProblem) {
        let length = Int32(key.end - key.start)
        var i = object + 1
        let end = nodes.count
        if decoding {
            let text = try cursor.string(key)
            while i < end {
                if string(of: nodes[i]) == text { throw Self.duplicate(text) }
                i = Int(nodes[i + 1].next)
            }
            return
        }
        while i < end {
            let other = nodes[i]
            if other.keyHash == hash, other.end - other.start == length,
               bytes[Int(other.start)..<Int(other.end)].elementsEqual(bytes[key.start..<key.end]) {
                throw Self.duplicate(String(decoding: UnsafeBufferPointer(rebasing: bytes[key.start..<key.end]), as: UTF8.self))
            }
            i = Int(nodes[i + 1].next)
        }
    }

    /// The decoded keys of the object `object` so far.
    private func decodedKeys(of object: Int, cursor: JSONCursor) throws(LineProblem) -> Set<[UInt8]> {
        var keys = Set<[UInt8]>()
        var i = object + 1
        while i < nodes.count {
            let node = nodes[i]
            keys.insert(node.escaped ? Array(string(of: node).utf8) : Array(bytes[Int(node.start)..<Int(node.end)]))
            i = Int(nodes[i + 1].next)
        }
        return keys
    }

    private static func duplicate(_ key: String) -> LineProblem {
        let name = String(decoding: Array(key.utf8.prefix(64)), as: UTF8.self)
        return LineProblem("duplicate_key", field: name, "key \"\(SafeTextKey.shown(name))\" appears twice; expected each key once")
    }

    // MARK: reading

    /// The root node (the whole document).
    public static let root = 0

    public func kind(_ node: Int) -> Kind { nodes[node].kind }

    /// The value of `key` in the object `object` (nil when absent or `object` is no object).
    public func member(_ object: Int, _ key: String) -> Int? {
        guard object < nodes.count, nodes[object].kind == .object else { return nil }
        var i = object + 1
        let end = Int(nodes[object].next)
        var wanted = key
        return wanted.withUTF8 { k -> Int? in
            let hash = Self.keyHash(k)
            while i < end {
                let keyNode = nodes[i]
                let value = i + 1
                if keyNode.escaped ? keyEquals(keyNode, k) : (keyNode.keyHash == hash && keyEquals(keyNode, k)) { return value }
                i = Int(nodes[value].next)
            }
            return nil
        }
    }

    /// Follows a dotted path of keys (`alert.signature`); nil when any step is missing.
    public func path(_ keys: String..., from start: Int = JSONTape.root) -> Int? {
        var node = start
        for key in keys {
            guard let next = member(node, key) else { return nil }
            node = next
        }
        return node
    }

    /// Calls `body` with each member's key and value node, in order.
    public func forEachMember(_ object: Int, _ body: (_ key: Int, _ value: Int) -> Void) {
        guard object < nodes.count, nodes[object].kind == .object else { return }
        var i = object + 1
        let end = Int(nodes[object].next)
        while i < end {
            body(i, i + 1)
            i = Int(nodes[i + 1].next)
        }
    }

    /// Calls `body` with each element node of an array, in order (never for anything else).
    public func forEachElement(_ array: Int, _ body: (_ element: Int) -> Void) {
        guard array < nodes.count, nodes[array].kind == .array else { return }
        var i = array + 1
        let end = Int(nodes[array].next)
        while i < end {
            body(i)
            i = Int(nodes[i].next)
        }
    }

    /// The element nodes of an array, in order (empty for anything else).
    public func elements(_ array: Int) -> [Int] {
        guard array < nodes.count, nodes[array].kind == .array else { return [] }
        var out: [Int] = []
        out.reserveCapacity(Int(nodes[array].count))
        var i = array + 1
        let end = Int(nodes[array].next)
        while i < end {
            out.append(i)
            i = Int(nodes[i].next)
        }
        return out
    }

    private func keyEquals(_ node: Node, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        if node.escaped { return string(of: node) == String(decoding: key, as: UTF8.self) }
        let length = Int(node.end - node.start)
        guard length == key.count else { return false }
        let start = Int(node.start)
        for k in 0..<length where bytes[start + k] != key[k] { return false }
        return true
    }

    private func string(of node: Node) -> String {
        let cursor = JSONCursor(bytes)
        let token = JSONCursor.StringToken(start: Int(node.start), end: Int(node.end), hasEscapes: node.escaped)
        return (try? cursor.string(token)) ?? ""
    }

    /// A string node's decoded text (nil for other kinds).
    public func string(_ node: Int) -> String? {
        guard node < nodes.count, nodes[node].kind == .string else { return nil }
        return string(of: nodes[node])
    }

    /// A string's text, or a number's or boolean's text as written (the scalars telemetry
    /// fields hold either way: `"port": 443` and `"port": "443"`); nil for null and containers.
    public func text(_ node: Int) -> String? {
        guard node < nodes.count else { return nil }
        let n = nodes[node]
        switch n.kind {
        case .string: return string(of: n)
        case .number, .bool: return raw(node)
        default: return nil
        }
    }

    /// The node's bytes as written (a container whole, a string without its quotes).
    public func raw(_ node: Int) -> String {
        let n = nodes[node]
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(n.start)..<Int(n.end)]), as: UTF8.self)
    }

    /// A number node as a Double (nil for other kinds).
    public func double(_ node: Int) -> Double? {
        guard node < nodes.count, nodes[node].kind == .number else { return nil }
        let n = nodes[node]
        let cursor = JSONCursor(bytes)
        let value = cursor.double(JSONCursor.NumberToken(start: Int(n.start), end: Int(n.end), isInteger: false))
        return value.isFinite ? value : nil
    }

    /// A number node as an integer when it is one that fits (nil otherwise).
    public func integer(_ node: Int) -> Int64? {
        guard node < nodes.count, nodes[node].kind == .number else { return nil }
        let n = nodes[node]
        var i = Int(n.start)
        let end = Int(n.end)
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard end - i <= 18, end > i else { return nil }
        var v: Int64 = 0
        while i < end {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int64(d)
            i += 1
        }
        return negative ? -v : v
    }

    /// A boolean node's value (nil for other kinds).
    public func bool(_ node: Int) -> Bool? {
        guard node < nodes.count, nodes[node].kind == .bool else { return nil }
        return bytes[Int(nodes[node].start)] == UInt8(ascii: "t")
    }

    /// Whether the node is JSON null.
    public func isNull(_ node: Int) -> Bool { node < nodes.count && nodes[node].kind == .null }

    /// The key text of a key node (as passed by `forEachMember`).
    public func key(_ node: Int) -> String { string(of: nodes[node]) }

    /// Strings of an array of strings (other elements skipped); a lone string as one.
    public func strings(_ node: Int) -> [String] {
        guard node < nodes.count else { return [] }
        if nodes[node].kind == .string { return [string(of: nodes[node])] }
        return elements(node).compactMap { text($0) }
    }
}
