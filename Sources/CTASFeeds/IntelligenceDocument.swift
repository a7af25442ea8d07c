import CTASCore

/// Threat intelligence handed over where a feed of events was expected: a MISP event or a
/// STIX 2.1 bundle in a directory of logs. Such a document is no feed, and reading it line by
/// line would only reject every line; told from its first record's top-level keys, its source
/// fails alone and says how to import it.
public enum IntelligenceDocument: String, Sendable, Equatable {
    case mispEvent = "a MISP event"
    case mispResponse = "a MISP search response"
    case mispManifest = "a MISP feed's manifest"
    case mispHashes = "a MISP feed's hash list (hashes.csv)"
    case stixBundle = "a STIX 2.1 bundle"
    case stixObject = "a STIX 2.1 object"

    /// What the JSON object starting `bytes` is, from the top-level keys they hold (the object
    /// may be cut off: the first 4 KiB of a large document are enough); or a MISP feed's hash
    /// list, from its first line.
    public static func recognize(_ bytes: UnsafeBufferPointer<UInt8>) -> IntelligenceDocument? {
        if isHashListLine(bytes) { return .mispHashes }
        var scan = TopLevelKeys(bytes)
        var type: [UInt8]?
        var id: [UInt8]?
        var keys: Set<[UInt8]> = []
        var allUUIDs = true
        while let (key, stringValue) = scan.next() {
            allUUIDs = allUUIDs && Self.isUUID(key)
            if key == Self.typeKey { type = stringValue }
            if key == Self.idKey { id = stringValue }
            keys.insert(key)
            if keys.count > 64 { break }
        }
        if keys.contains(Self.eventKey) { return .mispEvent }
        if keys.contains(Self.responseKey) { return .mispResponse }
        if allUUIDs, !keys.isEmpty { return .mispManifest }
        // STIX ids are `type--UUID`; a native event may well have a `type` and an `id`.
        let stixID = id.map { Self.isSTIXIdentifier($0) } ?? false
        if type == Self.bundle, keys.contains(Self.objectsKey) || stixID { return .stixBundle }
        if type != nil, keys.contains(Self.specVersionKey), stixID { return .stixObject }
        return nil
    }

    /// What to do with it instead.
    public var advice: String {
        switch self {
        case .mispEvent, .mispResponse, .stixBundle: "import it with `ctas intel import`"
        case .mispManifest, .mispHashes: "import the feed's directory with `ctas intel import`"
        case .stixObject: "`ctas intel import` takes it inside a STIX bundle ({\"type\":\"bundle\",\"objects\":[…]})"
        }
    }

    /// A line of a MISP feed's `hashes.csv`: an attribute value's MD5 (32 hex digits), a comma
    /// and its event's UUID, nothing else (a CR before the line's end allowed).
    private static func isHashListLine(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var line = bytes[...]
        if let end = line.firstIndex(of: 0x0A) { line = line[..<end] }
        if line.last == 0x0D { line = line.dropLast() }
        guard line.count == 32 + 1 + 36, line[line.startIndex + 32] == UInt8(ascii: ",") else { return false }
        return line.prefix(32).allSatisfy(isHexDigit) && isUUID(Array(line.suffix(36)))
    }

    private static func isHexDigit(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66) }

    /// `8-4-4-4-12` hex digits (a MISP feed's manifest is keyed by event UUIDs).
    private static func isUUID(_ key: [UInt8]) -> Bool {
        guard key.count == 36 else { return false }
        for (i, b) in key.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                guard isHexDigit(b) else { return false }
            }
        }
        return true
    }

    private static func isSTIXIdentifier(_ id: [UInt8]) -> Bool {
        let dash = UInt8(ascii: "-")
        return id.indices.dropLast().contains { id[$0] == dash && id[$0 + 1] == dash && $0 > 0 }
    }

    private static let typeKey = Array("type".utf8)
    private static let eventKey = Array("Event".utf8)
    private static let responseKey = Array("response".utf8)
    private static let bundle = Array("bundle".utf8)
    private static let objectsKey = Array("objects".utf8)
    private static let idKey = Array("id".utf8)
    private static let specVersionKey = Array("spec_version".utf8)

    /// The keys of the outermost object, in order, each with its value when that is a short
    /// string; it stops where the bytes end or stop being JSON.
    private struct TopLevelKeys {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        var opened = false

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func next() -> (key: [UInt8], value: [UInt8]?)? {
            skipSpace()
            if !opened {
                if i + 2 < bytes.count, bytes[i] == 0xEF, bytes[i + 1] == 0xBB, bytes[i + 2] == 0xBF { i += 3 }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
                i += 1
                opened = true
                skipSpace()
            } else {
                guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { return nil }
                i += 1
                skipSpace()
            }
            guard let key = string(limit: 64) else { return nil }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace()
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "\"") {
                guard let value = string(limit: 64) else { return nil }
                return (key, value)
            }
            // A value cut off still tells its key; the next call then ends.
            if !skipValue() { i = bytes.count }
            return (key, nil)
        }

        private mutating func skipSpace() {
            while i < bytes.count, JSONValueFramer.isSpace(bytes[i]) { i += 1 }
        }

        /// A string at `i` (its bytes as written, escapes kept); nil when it does not end.
        private mutating func string(limit: Int) -> [UInt8]? {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                if b == UInt8(ascii: "\"") { return out }
                if b == UInt8(ascii: "\\") { i += 1 }
                if out.count < limit { out.append(b) }
            }
            return nil
        }

        /// Skips a number, literal, object or array at `i`; false when it does not end.
        private mutating func skipValue() -> Bool {
            var depth = 0
            var strings = JSONStringTracker()
            while i < bytes.count {
                let b = bytes[i]
                if strings.consume(b) {
                    i += 1
                    continue
                }
                switch b {
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { return true }
                default: break
                }
                i += 1
                if depth == 0, JSONValueFramer.isSpace(b) { return true }
            }
            return false
        }
    }
}
