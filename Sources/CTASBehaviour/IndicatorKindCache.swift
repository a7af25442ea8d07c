import CTASCore

/// The kinds of indicator an event's listed values hold, remembered per value: a scan of ten
/// million stored events spent a third of its time decoding each event's list and running the
/// extractor over values it had classified many times before (popular values recur).
struct IndicatorKindCache: Sendable {
    private let extractor = IndicatorExtractor()
    /// Values by a hash of their bytes, with the bytes to check.
    private var values: [Int: Entry] = [:]

    private struct Entry: Sendable {
        var bytes: [UInt8]
        var kinds: [IndicatorKind]
    }
    /// Values kept at most; a full cache starts again empty.
    let capacity: Int

    init(capacity: Int = 100_000) { self.capacity = max(1, capacity) }

    /// The distinct kinds of `texts`' indicators, in the order the extractor first finds them.
    mutating func kinds(of texts: [String]) -> [IndicatorKind] {
        var out: [IndicatorKind] = []
        for var text in texts {
            // Looked up inside the closure, remembered outside it: a closure (`??`'s too) that
            // changed the cache copied its whole table on every call in a debug build.
            let (key, known) = text.withUTF8 { lookUp(UnsafeRawBufferPointer($0)) }
            if let known {
                add(known, to: &out)
            } else {
                let found = classify(text, key: key, bytes: Array(text.utf8))
                add(found, to: &out)
            }
        }
        return out
    }

    /// The same for a stored list: `json` is its JSON array text as the warm tier writes it
    /// (`["a","b"]`); any other form is decoded in full, and a malformed one holds none.
    mutating func kinds(ofListed json: UnsafeRawBufferPointer) -> [IndicatorKind] {
        var out: [IndicatorKind] = []
        let quote = UInt8(ascii: "\""), n = json.count
        guard n >= 2, json[0] == UInt8(ascii: "["), json[n - 1] == UInt8(ascii: "]") else { return decoded(json) }
        var i = 1
        while i < n - 1 {
            // Each element: a string without escapes, then a comma or the end.
            guard json[i] == quote else { return decoded(json) }
            var end = i + 1
            while end < n - 1, json[end] != quote {
                if json[end] == UInt8(ascii: "\\") { return decoded(json) }
                end += 1
            }
            guard end < n - 1 else { return decoded(json) }
            add(kinds(ofValue: UnsafeRawBufferPointer(rebasing: json[(i + 1)..<end])), to: &out)
            i = end + 1
            if i < n - 1 {
                guard json[i] == UInt8(ascii: ","), i + 1 < n - 1 else { return decoded(json) }
                i += 1
            }
        }
        return out
    }

    private mutating func decoded(_ json: UnsafeRawBufferPointer) -> [IndicatorKind] {
        kinds(of: JSONString.decodeArray(String(decoding: json, as: UTF8.self)) ?? [])
    }

    /// Adds what `out` lacks; a first list is taken as it is (shared, not copied: most stored
    /// lists hold one value).
    private func add(_ kinds: [IndicatorKind], to out: inout [IndicatorKind]) {
        if out.isEmpty {
            out = kinds
            return
        }
        for kind in kinds where !out.contains(kind) { out.append(kind) }
    }

    /// `[kind]` for each kind, made once: a plain value's answer without an allocation.
    private static let single: [[IndicatorKind]] = {
        var lists = [[IndicatorKind]](repeating: [], count: 16)
        for kind in IndicatorKind.allCases { lists[Int(kind.rawValue & 15)] = [kind] }
        return lists
    }()

    private mutating func kinds(ofValue bytes: UnsafeRawBufferPointer) -> [IndicatorKind] {
        if let kind = Self.plainKind(bytes) { return Self.single[Int(kind.rawValue & 15)] }
        let (key, known) = lookUp(bytes)
        if let known { return known }
        return classify(String(decoding: bytes, as: UTF8.self), key: key, bytes: Array(bytes))
    }

    /// The kind of a value in the plainest form of the commonest kinds, told from its bytes
    /// alone (what the extractor finds in it, without a lookup or a copy): a dotted quad of
    /// decimal octets without leading zeros is an IPv4 address; 32, 40 or 64 hex digits are
    /// an MD5, SHA-1 or SHA-256 hash. Nil for anything else (the extractor decides).
    static func plainKind(_ bytes: UnsafeRawBufferPointer) -> IndicatorKind? {
        let n = bytes.count
        guard n >= 7 else { return nil }
        if n <= 15 {
            var octets = 0, value = 0, digits = 0
            for b in bytes {
                if b == UInt8(ascii: ".") {
                    guard digits > 0 else { return nil }
                    octets += 1
                    value = 0
                    digits = 0
                } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                    // A leading zero (`01`) is not the plainest form: the extractor decides.
                    if digits == 1 && value == 0 { return nil }
                    value = value * 10 + Int(b - UInt8(ascii: "0"))
                    digits += 1
                    guard value <= 255 else { return nil }
                } else {
                    return nil
                }
            }
            return octets == 3 && digits > 0 ? .ipv4 : nil
        }
        guard n == 32 || n == 40 || n == 64 else { return nil }
        for b in bytes {
            let hex = (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "f"))
            guard hex else { return nil }
        }
        return n == 32 ? .md5 : n == 40 ? .sha1 : .sha256
    }

    /// The hash of `bytes` and, when the cache holds them, their kinds.
    private func lookUp(_ bytes: UnsafeRawBufferPointer) -> (key: Int, kinds: [IndicatorKind]?) {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        let key = hasher.finalize()
        guard let known = values[key], known.bytes.elementsEqual(bytes) else { return (key, nil) }
        return (key, known.kinds)
    }

    /// Runs the extractor over a value and remembers what it found.
    private mutating func classify(_ text: String, key: Int, bytes: [UInt8]) -> [IndicatorKind] {
        var found: [IndicatorKind] = []
        for indicator in extractor.indicators(listed: text) where !found.contains(indicator.kind) { found.append(indicator.kind) }
        if values.count >= capacity { values.removeAll(keepingCapacity: true) }
        values[key] = Entry(bytes: bytes, kinds: found)
        return found
    }
}
