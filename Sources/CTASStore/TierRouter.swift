import CTASCore

/// Where one event goes: the tiers that hold it, and per tier the rule that decided.
/// Small and hashable, so decisions are tallied per distinct placement, not per string.
public struct Placement: Sendable, Hashable {
    /// Bit per `Tier` (in `Tier.allCases` order).
    public var tierBits: UInt8
    /// Deciding rule index per tier in hot, cold, graph order (−1: no rule matched).
    public var hotRule: Int8
    public var coldRule: Int8
    public var graphRule: Int8

    public func contains(_ tier: Tier) -> Bool { tierBits & Self.bit(tier) != 0 }

    public var tiers: [Tier] { Tier.allCases.filter(contains) }

    static func bit(_ tier: Tier) -> UInt8 {
        switch tier {
        case .hot: 1
        case .warm: 2
        case .cold: 4
        case .graph: 8
        }
    }

    func rule(for tier: Tier) -> Int {
        switch tier {
        case .hot: Int(hotRule)
        case .cold: Int(coldRule)
        case .graph: Int(graphRule)
        case .warm: -1
        }
    }
}

/// Decides per event which tiers hold it, from the event's characteristics and the rules
/// (first matching rule per tier decides), and explains each decision.
public struct TierRouter: Sendable {
    public let rules: RoutingRules
    public static let warmReason = "durability contract: every accepted event is stored warm"
    public static let noRuleReason = "no rule matched"
    private let hotRules: [RoutingRules.Rule]
    private let coldRules: [RoutingRules.Rule]
    private let graphRules: [RoutingRules.Rule]

    public init(rules: RoutingRules) {
        self.rules = rules
        hotRules = rules.rules[.hot] ?? []
        coldRules = rules.rules[.cold] ?? []
        graphRules = rules.rules[.graph] ?? []
    }

    /// `indicators`: how many indicators the event holds once extracted (default: those it lists).
    public func place(_ event: Event, indicators: Int? = nil) -> Placement {
        let traits = RecordTraits(event: event, latency: rules.latency(of: event.type), indicators: indicators)
        var bits = Placement.bit(.warm)
        func decide(_ list: [RoutingRules.Rule], _ tier: Tier) -> Int8 {
            for (i, rule) in list.enumerated() where rule.condition.matches(traits) {
                if rule.place { bits |= Placement.bit(tier) }
                return Int8(i)
            }
            return -1
        }
        let hot = decide(hotRules, .hot)
        let cold = decide(coldRules, .cold)
        let graph = decide(graphRules, .graph)
        return Placement(tierBits: bits, hotRule: hot, coldRule: cold, graphRule: graph)
    }

    /// The reason for a tier's decision, e.g. "place: high priority stays in memory".
    public func reason(for tier: Tier, in placement: Placement) -> String {
        if tier == .warm { return "place: " + Self.warmReason }
        let i = placement.rule(for: tier)
        guard i >= 0, let rule = rules.rules[tier]?[i] else { return "skip: " + Self.noRuleReason }
        return (rule.place ? "place: " : "skip: ") + rule.reason
    }
}

/// Counts of routing decisions, cheap to update per event; reasons are spelled out only
/// when a summary or snapshot asks.
public struct RoutingTally: Sendable, Equatable {
    private var byPlacement: [Placement: Int] = [:]

    public init() {}

    public mutating func record(_ placement: Placement, count: Int = 1) {
        byPlacement[placement, default: 0] += count
    }

    public mutating func merge(_ other: RoutingTally) {
        for (placement, n) in other.byPlacement { byPlacement[placement, default: 0] += n }
    }

    /// Events placed per tier.
    public var placed: [Tier: Int] {
        var out: [Tier: Int] = [:]
        for (placement, n) in byPlacement {
            for tier in placement.tiers { out[tier, default: 0] += n }
        }
        return out
    }

    /// tier → reason → events, for every tier.
    public func decisions(router: TierRouter) -> [Tier: [String: Int]] {
        var out: [Tier: [String: Int]] = [:]
        for (placement, n) in byPlacement {
            for tier in Tier.allCases {
                out[tier, default: [:]][router.reason(for: tier, in: placement), default: 0] += n
            }
        }
        return out
    }
}
