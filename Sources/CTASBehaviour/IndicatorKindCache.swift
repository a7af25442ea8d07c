import CTASCore

/// The kinds of indicator an event's listed values hold, remembered: a scan of ten million
/// stored events spent a third of its time decoding each event's list and running the
/// extractor over values it had classified many times before.
struct IndicatorKindCache: Sendable {
    private let extractor = IndicatorExtractor()
    /// Whole stored lists (their JSON text) by a hash of their bytes, with the bytes to check.
    private var lists: [Int: (bytes: [UInt8], kinds: [IndicatorKind])] = [:]
    private var values: [String: [IndicatorKind]] = [:]
    /// Entries kept at most in each table; a full table starts again empty.
    static let capacity = 200_000

    /// The distinct kinds of `texts`' indicators, in the order the extractor first finds them.
    mutating func kinds(of texts: [String]) -> [IndicatorKind] {
        var out: [IndicatorKind] = []
        for text in texts {
            for kind in kinds(ofValue: text) where !out.contains(kind) { out.append(kind) }
        }
        return out
    }

    /// The same for a stored list: `json` is its JSON array text (a malformed one holds none).
    mutating func kinds(ofListed json: UnsafeRawBufferPointer) -> [IndicatorKind] {
        guard json.count > 2 else { return [] }
        var hasher = Hasher()
        hasher.combine(bytes: json)
        let key = hasher.finalize()
        if let known = lists[key], known.bytes.elementsEqual(json) { return known.kinds }
        let texts = JSONString.decodeArray(String(decoding: json, as: UTF8.self)) ?? []
        let found = kinds(of: texts)
        if lists.count >= Self.capacity { lists.removeAll(keepingCapacity: true) }
        if lists[key] == nil { lists[key] = (Array(json), found) }
        return found
    }

    private mutating func kinds(ofValue text: String) -> [IndicatorKind] {
        if let known = values[text] { return known }
        var found: [IndicatorKind] = []
        for indicator in extractor.indicators(listed: text) where !found.contains(indicator.kind) { found.append(indicator.kind) }
        if values.count >= Self.capacity { values.removeAll(keepingCapacity: true) }
        values[text] = found
        return found
    }
}
