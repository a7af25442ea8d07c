/// How urgently an event deserves an analyst's look, 0–100, and the evidence it was made of.
///
/// Four kinds of evidence each say, on their own, how likely the event matters; they are
/// combined as independent evidence (a noisy-OR), so any one strong reason raises the score,
/// several reasons raise it further, and nothing pushes it past 100:
///
///     risk = 100 × (1 − (1 − s) (1 − i) (1 − a) (1 − h))
///
/// - s = 0.6 × severity / 10 (the feed's own judgement; a critical event alone scores 60),
/// - i = 0.9 × the highest intelligence score (0–100, decayed) of the indicators it carries
///   (a fresh, fully trusted indicator alone scores 90),
/// - a = 0.5 × its entity's current anomaly score (0–100) when the event falls inside the
///   anomaly or the hour after it,
/// - h = 0.25 when its place is in a hot spot the engine last found.
///
/// Each part is kept as its own score (`100 × s` and so on, rounded) so the detail view can
/// say why; the total is computed from the unrounded parts.
public struct RiskScore: Sendable, Hashable, CustomStringConvertible {
    /// The combined score, 0–100.
    public let total: UInt8
    /// What severity alone gives, 0–60.
    public let severity: UInt8
    /// What the carried intelligence alone gives, 0–90.
    public let intel: UInt8
    /// What the entity's anomaly alone gives, 0–50.
    public let anomaly: UInt8
    /// What the hot spot alone gives, 0 or 25.
    public let hotspot: UInt8

    public static let severityWeight = 0.6
    public static let intelWeight = 0.9
    public static let anomalyWeight = 0.5
    public static let hotspotWeight = 0.25

    /// Combines the evidence. Scores outside 0–100 (or not finite) are clamped into it, so
    /// no outside value can make the score trap or leave its range.
    public init(severity: Severity?, intelScore: Double?, anomalyScore: Double?, inHotspot: Bool) {
        let s = Self.severityWeight * Double(severity?.value ?? 0) / 10
        let i = Self.intelWeight * Self.unit(intelScore)
        let a = Self.anomalyWeight * Self.unit(anomalyScore)
        let h = inHotspot ? Self.hotspotWeight : 0
        let combined = 1 - (1 - s) * (1 - i) * (1 - a) * (1 - h)
        total = Self.percent(combined)
        self.severity = Self.percent(s)
        intel = Self.percent(i)
        anomaly = Self.percent(a)
        hotspot = Self.percent(h)
    }

    private init(total: UInt8, severity: UInt8, intel: UInt8, anomaly: UInt8, hotspot: UInt8) {
        self.total = total
        self.severity = severity
        self.intel = intel
        self.anomaly = anomaly
        self.hotspot = hotspot
    }

    /// The parts packed in one integer (stored beside the total): bits 0–7 severity, 8–15
    /// intel, 16–23 anomaly, 24–31 hot spot.
    public var packedParts: Int64 {
        Int64(severity) | Int64(intel) << 8 | Int64(anomaly) << 16 | Int64(hotspot) << 24
    }

    /// A stored score; nil when the values cannot be one (out of range: a corrupt row).
    public init?(total: Int64, packedParts: Int64) {
        guard (0...100).contains(total), packedParts >= 0, packedParts < 1 << 32 else { return nil }
        let parts = (0..<4).map { UInt8(truncatingIfNeeded: packedParts >> (8 * $0)) }
        guard parts.allSatisfy({ $0 <= 100 }) else { return nil }
        self.init(total: UInt8(total), severity: parts[0], intel: parts[1], anomaly: parts[2], hotspot: parts[3])
    }

    /// `72 (severity 48, intel 54, anomaly 0, hot spot 0)`.
    public var description: String {
        "\(total) (severity \(severity), intel \(intel), anomaly \(anomaly), hot spot \(hotspot))"
    }

    private static func unit(_ score: Double?) -> Double {
        guard let score, score.isFinite else { return 0 }
        return Swift.min(Swift.max(score, 0), 100) / 100
    }

    private static func percent(_ x: Double) -> UInt8 {
        UInt8(Swift.min(Swift.max((x * 100).rounded(), 0), 100))
    }
}
