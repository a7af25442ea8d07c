/// The storage tiers of the product plan: hot memory, durable warm SQLite, the cold archive
/// and the correlation graph. A model value (routing decisions and the engine's snapshot name
/// tiers), so code that shows tiers needs no storage module.
public enum Tier: String, CaseIterable, Sendable, Hashable, Codable {
    case hot, warm, cold, graph
}
