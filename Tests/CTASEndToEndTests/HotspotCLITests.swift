import CTASCore
import CTASFeeds
import CTASTestSupport
import Foundation
import H3
import Testing

/// `ctas hotspots` and `ctas query events --cell` over a feed with a planted dense cluster.
@Suite(.serialized) struct HotspotCLITests {
    /// A feed whose cluster sits at the centre of a resolution-5 cell near Nairobi (away from
    /// the generator's city hot spots), ingested into `dir/data`; returns the cluster's cell.
    static func ingestClusteredFeed(_ dir: String, events: Int = 20_000) async throws -> H3Index {
        let cell5 = try H3.latLngToCell(lat: -1.2921, lng: 36.8219, res: 5)
        let centre = try H3.cellToLatLng(cell5)
        let feed = dir + "/cluster.ndjson"
        let gen = try await CLI.run(["gen-feed", "--events", "\(events)", "--seed", "31", "--cluster=\(centre.lat),\(centre.lng),0.15", "-o", feed])
        #expect(gen.status == 0, "\(gen.stderr)")
        let ingest = try await CLI.run(["ingest", feed, "--data-dir", dir + "/data", "--quiet"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return cell5
    }

    @Test func thePlantedClusterRanksFirstAtSeveralResolutions() async throws {
        let dir = scratchDir()
        let cluster = try await Self.ingestClusteredFeed(dir)
        for res in [3, 4, 5] {
            let result = try await CLI.run(["hotspots", "--res", "\(res)", "--top", "5", "--format", "json", "--data-dir", dir + "/data"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(json(result.stdout), "\(result.stdout)")
            let spots = try #require(object["hotspots"] as? [[String: Any]])
            let first = try #require(spots.first)
            #expect(first["cell"] as? String == (try H3.cellToParent(cluster, res: res)).description, "resolution \(res): \(spots.prefix(3))")
            #expect((first["z"] as? Double ?? 0) > 10)
            #expect((first["p"] as? Double ?? 1) < 1e-6)
            #expect(object["cellsInArea"] as? Int == H3.getNumCells(res))
            #expect((object["located"] as? Int ?? 0) + (object["unlocated"] as? Int ?? 0) == 20_000)

            // Drill-down: the cell's events are exactly the stored events located in it.
            let cell = try #require(first["cell"] as? String)
            let listed = try await CLI.run(["query", "events", "--cell", cell, "--limit", "100000", "--format", "ndjson", "--data-dir", dir + "/data"])
            #expect(listed.status == 0)
            let lines = listed.stdout.split(separator: "\n")
            #expect(lines.count == first["count"] as? Int, "resolution \(res): query --cell and hotspots agree")
            for line in lines.prefix(200) {
                let o = try #require(json(String(line)))
                let lat = try #require(o["lat"] as? Double), lon = try #require(o["lon"] as? Double)
                #expect(try H3.cellToParent(try H3.latLngToCell(lat: lat, lng: lon, res: 15), res: res).description == cell)
            }
        }
        // CSV and text carry the same first cell.
        let csv = try await CLI.run(["hotspots", "--res", "4", "--format", "csv", "--top", "1", "--data-dir", dir + "/data"])
        #expect(csv.stdout.split(separator: "\n").count == 2)
        #expect(csv.stdout.contains((try H3.cellToParent(cluster, res: 4)).description))
        let text = try await CLI.run(["hotspots", "--res", "4", "--top", "3", "--data-dir", dir + "/data"])
        let parent4 = try H3.cellToParent(cluster, res: 4).description
        #expect(text.stdout.contains("hot spot region(s)") && text.stdout.contains(parent4))
    }

    @Test func cellQueriesIncludeChildrenAtAnyResolutionAndWindowsCount() async throws {
        let dir = scratchDir()
        _ = try await Self.ingestClusteredFeed(dir, events: 3_000)
        let all = try await CLI.run(["query", "events", "--limit", "100000", "--format", "ndjson", "--data-dir", dir + "/data"])
        let events = all.stdout.split(separator: "\n").compactMap { json(String($0)) }
        #expect(events.count == 3_000)
        let located = events.filter { $0["lat"] is Double }
        // One event's own resolution-15 cell finds it; its resolution-0 ancestor finds every
        // located event sharing that base cell.
        let one = try #require(located.first)
        let fine = try H3.latLngToCell(lat: one["lat"] as? Double ?? 0, lng: one["lon"] as? Double ?? 0, res: 15)
        let byFine = try await CLI.run(["query", "events", "--cell", fine.description, "--format", "ndjson", "--data-dir", dir + "/data"])
        #expect(byFine.stdout.contains(one["id"] as? String ?? "?"))
        let base = try H3.cellToParent(fine, res: 0)
        let expected = try located.filter {
            try H3.cellToParent(try H3.latLngToCell(lat: $0["lat"] as? Double ?? 0, lng: $0["lon"] as? Double ?? 0, res: 15), res: 0) == base
        }.count
        let byBase = try await CLI.run(["query", "events", "--cell", base.description.uppercased(), "--limit", "100000", "--format", "ndjson",
                                        "--data-dir", dir + "/data"])
        #expect(byBase.stdout.split(separator: "\n").count == expected)
        // A window counts only the events since the newest minus the span.
        let times = events.compactMap { ($0["ts"] as? String).flatMap { try? RFC3339.parse($0) } }
        let newest = try #require(times.max())
        let cutoff = newest - .seconds(10)
        let recentLocated = events.filter { e in
            e["lat"] is Double && ((e["ts"] as? String).flatMap { try? RFC3339.parse($0) }.map { $0 >= cutoff } ?? false)
        }.count
        let windowed = try await CLI.run(["hotspots", "--window", "10s", "--format", "json", "--data-dir", dir + "/data"])
        #expect(json(windowed.stdout)?["located"] as? Int == recentLocated)
        let severity = try await CLI.run(["hotspots", "--weight", "severity", "--format", "json", "--data-dir", dir + "/data"])
        #expect(json(severity.stdout)?["weighting"] as? String == "severity")
    }

    @Test func badArgumentsAndMissingDataAreClear() async throws {
        let dir = scratchDir()
        for (args, expected) in [(["hotspots", "--res", "16"], "--res must be 0–15"), (["hotspots", "--k", "0"], "--k must be 1–5"),
                                 (["hotspots", "--window", "banana"], "--window 'banana'"), (["hotspots", "--fdr", "1.5"], "--fdr"),
                                 (["hotspots", "--weight", "loud"], "loud"),
                                 (["query", "events", "--cell", "\u{1B}[31mzz"], "expected an H3 cell id"),
                                 (["query", "events", "--cell", "ffffffffffffffff"], "expected an H3 cell id"),
                                 (["gen-feed", "--cluster", "91,0"], "--cluster"), (["gen-feed", "--cluster", "1,2,0"], "--cluster")] {
            let r = try await CLI.run(args + ["--data-dir", dir + "/none"])
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(expected), "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("\u{1B}"), "escape sequences never reach the terminal")
        }
        let missing = try await CLI.run(["hotspots", "--data-dir", dir + "/none"])
        #expect(missing.status == 1 && missing.stderr.contains("no stored events yet"))
        // Nothing located: no hot spots, no crash.
        let feed = dir + "/nowhere.ndjson"
        try Data(#"{"id":"a","ts":"2026-11-20T00:00:00Z","type":"x"}"#.utf8 + [10] + #"{"id":"b","ts":"2026-11-20T00:00:01Z","type":"x"}"#.utf8 + [10])
            .write(to: URL(fileURLWithPath: feed))
        #expect(try await CLI.run(["ingest", feed, "--data-dir", dir + "/data", "--quiet"]).status == 0)
        let none = try await CLI.run(["hotspots", "--format", "json", "--data-dir", dir + "/data"])
        #expect(none.status == 0)
        #expect(json(none.stdout)?["unlocated"] as? Int == 2)
        #expect((json(none.stdout)?["hotspots"] as? [Any])?.isEmpty == true)
    }
}
