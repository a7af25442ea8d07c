/// One typed indicator value in canonical form: refanged, lower-cased where the type is
/// case-insensitive (domains, URL schemes and hosts, e-mail addresses, hashes), CVE ids in
/// upper case, IPv6 in RFC 5952 form. Two indicators are the same exactly when their kind and
/// canonical value are.
public struct Indicator: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var kind: IndicatorKind
    public var value: String

    public init(_ kind: IndicatorKind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    public var description: String { "\(kind.name):\(value)" }

    public static func < (a: Self, b: Self) -> Bool { (a.kind, a.value) < (b.kind, b.value) }
}

/// An indicator found in text, with where and how it was written.
public struct ExtractedIndicator: Hashable, Sendable {
    public var indicator: Indicator
    /// 1-based line of the text where it starts.
    public var line: Int
    /// Byte offset of the written form in the text.
    public var offset: Int
    /// The text as written (defanged forms included); untrusted, sanitize before display.
    public var written: String
    /// True when the written form was defanged (`[.]`, `hxxp`, …).
    public var defanged: Bool

    public init(indicator: Indicator, line: Int, offset: Int, written: String, defanged: Bool) {
        self.indicator = indicator
        self.line = line
        self.offset = offset
        self.written = written
        self.defanged = defanged
    }

    public var kind: IndicatorKind { indicator.kind }
    public var value: String { indicator.value }
}
