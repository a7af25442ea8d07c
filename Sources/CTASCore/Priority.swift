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

    public var name: String {
        switch self {
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        case .critical: "critical"
        }
    }

    public var description: String { name }
    public static let spellings = "low, medium, high or critical"
    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
}
