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
    /// fully, whenever the recording is replayed). No reference time: the base score.
    public func score(at time: Timestamp, model: DecayModel = .nidsSimple) -> Double {
        let elapsed = reference.map { time.microseconds.subtractingReportingOverflow($0.microseconds) }
        let age: Int64 = elapsed.map { $0.overflow ? ($0.partialValue < 0 ? Int64.max : 0) : $0.partialValue } ?? 0
        return model.score(base: confidence, elapsedMicroseconds: age)
    }
}

extension IntelStore {
    /// Every indicator the store holds with what scores it (for matching telemetry against
    /// and giving the matches their weight in an event's risk).
    public func evidence(at time: Timestamp = .now()) throws(StoreError) -> [Indicator: IntelEvidence] {
        var out: [Indicator: IntelEvidence] = [:]
        for listing in try list(Selection(at: time)) {
            out[listing.indicator] = IntelEvidence(confidence: listing.confidence, reference: listing.reference)
        }
        return out
    }
}
