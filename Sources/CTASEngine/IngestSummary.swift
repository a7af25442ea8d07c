import CTASCore
import CTASStore

/// What a run did, printed as JSON by `ctas ingest` and `ctas replay --headless`.
public struct IngestSummary: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var name: String
        public var resumedFromOffset: Int64
        public var resumedFromLine: Int
        public var bytesRead: Int64
        public var lines: Int
        public var dropped: Int
        public var state: String
        /// Whether a restart resumes this source from its checkpoint (false for standard
        /// input, pipes and sockets: their producers resend, stored ids count as duplicates).
        public var resumable: Bool?
    }

    public struct TierCount: Codable, Sendable, Equatable {
        /// Events this run placed in the tier (routed, for tiers not built yet).
        public var placed: Int
        public var available: Bool
        /// Events held now (hot: in memory; warm: stored in total).
        public var held: Int?
        /// Reason → events for this run's routing decisions.
        public var decisions: [String: Int]
    }

    /// Per pipeline stage: events, batches and per-batch time (µs).
    public struct Stage: Codable, Sendable, Equatable {
        public var events: Int
        public var batches: Int
        public var p50Micros: UInt64
        public var p95Micros: UInt64
        public var p99Micros: UInt64
        public var maxMicros: UInt64
        /// Seconds the stage spent working, over the run (its batches' times summed).
        public var busySeconds: Double?
    }

    public var accepted: Int
    public var rejected: Int
    public var duplicates: Int
    public var dropped: Int
    public var blankLines: Int
    public var skippedBySeek: Int
    public var rejectReasons: [String: Int]
    /// Accepted records that were odd, counted by kind (`timestamp_without_offset`: read at
    /// the assumed offset, UTC unless `--assume-tz`; `unknown_priority`: kept as a tag, unrated).
    public var warnings: [String: Int] = [:]
    public var seconds: Double
    public var eventsPerSecond: Double
    public var tiers: [String: TierCount]
    public var sources: [Source]
    public var deadLetterFile: String
    public var dataDirectory: String
    public var peakResidentBytes: Int
    public var stages: [String: Stage]
    /// Read → durable in the warm tier, per event (µs).
    public var endToEndP50Micros: UInt64
    public var endToEndP99Micros: UInt64
    public var failure: String?
    /// True when a signal stopped the run before its sources ended.
    public var interrupted = false
    /// Events placed by IP address (absent when no database was in use).
    public var geolocation: GeolocationStatus?
    /// Known intelligence indicators that accepted and duplicate events carried (absent when
    /// the intelligence store is empty).
    public var intelSightings: Int?
    /// Behaviour anomalies found live (absent with `--no-anomalies`).
    public var anomalies: AnomalyStatus?
    /// What the writer did besides its commits: idle and forced checkpoints, key-merge steps,
    /// failed steps (see `WriterUpkeep`).
    public var writerUpkeep: WriterUpkeep?

    /// The summary as pretty JSON with sorted keys.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

import Foundation
