import CTASCore
import CTASStore
import H3

/// `ctas hotspots`: Gi* hot spots over the stored events, at any resolution, for a window
/// measured back from the newest stored event.
public struct HotspotReport: Sendable {
    public struct Row: Sendable {
        public var rank: Int
        public var score: CellScore
        public var tally: CellTally
        public var center: LatLng
    }

    public var resolution: Int
    public var k: Int
    public var weighting: GeoWeighting
    /// The window's span (nil: everything stored).
    public var window: Duration?
    public var windowStart: Timestamp?
    public var newest: Timestamp?
    public var located = 0
    public var unlocated = 0
    /// Cells of the resolution holding events.
    public var cellsWithEvents = 0
    public var analysis: HotspotAnalysis
    public var rows: [Row]
    public var seconds: Double

    /// Reads the warm tier at `path` and analyses it.
    public static func build(path: String, resolution: Int, k: Int, window: Duration?, weighting: GeoWeighting,
                             falseDiscoveryRate: Double, top: Int) throws(StoreError) -> HotspotReport {
        let started = MonotonicClock.nanoseconds()
        let reader = try WarmReader(path: path)
        let newest = try reader.newest()?.time
        let start = window.flatMap { w in newest.map { $0 - w } }
        var tallies: [H3Index: CellTally] = [:]
        var located = 0
        var unlocated = 0
        try reader.scanCells(since: start) { raw, _, severity in
            guard raw != 0, let cell = try? H3.cellToParent(H3Index(raw), res: resolution) else {
                unlocated += 1
                return
            }
            located += 1
            tallies[cell, default: CellTally()].count += 1
            tallies[cell, default: CellTally()].severitySum += severity ?? 1
        }
        let values = tallies.mapValues { $0.value(weighting) }
        let analysis = Hotspots.analyze(values: values, resolution: resolution, k: k, falseDiscoveryRate: falseDiscoveryRate)
        let rows = analysis.hotspots.prefix(max(0, top)).enumerated().map { i, score in
            Row(rank: i + 1, score: score, tally: tallies[score.cell] ?? CellTally(),
                center: (try? H3.cellToLatLng(score.cell)) ?? LatLng(lat: 0, lng: 0))
        }
        return HotspotReport(resolution: resolution, k: k, weighting: weighting, window: window, windowStart: start, newest: newest,
                             located: located, unlocated: unlocated, cellsWithEvents: tallies.count, analysis: analysis, rows: rows,
                             seconds: Double(MonotonicClock.nanoseconds() - started) / 1e9)
    }

    static func number(_ v: Double, _ digits: Int = 6) -> String {
        guard v.isFinite else { return v > 0 ? "1e308" : v < 0 ? "-1e308" : "0" }
        var text = String(v)
        if text.contains("e") { return text }
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > digits + 1 {
            text = String(text[..<text.index(dot, offsetBy: digits + 1)])
        }
        return text
    }

    public var text: String {
        var out = "hot spots at resolution \(resolution), k \(k), \(weighting.rawValue)-weighted"
        out += window.map { ", window \(Self.describe($0)) back from \(newest?.rfc3339 ?? "-")" } ?? ", all stored events"
        out += "\n\(located) located event(s) in \(cellsWithEvents) cell(s)"
        out += ", \(unlocated) without a location; \(analysis.cellsInArea) cells in the area"
        out += "; \(analysis.hotspots.count) hot spot region(s) (FDR \(Self.number(analysis.falseDiscoveryRate, 3)))"
        out += " in \(analysis.hotCells.count) significant hot cell(s)"
        out += "\n"
        guard !rows.isEmpty else { return out + "no significant hot spots\n" }
        out += pad("rank", 5) + pad("cell", 17) + pad("lat", 10) + pad("lng", 11) + pad("events", 8) + pad("sev-sum", 9) + pad("z", 10) + pad("p", 10) + "region\n"
        for r in rows {
            out += pad(String(r.rank), 5) + pad(r.score.cell.description, 17) + pad(Self.number(r.center.lat, 4), 10)
            out += pad(Self.number(r.center.lng, 4), 11) + pad(String(r.tally.count), 8) + pad(String(r.tally.severitySum), 9)
            out += pad(Self.number(r.score.z, 3), 10) + pad(Self.scientific(r.score.p), 10) + "\(r.score.region) cell(s)\n"
        }
        return out
    }

    public var csv: String {
        var out = "rank,cell,lat,lng,count,severity_sum,value,neighborhood_sum,z,p,region_cells,region_z\n"
        for r in rows {
            out += "\(r.rank),\(r.score.cell),\(r.center.lat),\(r.center.lng),\(r.tally.count),\(r.tally.severitySum),"
            out += "\(r.score.value),\(r.score.neighborhoodSum),\(r.score.z),\(r.score.p),\(r.score.region),\(r.score.regionZ)\n"
        }
        return out
    }

    public var json: String {
        func n(_ v: Double) -> String { v.isFinite ? String(v) : "null" }
        var out = "{\"resolution\":\(resolution),\"k\":\(k),\"weighting\":\"\(weighting.rawValue)\""
        out += ",\"window\":" + (window.map { "\"\(Self.describe($0))\"" } ?? "null")
        out += ",\"windowStart\":" + (windowStart.map { "\"\($0.rfc3339)\"" } ?? "null")
        out += ",\"newest\":" + (newest.map { "\"\($0.rfc3339)\"" } ?? "null")
        out += ",\"located\":\(located),\"unlocated\":\(unlocated),\"cellsWithEvents\":\(cellsWithEvents),\"cellsInArea\":\(analysis.cellsInArea)"
        out += ",\"mean\":\(n(analysis.mean)),\"standardDeviation\":\(n(analysis.standardDeviation))"
        out += ",\"falseDiscoveryRate\":\(n(analysis.falseDiscoveryRate)),\"pThreshold\":\(n(analysis.pThreshold))"
        out += ",\"significantHotspots\":\(analysis.hotspots.count),\"hotCells\":\(analysis.hotCells.count),\"coldspots\":\(analysis.coldspotCount)"
        out += ",\"seconds\":\(n((seconds * 1000).rounded() / 1000)),\"hotspots\":["
        out += rows.map { r in
            "{\"rank\":\(r.rank),\"cell\":\"\(r.score.cell)\",\"lat\":\(n(r.center.lat)),\"lng\":\(n(r.center.lng)),"
                + "\"count\":\(r.tally.count),\"severitySum\":\(r.tally.severitySum),\"value\":\(n(r.score.value)),"
                + "\"neighborhoodSum\":\(n(r.score.neighborhoodSum)),\"neighbors\":\(r.score.neighbors),\"z\":\(n(r.score.z)),\"p\":\(n(r.score.p)),"
                + "\"regionCells\":\(r.score.region),\"regionZ\":\(n(r.score.regionZ))}"
        }.joined(separator: ",")
        return out + "]}\n"
    }

    static func scientific(_ p: Double) -> String {
        if p == 0 { return "<1e-300" }
        if p >= 0.001 { return number(p, 4) }
        var exponent = 0
        var m = p
        while m < 1 { m *= 10; exponent -= 1 }
        return number(m, 2) + "e" + String(exponent)
    }

    static func describe(_ d: Duration) -> String {
        let s = d.components.seconds
        if s % 86_400 == 0 { return "\(s / 86_400)d" }
        if s % 3600 == 0 { return "\(s / 3600)h" }
        if s % 60 == 0 { return "\(s / 60)m" }
        return "\(s)s"
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
}
