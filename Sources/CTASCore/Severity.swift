/// How bad an event is, 1 (informational) to 10 (critical), as feeds report it.
public struct Severity: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: UInt8

    public static let range: ClosedRange<Int> = 1...10

    /// Nil when `value` is outside 1...10.
    public init?(_ value: Int) {
        guard Severity.range.contains(value) else { return nil }
        self.value = UInt8(value)
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.value < rhs.value }
    public var description: String { String(value) }

    /// A coarse band for colouring and summaries.
    public var band: Band {
        switch value {
        case 9...: return .critical
        case 7...: return .high
        case 4...: return .medium
        default: return .low
        }
    }

    public enum Band: String, Sendable, CaseIterable { case low, medium, high, critical }
}
