import CTASCore

/// Correlations planted in a generated feed, with their ground truth: each campaign's
/// indicators are shared by exactly its events and by no other event, so a correlation
/// engine must find exactly these links.
public struct PlantedCampaign: Codable, Sendable, Equatable {
    public var name: String
    /// Canonical values, as `ctas ioc extract` writes them.
    public var indicators: [String]
    /// Ids of the events that hold all of `indicators` (some only in their description,
    /// defanged, so extraction is part of what is tested).
    public var events: [String]
}

/// Schedules planted events: every `stride`-th event joins the next campaign that still
/// needs members; every `sharedStride`-th carries one value shared by `sharedCount` events,
/// more than the default over-correlation threshold. A random source of its own keeps the
/// rest of the feed identical with and without planting.
struct CorrelationPlanter: Sendable {
    static let stride = 37
    static let sharedStride = 41
    static let sharedCount = 25
    static let sharedValue = "cdn-shared.plantedge.net"

    private(set) var campaigns: [PlantedCampaign] = []
    private(set) var shared = PlantedCampaign(name: "over-correlating", indicators: [sharedValue], events: [])
    private var sizes: [Int] = []
    private var rng: SeededRandom
    private var next = 0

    init(count: Int, seed: UInt64, avoiding pools: IndicatorPools) {
        rng = SeededRandom(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        let tlds = ["com", "net", "org", "info", "xyz", "top"]
        for i in 0..<count {
            var ip: String
            repeat {
                ip = "\(45 + rng.below(100)).\(rng.below(256)).\(rng.below(256)).\(1 + rng.below(254))"
            } while pools.ipv4.contains(ip)
            let domain = "plant-\(i + 1)-\(rng.pick(["quiet", "amber", "north", "lantern", "vector", "harbor"]))\(rng.below(1000)).\(rng.pick(tlds))"
            campaigns.append(PlantedCampaign(name: "campaign-\(i + 1)", indicators: [domain, ip], events: []))
            sizes.append(3 + i % 4)
        }
    }

    /// Adds planted indicators to the `ordinal`-th event (1-based) when it is scheduled.
    mutating func plant(into event: inout Event, ordinal: Int) {
        if ordinal % Self.sharedStride == 0 && shared.events.count < Self.sharedCount {
            event.indicators.append(Self.sharedValue)
            shared.events.append(event.id)
        }
        guard ordinal % Self.stride == 0, !campaigns.isEmpty else { return }
        for step in 0..<campaigns.count {
            let c = (next + step) % campaigns.count
            guard campaigns[c].events.count < sizes[c] else { continue }
            next = c + 1
            let member = campaigns[c].events.count
            let domain = campaigns[c].indicators[0]
            let ip = campaigns[c].indicators[1]
            if member % 2 == 0 {
                event.indicators += [domain, ip]
            } else {
                // Only in the text, defanged: correlation must come from extraction.
                event.indicators.append(ip)
                event.description = (event.description ?? "Beacon observed") + "; C2 at hxxps://" + Defang.defang(domain, style: 0) + "/gate"
            }
            campaigns[c].events.append(event.id)
            return
        }
    }
}
