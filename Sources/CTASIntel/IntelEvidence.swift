import CTASCore
import CTASStore

/// What the intelligence store says of one indicator, enough to score it at any time: the
/// highest confidence a report gives (nil: the decay model's base) and when its decay clock
/// started (last sighting, else last seen, else the newest report date).
public struct IntelEvidence: Sendable, Equatable {
    public var confidence: Double?
    public var reference: Timestamp?

    public init(confidence: Double?, reference: Timestamp?) {
        self.confidence = confidence
        self.reference = reference
    }

    /// The decayed score at `time` (an event's time: intelligence that was fresh then counts
    /// fully, whenever the recording is replayed). No reference time: fully decayed, as
    /// `intel list` scores it (nothing says the indicator was ever current).
    public func score(at time: Timestamp, model: DecayModel = .nidsSimple) -> Double {
        guard let reference else { return 0 }
        let (elapsed, overflow) = time.microseconds.subtractingReportingOverflow(reference.microseconds)
        let age = overflow ? (elapsed < 0 ? Int64.max : 0) : elapsed
        return model.score(base: confidence, elapsedMicroseconds: age)
    }
}
