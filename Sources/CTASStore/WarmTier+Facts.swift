import CTASCore

/// What the warm tier knows of a set of events that the graph tier does not keep: their
/// entities and their risk (a cluster's, in the correlation pane).
public struct EventFacts: Sendable, Equatable {
    /// Entities, most events first.
    public var entities: [(name: String, events: Int)] = []
    public var maximumRisk: Int?
    /// The highest intel part of their risk scores (0.9 × the intel score).
    public var maximumIntelPart: Int?

    public init() {}

    public static func == (a: EventFacts, b: EventFacts) -> Bool {
        a.entities.map(\.name) == b.entities.map(\.name) && a.entities.map(\.events) == b.entities.map(\.events)
            && a.maximumRisk == b.maximumRisk && a.maximumIntelPart == b.maximumIntelPart
    }
}

extension WarmTier {
    /// The facts of the stored events with these ids (one indexed lookup each).
    public func facts(ofEvents ids: [String]) throws(StoreError) -> EventFacts {
        var facts = EventFacts()
        guard !ids.isEmpty else { return facts }
        let s = try database.prepare("""
            SELECT entity, count(*), max(risk), max((risk_parts >> 8) & 255) FROM events WHERE \(Self.idMatch(count: ids.count)) GROUP BY entity
            """)
        let texts = ids.map { SQLiteValue.text($0) }
        try s.bind(texts + texts)
        var entities: [(String, Int)] = []
        while try s.step() {
            if let name = s.text(0), !name.isEmpty { entities.append((name, Int(s.int64(1)))) }
            if !s.isNull(2) { facts.maximumRisk = max(facts.maximumRisk ?? 0, Int(s.int64(2))) }
            if !s.isNull(3) { facts.maximumIntelPart = max(facts.maximumIntelPart ?? 0, Int(s.int64(3))) }
        }
        facts.entities = entities.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.map { (name: $0.0, events: $0.1) }
        return facts
    }
}
