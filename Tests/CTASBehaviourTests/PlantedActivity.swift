import CTASCore
import CTASTestSupport
import Foundation

/// Entities with daily and weekly cycles, as hourly Poisson counts, with bursts and
/// silences planted where asked.
struct PlantedActivity {
    struct Planted: Equatable {
        var entity: String
        var firstHour: Int64
        var hours: Int
        var burst: Bool
    }

    /// Hour 0 of the window (a Monday 00:00 UTC: 2026-11-02).
    static let startHour: Int64 = 1_793_577_600 / 3600

    var counts: [String: [Int]] = [:]
    var rates: [String: [Double]] = [:]
    var planted: [Planted] = []

    /// `entities` entities over `days` days; `bursts` and `silences` planted at random in
    /// the last two weeks, never two in one entity.
    init(entities: Int, days: Int, bursts: Int, silences: Int, seed: UInt64) {
        var rng = TestRandom(seed: seed)
        let hours = days * 24
        var names: [String] = []
        for e in 0..<entities {
            let name = "host-\(e)"
            names.append(name)
            // Busy office machines and quiet servers: 0.3–25 events an hour at the peak; a
            // sixth are busy (16–25), so that silences always have somewhere to go.
            let peak = e < entities / 6 ? Double.random(in: 16...25, using: &rng) : exp(Double.random(in: log(0.3)...log(25), using: &rng))
            let night = Double.random(in: 0.05...0.4, using: &rng)
            let weekend = Double.random(in: 0.2...1.0, using: &rng)
            var rate = [Double](repeating: 0, count: hours)
            for h in 0..<hours {
                let hourOfDay = h % 24
                let day = (h / 24) % 7          // 0 = Monday
                let daytime = hourOfDay >= 8 && hourOfDay < 19 ? 1.0 : night
                rate[h] = peak * daytime * (day >= 5 ? weekend : 1.0)
            }
            rates[name] = rate
            counts[name] = rate.map { rng.poisson($0) }
        }
        var used = Set<String>()
        let lastTwoWeeks = max(0, hours - 14 * 24)..<(hours - 6)
        var tries = 0
        while planted.count < bursts && tries < 100_000 {
            tries += 1
            guard let name = names.randomElement(using: &rng), !used.contains(name), var series = counts[name],
                  let rate = rates[name] else { continue }
            let first = Int.random(in: lastTwoWeeks, using: &rng)
            let length = Int.random(in: 1...3, using: &rng)
            // A burst an analyst would call one: five times the usual rate, and 25 events more
            // at least — a floor, not only a mean (a Poisson draw of mean 25 falls under 12 one
            // time in 800, and such a "burst" is not one).
            for h in first..<(first + length) {
                let extra = max(25, 4 * rate[h])
                series[h] += max(Int(extra.rounded(.up)), rng.poisson(extra))
            }
            counts[name] = series
            used.insert(name)
            planted.append(Planted(entity: name, firstHour: Self.startHour + Int64(first), hours: length, burst: true))
        }
        tries = 0
        var silenced = 0
        while silenced < silences && tries < 100_000 {
            tries += 1
            // Only entities that talk enough for an empty hour to mean something (15+ an hour).
            guard let name = names.randomElement(using: &rng), !used.contains(name), var series = counts[name],
                  let rate = rates[name] else { continue }
            let first = Int.random(in: lastTwoWeeks, using: &rng)
            let length = Int.random(in: 2...5, using: &rng)
            guard (first..<(first + length)).allSatisfy({ rate[$0] >= 15 }) else { continue }
            for h in first..<(first + length) { series[h] = 0 }
            counts[name] = series
            used.insert(name)
            silenced += 1
            planted.append(Planted(entity: name, firstHour: Self.startHour + Int64(first), hours: length, burst: false))
        }
    }

    /// The activity as events, hour by hour (one per count, spread over its hour).
    var events: [Event] {
        var out: [Event] = []
        let hours = counts.values.first?.count ?? 0
        let names = counts.keys.sorted()
        for h in 0..<hours {
            for name in names {
                guard let n = counts[name]?[h], n > 0 else { continue }
                let base = (Self.startHour + Int64(h)) * 3_600_000_000
                for i in 0..<n {
                    let at = base + Int64(i) * (3_600_000_000 / Int64(n + 1))
                    out.append(Event(id: "\(name)-\(h)-\(i)", timestamp: Timestamp(microseconds: at), type: "conn", entity: name))
                }
            }
        }
        return out
    }
}
