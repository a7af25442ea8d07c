/// The types of indicator CTAS extracts and correlates.
///
/// The raw values are stable: they are stored in the graph tier and printed by
/// `ctas ioc extract`, so they never change meaning.
public enum IndicatorKind: UInt8, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case ipv4 = 1
    case ipv6 = 2
    case domain = 3
    case url = 4
    case email = 5
    case md5 = 6
    case sha1 = 7
    case sha256 = 8
    case cve = 9
    /// A value a feed listed as an indicator that matches none of the typed forms (a file
    /// name, a mutex, a user agent…); it still correlates by exact text.
    case other = 15

    /// The name used in output and on the command line (`ipv4`, `sha256`, …).
    public var name: String {
        switch self {
        case .ipv4: "ipv4"
        case .ipv6: "ipv6"
        case .domain: "domain"
        case .url: "url"
        case .email: "email"
        case .md5: "md5"
        case .sha1: "sha1"
        case .sha256: "sha256"
        case .cve: "cve"
        case .other: "other"
        }
    }

    public var description: String { name }

    /// The kind called `name`, if any.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = kind
    }

    /// A short label for narrow displays (`IP`, `DOM`, `SHA256`…).
    public var label: String {
        switch self {
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        case .domain: "domain"
        case .url: "URL"
        case .email: "e-mail"
        case .md5: "MD5"
        case .sha1: "SHA-1"
        case .sha256: "SHA-256"
        case .cve: "CVE"
        case .other: "other"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
