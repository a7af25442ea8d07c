import CTASTestSupport
import Foundation
import Testing

/// Geolocation as a user runs it: `--geoip` at ingest, the config file and the usual places,
/// `ctas geoip lookup` and `info`, country and AS queries, bad databases and addresses.
@Suite struct GeoIPCLITests {
    static let demoDatabase = TestOracle.repository.appendingPathComponent("SampleData/geoip/ctas-demo-city.mmdb").path
    static let demoAlerts = TestOracle.repository.appendingPathComponent("SampleData/telemetry/suricata-wrccdc-2017-alerts.json.gz").path

    /// A home of its own, so no database or config of the machine's is found by accident.
    static func isolated(_ dir: String) -> [String: String] {
        ["XDG_DATA_HOME": dir + "/home-data", "XDG_CONFIG_HOME": dir + "/home-config", "HOME": dir + "/home"]
    }

    /// Batches of thousands of events are placed a slice at a time: every event of every
    /// slice is looked at once (these have coordinates already, and are counted so).
    @Test func everyEventOfALargeBatchIsLookedAtOnce() async throws {
        let dir = scratchDir()
        let env = Self.isolated(dir)
        let generated = try await CLI.run(["gen-feed", "--events", "3000", "--seed", "5"])
        try generated.stdout.write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["ingest", dir + "/feed.ndjson", "--data-dir", dir + "/d", "--geoip", Self.demoDatabase, "--quiet"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(json(r.stdout))
        let geo = try #require(summary["geolocation"] as? [String: Any], "\(r.stdout)")
        let looked = ["located", "notFound", "noAddress", "hadCoordinates"].reduce(0) { $0 + (geo[$1] as? Int ?? 0) }
        #expect(summary["accepted"] as? Int == 3_000 && looked == 3_000, "\(geo)")
    }

    @Test func ingestPlacesAlertsByTheirExternalAddressAndQueriesFindThemByCountry() async throws {
        let dir = scratchDir()
        let env = Self.isolated(dir)
        let r = try await CLI.run(["ingest", Self.demoAlerts, "--data-dir", dir + "/d", "--geoip", Self.demoDatabase, "--quiet"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try #require(json(r.stdout))
        let geo = try #require(summary["geolocation"] as? [String: Any], "\(r.stdout)")
        let located = try #require(geo["located"] as? Int)
        #expect(located > 50)
        #expect(geo["notFound"] as? Int == 0, "the demo database holds every public address of the demo telemetry")
        #expect(geo["database"] as? String == "CTAS-Demo-DBIP-City-Lite 2023-04")
        // Every accepted event was looked at once: placed, not found, without an address, or
        // with coordinates already.
        let looked = ["located", "notFound", "noAddress", "hadCoordinates"].reduce(0) { $0 + (geo[$1] as? Int ?? 0) }
        #expect(looked == summary["accepted"] as? Int, "\(geo)")

        let all = try await CLI.run(["query", "events", "--data-dir", dir + "/d", "--format", "ndjson", "--limit", "100000"], environment: env)
        let events = all.stdout.split(separator: "\n").compactMap { json(String($0)) }
        let placed = events.filter { $0["geoOrigin"] != nil }
        #expect(placed.count == located)
        for event in placed {
            let origin = try #require(event["geoOrigin"] as? String)
            #expect(origin.hasPrefix("ip ") && origin.hasSuffix(" CTAS-Demo-DBIP-City-Lite 2023-04"))
            let address = String(origin.dropFirst(3).prefix { $0 != " " })
            #expect(address != event["entity"] as? String, "the entity (internal side) is never the one placed")
            #expect(event["lat"] is Double && event["lon"] is Double && event["country"] is String)
        }
        let us = try await CLI.run(["query", "events", "--data-dir", dir + "/d", "--format", "ndjson", "--country", "us", "--limit", "100000"], environment: env)
        let usEvents = us.stdout.split(separator: "\n").compactMap { json(String($0)) }
        #expect(!usEvents.isEmpty)
        #expect(usEvents.allSatisfy { $0["country"] as? String == "US" })
        #expect(usEvents.count == placed.filter { $0["country"] as? String == "US" }.count)

        // The map is no longer empty: hot spots over the placed alerts.
        let hot = try await CLI.run(["hotspots", "--data-dir", dir + "/d", "--format", "json", "--window", "all"], environment: env)
        #expect(hot.status == 0, "\(hot.stderr)")
        #expect((json(hot.stdout)?["located"] as? Int) == located, "\(hot.stdout.prefix(300))")
        #expect((json(hot.stdout)?["cellsWithEvents"] as? Int ?? 0) > 10)
    }

    @Test func theDatabaseComesFromTheFlagTheConfigFileOrTheUsualPlacesAndNoGeoipTurnsItOff() async throws {
        let dir = scratchDir()
        var env = Self.isolated(dir)
        // Nothing anywhere: no geolocation, and `geoip info` says where it looked.
        let none = try await CLI.run(["ingest", Self.demoAlerts, "--data-dir", dir + "/none", "--quiet"], environment: env)
        #expect(json(none.stdout)?["geolocation"] == nil)
        let noInfo = try await CLI.run(["geoip", "info"], environment: env)
        #expect(noInfo.status == 2 && noInfo.stderr.contains("no MaxMind DB file") && noInfo.stderr.contains(dir + "/home-data/ctas"))

        // The usual place: $XDG_DATA_HOME/ctas/*.mmdb.
        try FileManager.default.createDirectory(atPath: dir + "/home-data/ctas", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.demoDatabase, toPath: dir + "/home-data/ctas/city.mmdb")
        let found = try await CLI.run(["geoip", "info"], environment: env)
        #expect(found.status == 0 && found.stdout.contains("found in \(dir)/home-data/ctas"), "\(found.stdout)")
        let usual = try await CLI.run(["ingest", Self.demoAlerts, "--data-dir", dir + "/usual", "--quiet"], environment: env)
        #expect((json(usual.stdout)?["geolocation"] as? [String: Any])?["located"] as? Int ?? 0 > 0)
        let off = try await CLI.run(["ingest", Self.demoAlerts, "--data-dir", dir + "/off", "--quiet", "--no-geoip"], environment: env)
        #expect(json(off.stdout)?["geolocation"] == nil)

        // The config file wins over the usual places; a relative path is read beside it.
        try FileManager.default.createDirectory(atPath: dir + "/home-config/ctas", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.demoDatabase, toPath: dir + "/home-config/ctas/configured.mmdb")
        try "[geoip]\ndatabase = \"configured.mmdb\"\n".write(toFile: dir + "/home-config/ctas/config.toml", atomically: true, encoding: .utf8)
        let configured = try await CLI.run(["geoip", "info", "--format", "json"], environment: env)
        let info = try #require(json(configured.stdout), "\(configured.stderr)")
        #expect((info["origin"] as? String)?.contains("[geoip] database in") == true)
        #expect(((info["databases"] as? [[String: Any]])?.first?["file"] as? String)?.hasSuffix("home-config/ctas/configured.mmdb") == true)

        // A database that cannot be read stops the run with the file named.
        try "not a database".write(toFile: dir + "/bad.mmdb", atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["ingest", Self.demoAlerts, "--data-dir", dir + "/bad", "--geoip", dir + "/bad.mmdb"], environment: env)
        #expect(bad.status == 1 && bad.stderr.contains(dir + "/bad.mmdb") && bad.stderr.contains("metadata marker"), "\(bad.stderr)")
        env["XDG_CONFIG_HOME"] = dir + "/elsewhere"
        let missing = try await CLI.run(["geoip", "lookup", "8.8.8.8", "--db", dir + "/absent.mmdb"], environment: env)
        #expect(missing.status == 1 && missing.stderr.contains("absent.mmdb: cannot open"), "\(missing.stderr)")
    }

    @Test func lookupAnswersInTextAndJSONFromArgumentsOrStandardInputAndCountsBadAddresses() async throws {
        let dir = scratchDir()
        let env = Self.isolated(dir)
        let text = try await CLI.run(["geoip", "lookup", "82.195.75.112", "10.1.2.3", "--db", Self.demoDatabase], environment: env)
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("82.195.75.112  DE Darmstadt  49.8772,8.6409  82.195.75.0/24\n"), "\(text.stdout)")
        #expect(text.stdout.contains("10.1.2.3  not found"))

        let input = "82.195.75.112\n\n1.2.3\n2001:4860:4860::8888\n\u{1B}[2Jevil\n"
        let piped = try await CLI.run(["geoip", "lookup", "-", "--db", Self.demoDatabase, "--format", "json"], input: Data(input.utf8), environment: env)
        #expect(piped.status == 1, "bad addresses make the exit status 1")
        #expect(piped.stderr.contains("2 address(es) could not be looked up"))
        let lines = piped.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(lines)")
        let first = try #require(json(lines[0]))
        #expect(first["country"] as? String == "DE" && first["city"] as? String == "Darmstadt" && first["found"] as? Bool == true)
        #expect(first["lat"] as? Double == 49.8772 && first["network"] as? String == "82.195.75.0/24")
        #expect(first.keys.sorted() == ["accuracyKm", "asn", "city", "country", "found", "ip", "lat", "lon", "network", "org"])
        #expect(json(lines[1])?["error"] as? String == "'1.2.3' is not an IPv4 or IPv6 address")
        #expect(json(lines[2])?["found"] as? Bool == false)
        #expect(!piped.stdout.contains("\u{1B}"), "terminal escapes never come through")
        let usage = try await CLI.run(["geoip", "lookup", "--db", Self.demoDatabase], environment: env)
        #expect(usage.status == 2)
    }

    @Test func infoVerifiesAWholeDatabaseAndNamesTheByteOfACorruption() async throws {
        let dir = scratchDir()
        let env = Self.isolated(dir)
        let good = try await CLI.run(["geoip", "info", "--db", Self.demoDatabase, "--verify"], environment: env)
        #expect(good.status == 0)
        for expected in ["CTAS-Demo-DBIP-City-Lite", "2023-04-01T00:26:17Z", "record size  24 bits", "verified     every node"] {
            #expect(good.stdout.contains(expected), "\(expected) in \(good.stdout)")
        }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.demoDatabase)))
        // The root's left record pointed past the data section.
        bytes[0] = 0xFF; bytes[1] = 0xFF; bytes[2] = 0xF0
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/corrupt.mmdb"))
        let bad = try await CLI.run(["geoip", "info", "--db", dir + "/corrupt.mmdb", "--verify"], environment: env)
        #expect(bad.status == 1 && bad.stderr.contains("corrupt.mmdb: at byte 0:"), "\(bad.stderr)")
    }
}
