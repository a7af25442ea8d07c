import CTASCore
import Foundation
import Testing
@testable import CTASStore

@Suite struct RoutingRulesTests {
    @Test func builtInParsesAndMatchesTheShippedFile() throws {
        let builtIn = try RoutingRules(text: RoutingRules.builtInText, origin: "built-in")
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../SampleData/routing.rules")
        let shipped = try RoutingRules(text: String(contentsOf: url, encoding: .utf8), origin: "SampleData/routing.rules")
        for tier in Tier.allCases {
            #expect(builtIn.rules[tier]?.map(\.reason) == shipped.rules[tier]?.map(\.reason))
            #expect(builtIn.rules[tier]?.map(\.place) == shipped.rules[tier]?.map(\.place))
        }
        #expect(builtIn.latencyByType == shipped.latencyByType)
        #expect(builtIn.hotMemoryBytes == shipped.hotMemoryBytes && builtIn.hotTTL == shipped.hotTTL)
        #expect(builtIn.warmRetention == .seconds(30 * 86_400))
    }

    @Test(arguments: [
        ("[hot]\nplace when severity >= 8", "reason in double quotes"),
        ("place otherwise \"x\"", "section header"),
        ("[bogus]", "unknown section [bogus]"),
        ("[hot]\nplace when colour = red \"x\"", "unknown characteristic 'colour'"),
        ("[hot]\nplace when severity >= high \"x\"", "compares with a number"),
        ("[hot]\nplace when severity >= 12 \"x\"", "severity is 1–10"),
        ("[hot]\nplace when priority >= urgent \"x\"", "priority is low, medium, high or critical"),
        ("[hot]\nplace when latency > batch \"x\"", "latency compares with ="),
        ("[hot]\nplace when type > x \"x\"", "compares with = or !="),
        ("[hot]\nplace when (severity >= 3 \"x\"", "expected ')'"),
        ("[hot]\nplace when severity >= 3 and \"x\"", "ends early"),
        ("[hot]\nplace when size > lots \"x\"", "expected a size"),
        ("[hot]\nttl = forever", "expected a duration"),
        ("[hot]\nmemory = -5MiB", "expected a size"),
        ("[warm]\nplace otherwise \"x\"", "settings only"),
        ("[warm]\nttl = 3d", "unknown setting 'ttl'"),
        ("[graph]\nmemory = 512KiB", "graph memory must be 1MiB or more"),
        ("[graph]\nmemory = lots", "expected a size"),
        ("[latency]\nfast = a, b", "unknown latency class 'fast'"),
        ("[hot]\nplace when severity ! 3 \"x\"", "'!' must be followed by '='"),
        ("[hot]\nplace when severity >= 3 \"\"", "reason in quotes is empty"),
    ])
    func badRulesNameTheLine(text: String, expected: String) {
        do {
            _ = try RoutingRules(text: "# comment\n" + text, origin: "my.rules")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.hasPrefix("my.rules:"), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
            let line = text.split(separator: "\n", omittingEmptySubsequences: false).count + 1
            #expect(error.message.hasPrefix("my.rules:\(line):") || error.message.hasPrefix("my.rules:2:"), "\(error.message)")
        }
    }

    @Test func firstMatchDecidesPerTierAndReasonsAreCounted() throws {
        let rules = try RoutingRules(text: """
            [latency]
            realtime = ransomware
            [hot]
            skip  when size > 1KiB                               "big"
            place when latency = realtime or priority >= high   "urgent"
            place when (severity >= 5 and geo = yes) or tag = tlp:red   "notable"
            skip  otherwise                                      "rest"
            [graph]
            place when indicators > 1 and not type in (noise, chatter)   "links"
            """, origin: "t")
        let router = TierRouter(rules: rules)
        func event(_ type: String, sev: Int? = nil, priority: Priority? = nil, geo: Bool = false, tags: [String] = [],
                   indicators: [String] = [], description: String? = nil) -> Event {
            Event(id: UUID().uuidString, timestamp: Timestamp(microseconds: 0), type: type, severity: sev.flatMap(Severity.init),
                  location: geo ? GeoPoint(latitude: 1, longitude: 2) : nil, priority: priority, indicators: indicators,
                  description: description, tags: tags)
        }
        let cases: [(Event, Bool, String)] = [
            (event("ransomware"), true, "place: urgent"),
            (event("x", priority: .critical), true, "place: urgent"),
            (event("x", sev: 6, geo: true), true, "place: notable"),
            (event("x", sev: 6), false, "skip: rest"),
            (event("x", tags: ["tlp:red"]), true, "place: notable"),
            (event("ransomware", description: String(repeating: "x", count: 2000)), false, "skip: big"),
        ]
        var tally = RoutingTally()
        for (e, placed, reason) in cases {
            let placement = router.place(e)
            #expect(placement.contains(.hot) == placed, "\(e.type)")
            #expect(placement.contains(.warm), "warm always")
            #expect(router.reason(for: .hot, in: placement) == reason)
            tally.record(placement)
        }
        #expect(router.place(event("x", indicators: ["a", "b"])).contains(.graph))
        #expect(!router.place(event("noise", indicators: ["a", "b"])).contains(.graph))
        #expect(router.reason(for: .cold, in: router.place(event("x"))) == "skip: " + TierRouter.noRuleReason)
        let decisions = tally.decisions(router: router)
        #expect(decisions[.hot]?["place: urgent"] == 2)
        #expect(decisions[.hot]?["place: notable"] == 2)
        #expect(decisions[.warm]?["place: " + TierRouter.warmReason] == 6)
        #expect(tally.placed[.hot] == 4 && tally.placed[.warm] == 6)
    }
}
