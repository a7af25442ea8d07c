import CTASCore
import Foundation

/// How an indicator's score decays with time since it was last sighted (else last seen, else
/// its report's date), after MISP's polynomial model:
/// `score = base × (1 − (t/τ)^(1/δ))` for t < τ, 0 after; below `threshold` it counts as
/// decayed. The base score is the report's confidence when it gives one, else the model's.
public struct DecayModel: Sendable, Equatable {
    public var name: String
    /// τ, the lifetime in days.
    public var lifetimeDays: Double
    /// δ, the decay speed (1: linear; larger: slower at first, then faster).
    public var speed: Double
    public var threshold: Double
    public var defaultBase: Double

    public init(name: String, lifetimeDays: Double, speed: Double, threshold: Double, defaultBase: Double) {
        self.name = name
        self.lifetimeDays = lifetimeDays
        self.speed = speed
        self.threshold = threshold
        self.defaultBase = defaultBase
    }

    /// MISP's "NIDS Simple Decaying Model" defaults: τ 120 days, δ 2, threshold 30, base 80.
    public static let nidsSimple = DecayModel(name: "nids-simple", lifetimeDays: 120, speed: 2, threshold: 30, defaultBase: 80)

    /// The score at `elapsed` microseconds after the reference time (a negative age counts as
    /// zero: the indicator was just seen).
    public func score(base: Double?, elapsedMicroseconds: Int64) -> Double {
        let b = base ?? defaultBase
        guard lifetimeDays > 0, speed > 0, b.isFinite else { return 0 }
        let days = Double(max(0, elapsedMicroseconds)) / 86_400_000_000
        guard days < lifetimeDays else { return 0 }
        return max(0, b * (1 - Foundation.pow(days / lifetimeDays, 1 / speed)))
    }

    public func isDecayed(_ score: Double) -> Bool { score < threshold }
}
