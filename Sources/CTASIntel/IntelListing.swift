import CTASCore
import CTASStore

/// One indicator as `ctas intel list` and `show` present it: every report that carries it,
/// merged, with its sightings and its decayed score at a given time.
public struct IntelListing: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        public var report: String
        public var name: String
        public var organization: String?
        public var date: Timestamp?
        public var sourceType: String
        public var forDetection: Bool
        public var comment: String?
    }

    public var indicator: Indicator
    public var sources: [Source] = []
    public var tags: [String] = []
    public var firstSeen: Timestamp?
    public var lastSeen: Timestamp?
    /// The highest confidence a report gives (nil: the decay model's base score applies).
    public var confidence: Double?
    public var validUntil: Timestamp?
    public var sightings = 0
    public var lastSighting: Timestamp?
    /// The latest sightings (newest first), for `show`.
    public var recentSightings: [(time: Timestamp, source: String, event: String)] = []
    public var score = 0.0
    public var decayed = false

    public static func == (a: Self, b: Self) -> Bool {
        a.indicator == b.indicator && a.sources == b.sources && a.tags == b.tags && a.sightings == b.sightings && a.score == b.score
    }

    /// When the decay clock starts: the last sighting, else the last time seen, else the
    /// newest report date.
    public var reference: Timestamp? {
        lastSighting ?? lastSeen ?? sources.compactMap(\.date).max()
    }
}

extension IntelStore {
    /// What `intel list` asks for.
    public struct Selection: Sendable {
        public var kinds: Set<IndicatorKind>? = nil
        public var value: String? = nil
        public var minimumScore: Double? = nil
        public var sightedOnly = false
        public var source: String? = nil
        public var at: Timestamp
        public var model: DecayModel = .nidsSimple
        public var sightingsShown = 0

        public init(at: Timestamp) { self.at = at }
    }

    /// The listings of `indicators` that the store holds (each looked up by its value), at
    /// `time`: what an export of events needs of the intelligence they carry, without
    /// reading every indicator of a large store.
    public func listings(of indicators: Set<Indicator>, at time: Timestamp) throws(StoreError) -> [Indicator: IntelListing] {
        var out: [Indicator: IntelListing] = [:]
        // The log is read once for all of them, not scanned once per indicator.
        var logged: [Indicator: (count: Int64, last: Int64)] = [:]
        if indicators.count > 1 && hasSightingLog {
            try forEachSightingTally(in: "intel_sightings_log", upTo: time) { indicator, count, last in
                if indicators.contains(indicator) { logged[indicator] = (count, last) }
            }
        }
        for indicator in indicators {
            var selection = Selection(at: time)
            selection.value = indicator.value
            selection.kinds = [indicator.kind]
            for listing in try list(selection, logged: indicators.count > 1 ? logged : nil) where listing.indicator == indicator {
                out[indicator] = listing
            }
        }
        return out
    }

    /// Calls `body` with each indicator's count of sightings in `table` up to `time`, and the latest.
    func forEachSightingTally(in table: String, upTo time: Timestamp,
                              _ body: (Indicator, _ count: Int64, _ last: Int64) -> Void) throws(StoreError) {
        let tallies = try database.prepare("SELECT kind, value, count(*), max(ts) FROM \(table) WHERE ts <= ? GROUP BY kind, value")
        try tallies.bind([.integer(time.microseconds)])
        while try tallies.step() {
            guard let kind = IndicatorKind(rawValue: UInt8(clamping: tallies.int64(0))), let value = tallies.text(1) else { continue }
            body(Indicator(kind, value), tallies.int64(2), tallies.int64(3))
        }
    }

    /// The indicators matching `selection`, highest score first.
    public func list(_ selection: Selection) throws(StoreError) -> [IntelListing] {
        try list(selection, logged: nil)
    }

