import Testing
@testable import CTASCore

/// The risk score's formula, its bounds on hostile inputs, its storage form and the filter
/// term that selects by it.
@Suite struct RiskScoreTests {
    @Test func eachKindOfEvidenceAloneGivesItsWeight() {
        #expect(RiskScore(severity: nil, intelScore: nil, anomalyScore: nil, inHotspot: false).total == 0)
        #expect(RiskScore(severity: Severity(10), intelScore: nil, anomalyScore: nil, inHotspot: false).total == 60)
        #expect(RiskScore(severity: Severity(5), intelScore: nil, anomalyScore: nil, inHotspot: false).total == 30)
        #expect(RiskScore(severity: nil, intelScore: 100, anomalyScore: nil, inHotspot: false).total == 90)
        #expect(RiskScore(severity: nil, intelScore: nil, anomalyScore: 100, inHotspot: false).total == 50)
        #expect(RiskScore(severity: nil, intelScore: nil, anomalyScore: nil, inHotspot: true).total == 25)
    }

    @Test func evidenceCombinesAsIndependentReasons() {
        // 1 − (1 − 0.6)(1 − 0.72)(1 − 0.3)(1 − 0.25) = 1 − 0.4·0.28·0.7·0.75 = 0.9412
        let all = RiskScore(severity: Severity(10), intelScore: 80, anomalyScore: 60, inHotspot: true)
        #expect(all.total == 94)
        #expect((all.severity, all.intel, all.anomaly, all.hotspot) == (60, 72, 30, 25))
        // 1 − (1 − 0.42)(1 − 0.45) = 0.681
        #expect(RiskScore(severity: Severity(7), intelScore: 50, anomalyScore: nil, inHotspot: false).total == 68)
        // More evidence never lowers the score, and it never passes 100.
        var previous = 0
        for s in 1...10 {
            let r = RiskScore(severity: Severity(s), intelScore: 100, anomalyScore: 100, inHotspot: true)
            #expect(Int(r.total) >= previous && r.total <= 100)
            previous = Int(r.total)
        }
        #expect(previous == 99)
    }

    @Test func outsideScoresAreClampedNeverTrapping() {
        for hostile in [Double.nan, .infinity, -.infinity, -5, 1e300, -1e300, .leastNonzeroMagnitude] {
            let r = RiskScore(severity: Severity(3), intelScore: hostile, anomalyScore: hostile, inHotspot: false)
            #expect(r.total <= 100 && r.intel <= 90 && r.anomaly <= 50, "\(hostile): \(r)")
        }
        #expect(RiskScore(severity: nil, intelScore: 1e300, anomalyScore: nil, inHotspot: false).intel == 90)
        #expect(RiskScore(severity: nil, intelScore: .nan, anomalyScore: nil, inHotspot: false).intel == 0)
    }

    @Test func storedFormRoundTripsAndRefusesCorruptValues() throws {
        let r = RiskScore(severity: Severity(9), intelScore: 64, anomalyScore: 12, inHotspot: true)
        let back = try #require(RiskScore(total: Int64(r.total), packedParts: r.packedParts))
        #expect(back == r)
        #expect(RiskScore(total: 101, packedParts: 0) == nil)
        #expect(RiskScore(total: -1, packedParts: 0) == nil)
        #expect(RiskScore(total: 50, packedParts: -1) == nil)
        #expect(RiskScore(total: 50, packedParts: 1 << 40) == nil)
        #expect(RiskScore(total: 50, packedParts: 200) == nil, "a part over 100")
    }

    @Test func theCodecKeepsTheScoreAndStillFindsTheId() throws {
        var e = Event(id: "evt-risk", timestamp: Timestamp(microseconds: 1_795_132_800_000_000), type: "c2_beacon", severity: Severity(8),
                      location: GeoPoint(latitude: 1, longitude: 2), entity: "host-1",
                      details: Event.Details(asn: 64500))
        e.risk = RiskScore(severity: e.severity, intelScore: 90, anomalyScore: nil, inHotspot: false)
        var bytes: [UInt8] = []
        EventCodec.append(e, to: &bytes)
        let decoded = bytes.withUnsafeBufferPointer { EventCodec.decode($0, at: 0) }
        #expect(decoded == e)
        #expect(decoded?.risk == e.risk)
        #expect(bytes.withUnsafeBufferPointer { EventCodec.id($0, at: 0) } == "evt-risk")
        // Cut anywhere inside the risk bytes: not a whole record.
        for cut in 11..<40 {
            let prefix = Array(bytes.prefix(cut))
            #expect(prefix.withUnsafeBufferPointer { EventCodec.decode($0, at: 0) } == nil)
        }
    }

    @Test func theFilterSelectsByRisk() throws {
        var high = Event(id: "a", timestamp: Timestamp(microseconds: 0), type: "x")
        high.risk = RiskScore(severity: Severity(10), intelScore: 100, anomalyScore: nil, inHotspot: false)   // 96
        var low = Event(id: "b", timestamp: Timestamp(microseconds: 0), type: "x")
        low.risk = RiskScore(severity: Severity(2), intelScore: nil, anomalyScore: nil, inHotspot: false)   // 12
        let unscored = Event(id: "c", timestamp: Timestamp(microseconds: 0), type: "x")
        let atLeast70 = try EventFilter(parsing: "risk>=70")
        #expect(atLeast70.matches(high) && !atLeast70.matches(low) && !atLeast70.matches(unscored))
        let below = try EventFilter(parsing: "risk<50")
        #expect(!below.matches(high) && below.matches(low) && !below.matches(unscored), "unscored events match no comparison")
        #expect(try EventFilter(parsing: "risk=12").matches(low))
        #expect(try EventFilter(parsing: "-risk>=70").matches(low))
        for bad in ["risk>=101", "risk>=-1", "risk>=x", "risk>=", "risk>=1e3"] {
            #expect(throws: FilterError.self, "\(bad)") { try EventFilter(parsing: bad) }
        }
    }
}
