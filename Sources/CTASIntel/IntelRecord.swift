import CTASCore
import CTASFeeds

/// A report that carries indicators: a MISP event, a STIX report (or the bundle itself when
/// it has none), a feed. Reports are what the analyst's second question is about: "what else
/// belongs to that report?"
public struct IntelReport: Sendable, Hashable {
    /// Stable across imports: `misp:<event uuid>`, `stix:<report id>`, `stix-bundle:<bundle id>`.
    public var id: String
    /// `misp` or `stix`.
    public var format: String
    public var name: String
    public var organization: String?
    /// The report's date (MISP `date`, STIX `published`/`created`).
    public var date: Timestamp?
    /// Its version: a newer one replaces the stored one (MISP `timestamp`, STIX `modified`).
    public var modified: Timestamp
    /// Taxonomy tags (`tlp:amber`, `misp-galaxy:…`, `mitre-attack:T1071`), as written.
    public var tags: [String]

    public init(id: String, format: String, name: String, organization: String? = nil, date: Timestamp? = nil,
                modified: Timestamp, tags: [String] = []) {
        self.id = id
        self.format = format
        self.name = name
        self.organization = organization
        self.date = date
        self.modified = modified
        self.tags = tags
    }
}

/// One indicator as one report gives it, with that report's context.
public struct IntelEntry: Sendable, Hashable {
    public var report: String
    /// Canonical, as extraction writes it (so telemetry's indicators match it exactly).
    public var indicator: Indicator
    /// What the report called it (`ip-dst`, `domain|ip`, `file:hashes.'SHA-256'`).
    public var sourceType: String
    public var tags: [String]
    public var firstSeen: Timestamp?
    public var lastSeen: Timestamp?
    /// Whether the report marks it for detection (MISP `to_ids`; STIX indicators are).
    public var forDetection: Bool
    public var comment: String?
    /// A score the report gives (STIX `confidence`); else the decay model's base score.
    public var confidence: Double?
    public var validUntil: Timestamp?

    public init(report: String, indicator: Indicator, sourceType: String, tags: [String] = [], firstSeen: Timestamp? = nil,
                lastSeen: Timestamp? = nil, forDetection: Bool = true, comment: String? = nil, confidence: Double? = nil,
                validUntil: Timestamp? = nil) {
        self.report = report
        self.indicator = indicator
        self.sourceType = sourceType
        self.tags = tags
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.forDetection = forDetection
        self.comment = comment
        self.confidence = confidence
        self.validUntil = validUntil
    }
}

/// A sighting a report carries (MISP `Sighting`, STIX `sighting`).
public struct IntelSighting: Sendable, Hashable {
    public var indicator: Indicator
    public var time: Timestamp
    /// Who saw it (an organisation or sensor name), or the event id when CTAS saw it.
    public var source: String

    public init(indicator: Indicator, time: Timestamp, source: String) {
        self.indicator = indicator
        self.time = time
        self.source = source
    }
}

/// Why part of an intelligence file was not imported: the file, the JSON path, what was
/// wrong. The rest of the file is imported.
public struct IntelProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        case invalidJSON(String)
        case notIntelligence(expected: String)
        case unsupportedType(String)
        case notAnIndicator(type: String)
        case patternNotUnderstood(String)
        case qualifierNotEvaluated(String)
        case danglingReference(String)
        case missingField(String)
        case unreadable(String)
    }

    public var file: String
    public var path: String
    public var reason: Reason

    public init(file: String, path: String, reason: Reason) {
        self.file = file
        self.path = path
        self.reason = reason
    }

    /// A short key to count problems by (`unsupported_type:regkey`).
    public var key: String {
        switch reason {
        case .invalidJSON: "invalid_json"
        case .notIntelligence: "not_intelligence"
        case .unsupportedType(let type): "unsupported_type:" + type
        case .notAnIndicator(let type): "not_an_indicator:" + type
        case .patternNotUnderstood: "pattern_not_understood"
        case .qualifierNotEvaluated(let q): "qualifier_not_evaluated:" + q
        case .danglingReference: "dangling_reference"
        case .missingField(let f): "missing_field:" + f
        case .unreadable: "unreadable"
        }
    }

    public var description: String {
        let what: String = switch reason {
        case .invalidJSON(let detail): "invalid JSON: \(detail)"
        case .notIntelligence(let expected): "not intelligence; expected \(expected)"
        case .unsupportedType(let type): "attribute type '\(type)' is not an indicator CTAS matches (kept out)"
        case .notAnIndicator(let type): "the value of this '\(type)' is not a valid indicator of that type"
        case .patternNotUnderstood(let detail): "pattern not understood: \(detail)"
        case .qualifierNotEvaluated(let q): "qualifier \(q) parsed but not evaluated (its comparisons are imported)"
        case .danglingReference(let ref): "reference to \(ref), which the bundle does not hold"
        case .missingField(let field): "missing '\(field)'"
        case .unreadable(let detail): detail
        }
        return SafeText.sanitize("\(file): \(path): \(what)")
    }
}