    /// `list(_:)`; `logged`: the sighting log's tallies, read beforehand for many lookups.
    func list(_ selection: Selection, logged: [Indicator: (count: Int64, last: Int64)]?) throws(StoreError) -> [IntelListing] {
        guard Self.exists(in: database) else { return [] }
        var byIndicator: [Indicator: IntelListing] = [:]
        var order: [Indicator] = []
        let sql = """
            SELECT e.kind, e.value, e.report, r.name, r.org, r.date, e.source_type, e.for_detection, e.comment, e.tags,
                   e.first_seen, e.last_seen, e.confidence, e.valid_until
            FROM intel_entries e JOIN intel_reports r ON r.id = e.report
            """ + (selection.value != nil ? " WHERE e.value = ?" : "")
        let query = try database.prepare(sql)
        if let value = selection.value { try query.bind([.text(value)]) }
        func time(_ column: Int32) -> Timestamp? { query.isNull(column) ? nil : Timestamp(microseconds: query.int64(column)) }
        while try query.step() {
            guard let kind = IndicatorKind(rawValue: UInt8(clamping: query.int64(0))), let value = query.text(1) else { continue }
            if let kinds = selection.kinds, !kinds.contains(kind) { continue }
            let indicator = Indicator(kind, value)
            var listing = byIndicator[indicator] ?? { order.append(indicator); return IntelListing(indicator: indicator) }()
            let source = IntelListing.Source(report: query.text(2) ?? "", name: query.text(3) ?? "", organization: query.text(4),
                                             date: time(5), sourceType: query.text(6) ?? "", forDetection: query.int64(7) != 0,
                                             comment: query.text(8))
            if !listing.sources.contains(source) { listing.sources.append(source) }
            for tag in JSONString.decodeArray(query.text(9) ?? "[]") ?? [] where !listing.tags.contains(tag) { listing.tags.append(tag) }
            if let first = time(10) { listing.firstSeen = min(listing.firstSeen ?? first, first) }
            if let last = time(11) { listing.lastSeen = max(listing.lastSeen ?? last, last) }
            if !query.isNull(12) { listing.confidence = max(listing.confidence ?? 0, query.double(12)) }
            if let until = time(13) { listing.validUntil = max(listing.validUntil ?? until, until) }
            byIndicator[indicator] = listing
        }
        // Sightings up to the chosen time, from the indexed table and the log: of the one
        // value asked for (its key prefix; the log scanned unless its tallies came along), or
        // of every indicator in one pass over each.
        func add(_ indicator: Indicator, count: Int64, last: Int64) {
            guard count > 0, var listing = byIndicator[indicator] else { return }
            listing.sightings += Int(clamping: count)
            listing.lastSighting = max(listing.lastSighting ?? Timestamp(microseconds: last), Timestamp(microseconds: last))
            byIndicator[indicator] = listing
        }
        if selection.value != nil {
            for table in sightingTables where !(table == "intel_sightings_log" && logged != nil) {
                let sightings = try database.prepare("SELECT count(*), max(ts) FROM \(table) WHERE kind = ? AND value = ? AND ts <= ?")
                for indicator in order {
                    try sightings.bind([.integer(Int64(indicator.kind.rawValue)), .text(indicator.value), .integer(selection.at.microseconds)])
                    if try sightings.step() { add(indicator, count: sightings.int64(0), last: sightings.int64(1)) }
                    sightings.reset()
                }
            }
            if let logged {
                for indicator in order { if let tally = logged[indicator] { add(indicator, count: tally.count, last: tally.last) } }
            }
        } else {
            for table in sightingTables {
                try forEachSightingTally(in: table, upTo: selection.at) { indicator, count, last in add(indicator, count: count, last: last) }
            }
        }
        var out: [IntelListing] = []
        for indicator in order {
            guard var listing = byIndicator[indicator] else { continue }
            let elapsed = listing.reference.map { selection.at.microseconds &- $0.microseconds } ?? Int64.max
            listing.score = selection.model.score(base: listing.confidence, elapsedMicroseconds: elapsed)
            listing.decayed = selection.model.isDecayed(listing.score)
            if let minimum = selection.minimumScore, listing.score < minimum { continue }
            if selection.sightedOnly && listing.sightings == 0 { continue }
            if let source = selection.source?.lowercased(),
               !listing.sources.contains(where: { $0.name.lowercased().contains(source) || ($0.organization?.lowercased().contains(source) ?? false) || $0.report.lowercased().contains(source) }) {
                continue
            }
            if selection.sightingsShown > 0 && listing.sightings > 0 {
                let recent = try database.prepare(sightingTables.map {
                    "SELECT ts, source, event FROM \($0) WHERE kind = ?1 AND value = ?2 AND ts <= ?3"
                }.joined(separator: " UNION ALL ") + " ORDER BY ts DESC, source, event LIMIT ?4")
                try recent.bind([.integer(Int64(indicator.kind.rawValue)), .text(indicator.value), .integer(selection.at.microseconds),
                                 .integer(Int64(selection.sightingsShown))])
                while try recent.step() {
                    listing.recentSightings.append((Timestamp(microseconds: recent.int64(0)), recent.text(1) ?? "", recent.text(2) ?? ""))
                }
            }
            out.append(listing)
        }
        return out.sorted { ($0.score, $0.indicator.value) > ($1.score, $1.indicator.value) }
    }
}
