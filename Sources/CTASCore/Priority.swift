/// The handling priority a feed assigns to an event; the tier router reads it.
public enum Priority: Int, Hashable, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case low = 1, medium = 2, high = 3, critical = 4

    /// Parses the feed spelling (`low`, `medium`, `high`, `critical`, any case).
    public init?(name: some StringProtocol) {
        switch name.lowercased() {
        case "low": self = .low
        case "medium": self = .medium
        case "high": self = .high
        case "critical": self = .critical
        default: return nil
        }
    }

    /// Reads the priority words feeds and ticketing systems use, leniently (README table):
    /// `critical`/`crit`/`emergency`/`blocker`/`highest`/`P1`/`1` → critical;
    /// `high`/`urgent`/`major`/`important`/`P2`/`2` → high;
    /// `medium`/`med`/`normal`/`moderate`/`default`/`average`/`P3`/`3` → medium;
    /// `low`/`minor`/`trivial`/`lowest`/`informational`/`info`/`P4`/`P5`/`4`/`5` → low.
    /// Nil for anything else (the caller keeps the word and counts it as unrated).
    public init?(lenient text: some StringProtocol) {
        let word = text.lowercased().trimmingCharacters(in: " \t")
        switch word {
        case "critical", "crit", "emergency", "emerg", "blocker", "highest", "p1", "1": self = .critical
        case "high", "urgent", "major", "important", "p2", "2": self = .high
        case "medium", "med", "normal", "moderate", "default", "average", "p3", "3": self = .medium
        case "low", "minor", "trivial", "lowest", "informational", "info", "p4", "p5", "4", "5": self = .low
        default: return nil
        }
    }

    /// The P1–P5 scale as a number (1 is the most urgent).
    public init?(number: Int) {
        switch number {
        case 1: self = .critical
        case 2: self = .high
        case 3: self = .medium
        case 4, 5: self = .low
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        case .critical: "critical"
        }
    }

    public var description: String { name }
    /// What a feed may write (read by `init(lenient:)`).
    public static let spellings = "a word such as low, normal, high, urgent or critical, P1–P5, or 1–5"
    /// The four names (rules files compare with these).
    public static let names = "low, medium, high or critical"
    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
}