/// What one file (or feed directory) holds.
public struct IntelBatch: Sendable {
    public var reports: [IntelReport] = []
    public var entries: [IntelEntry] = []
    public var sightings: [IntelSighting] = []
    public var problems: [IntelProblem] = []

    public init() {}

    public mutating func append(_ other: IntelBatch) {
        reports += other.reports
        entries += other.entries
        sightings += other.sightings
        problems += other.problems
    }
}

extension IndicatorExtractor {
    /// The canonical indicator a report's value stands for, when the whole value (trimmed)
    /// is one indicator of one of `kinds`: `"domain autuo.xicp.net"` is not a domain.
    func intelValue(_ value: String, kinds: [IndicatorKind]) -> Indicator? {
        let trimmed = value.trimmingASCIIWhitespace()
        // Whitespace inside means more than one word: checked on the bytes for ASCII text (the
        // common case; Character properties are slow), by Character only when there is more.
        guard !trimmed.isEmpty else { return nil }
        switch ASCIIText.scan(trimmed) {
        case .ascii(hasSpaceOrControl: true): return nil
        case .ascii: break
        case .other: guard !trimmed.contains(where: \.isWhitespace) else { return nil }
        }
        if let kind = CanonicalValue.kind(of: trimmed, kinds: kinds) { return Indicator(kind, trimmed) }
        return indicators(listed: trimmed).first { kinds.contains($0.kind) }
    }
}

/// Values a report already writes in their canonical form, recognised without the extractor:
/// a hash in lowercase hex of its kind's length, an IPv4 address in dotted decimal without
/// leading zeros. Most of a feed's values are such; anything else (uppercase, defanged,
/// domains, URLs) goes through the extractor. Tests hold the two to the same answers.
enum CanonicalValue {
    static func kind(of value: String, kinds: [IndicatorKind]) -> IndicatorKind? {
        var value = value
        return value.withUTF8 { bytes -> IndicatorKind? in
            if kinds.count == 1, let length = hashLength(kinds[0]) {
                return bytes.count == length && bytes.allSatisfy(isLowercaseHex) ? kinds[0] : nil
            }
            return kinds.contains(.ipv4) && isDottedQuad(bytes) ? .ipv4 : nil
        }
    }

    private static func hashLength(_ kind: IndicatorKind) -> Int? {
        switch kind {
        case .md5: 32
        case .sha1: 40
        case .sha256: 64
        default: nil
        }
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    /// Four decimal numbers 0–255 joined by dots, none with a leading zero.
    static func isDottedQuad(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 7, bytes.count <= 15 else { return false }
        var parts = 0, digits = 0, number = 0, leadingZero = false
        for byte in bytes {
            if byte == 0x2E {
                guard digits > 0 else { return false }
                parts += 1
                digits = 0
                number = 0
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return false }
            if digits == 0 { leadingZero = byte == 0x30 } else if leadingZero { return false }
            digits += 1
            number = number * 10 + Int(byte - 0x30)
            guard digits <= 3, number <= 255 else { return false }
        }
        return parts == 3 && digits > 0
    }
}

/// Parses a file's bytes as one JSON document for a reader: an invalid document becomes a
/// problem at `$`, a valid one is handed to `body`.
enum IntelJSON {
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, file: String, _ body: (JSONTape, inout IntelBatch) -> Void) -> IntelBatch {
        var batch = IntelBatch()
        do throws(LineProblem) {
            let tape = try JSONTape(parsing: bytes, reserve: max(64, bytes.count / 16))
            body(tape, &batch)
        } catch {
            batch.problems.append(IntelProblem(file: file, path: "$", reason: .invalidJSON(error.message)))
        }
        return batch
    }
}

/// One pass over a string's bytes: whether it is ASCII, and if so whether it holds a space or
/// control byte (`utf8.contains(where:)` twice walked the bytes twice through the generic path).
enum ASCIIText {
    enum Scan: Equatable {
        case ascii(hasSpaceOrControl: Bool)
        case other
    }

    static func scan(_ text: String) -> Scan {
        var text = text
        return text.withUTF8 { bytes in
            var low = false
            for byte in bytes {
                if byte >= 0x80 { return .other }
                if byte <= 0x20 { low = true }
            }
            return .ascii(hasSpaceOrControl: low)
        }
    }
}
