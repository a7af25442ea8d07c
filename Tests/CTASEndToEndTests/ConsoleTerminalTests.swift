import CTASCore
import CTASFeeds
import CTASStore
import CTASTestSupport
import Foundation
import Testing

/// The console in real terminals (tmux): what only a terminal can show.
@Suite(.serialized) struct ConsoleTerminalTests {
    @Test func demoStartsLivesAnswersKeysResizesAndQuitsCleanly() async throws {
        let t = try await TmuxSession([], width: 120, height: 40)
        defer { t.closeNow() }
        let (started, first) = try await t.waitFor { $0.contains("Feed") && $0.contains("Metrics") && (acceptedCount($0) ?? 0) > 0 }
        #expect(started, "panes visible with events:\n\(first)")
        #expect(first.contains("DEMO") && first.contains("? help"))
        // Before anything is selected, the correlation pane lists the strongest clusters.
        let (clusters, clusterScreen) = try await t.waitFor { $0.contains("STRONGEST CLUSTERS NOW") && $0.contains(" ev sev ") }
        #expect(clusters, "\(clusterScreen)")
        let firstCount = acceptedCount(first) ?? 0
        let (rising, later) = try await t.waitFor { (acceptedCount($0) ?? 0) > firstCount }
        #expect(rising, "counts rise past \(firstCount):\n\(later)")
        try await t.send("?")
        let (help, helpScreen) = try await t.waitFor { $0.contains("Help (esc closes") }
        #expect(help, "\(helpScreen)")
        try await t.send("Escape")
        try await t.send("/")
        try await t.type("sev>=9")
        try await t.send("Enter")
        let (filtered, filterScreen) = try await t.waitFor { $0.contains("filter sev>=9") }
        #expect(filtered, "\(filterScreen)")
        // The attention line: critical events until marked seen; ! adds sev>=7 to the filter.
        let (attention, attentionScreen) = try await t.waitFor { $0.contains("critical new (a seen)") && $0.contains("last 5m: entity") }
        #expect(attention, "\(attentionScreen)")
        // Marked seen: the message says so for four seconds, which a loaded machine can let
        // pass between two captures; the count starting again below where it stood shows it too.
        let unseen = criticalNewCount(attentionScreen) ?? Int.max
        try await t.send("a")
        let (seen, seenScreen) = try await t.waitFor { $0.contains("marked seen") || (criticalNewCount($0) ?? Int.max) < unseen }
        #expect(seen, "\(seenScreen)")
        try await t.send("!")
        let (severe, severeScreen) = try await t.waitFor { $0.contains("feed: sev≥7 only (!)") && $0.contains("sev>=9 sev>=7") }
        #expect(severe, "\(severeScreen)")
        // A pivot: the selected event's entity becomes the filter; the same key goes back. The
        // newest severe event may have no entity (the console says so): move down to one that has.
        // Each "e" is waited out until the screen says which way it went: a fixed short wait
        // could give up on a pivot a loaded machine had not drawn yet, and the next "e" then
        // went back (seen once in CI: the feed left at entity= when the test pivoted back).
        var pivot = false, pivotScreen = ""
        for _ in 0..<12 {
            try await t.send("e")
            let (answered, screen) = try await t.waitFor { $0.contains("filter entity=") || $0.contains("this event has no entity") }
            (pivot, pivotScreen) = (screen.contains("filter entity="), screen)
            if pivot || !answered { break }
            _ = try await t.waitFor { !$0.contains("this event has no entity") }
            try await t.send("j")
        }
        #expect(pivot, "\(pivotScreen)")
        try await t.send("e")
        let (back, backFromPivot) = try await t.waitFor { $0.contains("filter sev>=9 sev>=7") && !$0.contains("filter entity=") }
        #expect(back, "\(backFromPivot)")
        // Below 120×36: one pane at a time under a tab bar, the key hints still there.
        try await t.resize(width: 80, height: 24)
        let (tabbed, tabbedScreen) = try await t.waitFor { $0.contains("1 Feed") && $0.contains("tab: next pane") && $0.contains("? help") }
        #expect(tabbed, "\(tabbedScreen)")
        try await t.send("Tab")
        let (next, nextScreen) = try await t.waitFor { $0.contains("┌─ Threat density") && !$0.contains("┌─ Feed") }
        #expect(next, "\(nextScreen)")
        try await t.send("BTab")
        try await t.resize(width: 30, height: 8)
        let (small, smallScreen) = try await t.waitFor { $0.contains("terminal too small") }
        #expect(small, "\(smallScreen)")
        try await t.resize(width: 120, height: 35)
        let (restored, backScreen) = try await t.waitFor { $0.contains("Feed") && $0.contains("Metrics") }
        #expect(restored, "\(backScreen)")
        #expect(try await t.value("#{alternate_on}") == "1")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
        #expect(try await t.value("#{alternate_on}") == "0", "left the alternate screen")
        #expect(try await t.value("#{cursor_flag}") == "1", "cursor shown again")
        let after = try await t.capture()
        #expect(after.contains("ctas: accepted"))
    }

    /// The demo after many loop passes stays true: a campaign value of the bundled feed, held by
    /// a handful of its events, has its own value in each pass, so after seven passes a
    /// pass-6 campaign event links to its own pass's events only and nothing it holds has
    /// crossed the over-correlation limit (without episodes the value would be in 100+ events).
    @Test func theDemoAfterManyPassesKeepsItsCampaignsWalkable() async throws {
        let home = scratchDir()
        // A campaign value: a listed domain held by 5–15 events of one pass.
        var holders: [String: [String]] = [:]
        let text = String(decoding: try Data(contentsOf: TestOracle.repository.appendingPathComponent("SampleData/demo-feed.ndjson")), as: UTF8.self)
        for line in text.split(separator: "\n") {
            guard let e = json(String(line)), let id = e["id"] as? String, let values = e["indicators"] as? [String] else { continue }
            for v in values where v.contains(".") && !v.contains("/") && !v.contains("@") && v.contains(where: \.isLetter) {
                holders[v, default: []].append(id)
            }
        }
        let campaign = try #require(holders.filter { (5...15).contains($0.value.count) }.min { ($0.value.count, $0.key) > ($1.value.count, $1.key) })
        let t = try await TmuxSession([], width: 120, height: 40, environment: ["XDG_DATA_HOME": home])
        defer { t.closeNow() }
        let (started, first) = try await t.waitFor { $0.contains("DEMO") && (acceptedCount($0) ?? 0) > 0 }
        #expect(started, "\(first)")
        try await t.send(":")
        try await t.type("speed max")
        try await t.send("Enter")
        let (looped, loopScreen) = try await t.waitFor(240) { screen in
            guard let r = screen.range(of: "pass ") else { return false }
            return (Int(screen[r.upperBound...].prefix(while: \.isNumber)) ?? 0) >= 8
        }
        #expect(looped, "\(loopScreen)")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
        let focus = try #require(campaign.value.first) + "~6"
        let result = try await CLI.run(["graph", "neighbors", focus, "--limit", "1000", "--format", "json", "--data-dir", home + "/ctas-demo"])
        #expect(result.status == 0, "\(result.stderr)")
        let answer = try #require(json(result.stdout))
        let indicators = (answer["indicators"] as? [[String: Any]]) ?? []
        let linking = indicators.filter { $0["warninglisted"] is NSNull }
        #expect(!linking.isEmpty && linking.allSatisfy { ($0["overcorrelated"] as? Bool) == false },
                "\(linking.map { "\($0["value"] ?? "") \($0["events"] ?? "")" })")
        let neighbors = ((answer["neighbors"] as? [[String: Any]]) ?? []).compactMap { ($0["event"] as? [String: Any])?["id"] as? String }
        #expect(neighbors.count >= campaign.value.count - 1, "its campaign: \(neighbors.count) linked, \(campaign.value.count) hold \(campaign.key)")
        #expect(neighbors.allSatisfy { $0.hasSuffix("~6") }, "only its own pass: \(neighbors.filter { !$0.hasSuffix("~6") }.prefix(5))")
    }

    @Test(arguments: [("xterm-256color", "C.UTF-8"), ("tmux-256color", "C.UTF-8"), ("screen", "C.UTF-8"), ("xterm", "C.UTF-8"),
                      ("vt100", "C.UTF-8"), ("linux", "C.UTF-8"), ("xterm-256color", "C")])
    func terminalsAndLocales(term: String, lang: String) async throws {
        let t = try await TmuxSession([], width: 100, height: 30, environment: ["TERM": term, "LANG": lang, "LC_ALL": lang])
        defer { t.closeNow() }
        let (ok, screen) = try await t.waitFor { $0.contains("Feed") && (acceptedCount($0) ?? 0) > 0 }
        #expect(ok, "\(term) \(lang):\n\(screen)")
        if lang == "C" {
            #expect(!screen.contains("─") && !screen.contains("│") && screen.contains("+-"), "ASCII only under LANG=C")
            #expect(screen.unicodeScalars.allSatisfy { $0.value < 0x80 }, "no mojibake")
        }
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
    }

    @Test func dumbAndUnknownTerminalsGetAClearMessage() async throws {
        let dir = scratchDir()
        let feed = dir + "/one.ndjson"
        try #"{"id":"e1","ts":"2026-11-20T10:00:00Z","type":"scan"}"#.write(toFile: feed, atomically: true, encoding: .utf8)
        for term in ["dumb", "no-such-terminal-xyz"] {
            let r = try await CLI.run(["console", "--feed", feed, "--data-dir", dir + "/data"], environment: ["TERM": term])
            #expect(r.status == 1)
            // Run without a terminal on stdin, so the first check speaks; with one, TERM's would.
            #expect(r.stderr.contains("headless commands"), "\(term): \(r.stderr)")
        }
        let t = try await TmuxSession([], environment: ["TERM": "no-such-terminal-xyz"])
        defer { t.closeNow() }
        #expect(try await t.exitStatus() == 1)
        let screen = try await t.capture()
        #expect(screen.contains("not a terminal this system knows") && screen.contains("headless commands"), "\(screen)")
        let dumb = try await TmuxSession([], environment: ["TERM": "dumb"])
        defer { dumb.closeNow() }
        #expect(try await dumb.exitStatus() == 1)
        #expect(try await dumb.capture().contains("'dumb'"))
    }

    @Test func noColorMeansNoColour() async throws {
        let t = try await TmuxSession([], environment: ["NO_COLOR": "1"])
        defer { t.closeNow() }
        let (ok, _) = try await t.waitFor { $0.contains("Feed") && (acceptedCount($0) ?? 0) > 0 }
        #expect(ok)
        let screen = try await t.capture(escapes: true)
        for sgr in screen.matches(of: /\x1B\[([0-9;]*)m/) {
            for code in sgr.1.split(separator: ";").compactMap({ Int($0) }) {
                #expect(!(30...38).contains(code) && !(40...48).contains(code) && !(90...107).contains(code), "colour code \(code) under NO_COLOR")
            }
        }
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
    }

    @Test func hostileFeedLeavesTheTerminalAlone() async throws {
        let dir = scratchDir()
        let hostile = [
            #"{"id":"h1","ts":"2026-11-20T10:00:00Z","type":"\u001b]0;pwned-title\u0007c2","entity":"\u001b]52;c;ZXZpbA==\u0007clip","severity":9}"#,
            #"{"id":"h2","ts":"2026-11-20T10:00:01Z","type":"\u001b[2J\u001b[31;47mred","entity":"\u009b2J\u009d0;c1-title\u009c","severity":8}"#,
            #"{"id":"h3","ts":"2026-11-20T10:00:02Z","type":"dcs\u001bPq#0;2;0;0;0\u001b\\","description":"\u202eevil\u200b \u001b[?25l hidden cursor","severity":7}"#,
            #"{"id":"h4","ts":"2026-11-20T10:00:03Z","type":"wide 漢字漢字漢字漢字漢字漢字漢字漢字","entity":"e\u0301\u0301\u0301","severity":5,"indicators":["\u001b[5mblink"]}"#,
        ].joined(separator: "\n") + "\n"
        try hostile.write(toFile: dir + "/hostile.ndjson", atomically: true, encoding: .utf8)
        let t = try await TmuxSession(["console", "--feed", dir + "/hostile.ndjson", "--speed", "max", "--data-dir", dir + "/d"], width: 140, height: 30)
        defer { t.closeNow() }
        let titleBefore = try await t.value("#{pane_title}")
        let (ok, screen) = try await t.waitFor { (acceptedCount($0) ?? 0) == 4 }
        #expect(ok, "\(screen)")
        #expect(screen.contains("\\e]0;pwned-title") && screen.contains("\\x9b2J"), "shown escaped:\n\(screen)")
        try await t.send("Enter")   // the detail of the newest (h4)
        let (h4, h4Screen) = try await t.waitFor { $0.contains("Event (esc closes)") && $0.contains("h4") }
        #expect(h4, "\(h4Screen)")
        try await t.send("Escape")
        let (closed, closedScreen) = try await t.waitFor { !$0.contains("Event (esc closes)") }
        #expect(closed, "\(closedScreen)")
        try await t.send("j", "j", "Enter")   // h2's detail
        let (h2, h2Screen) = try await t.waitFor { $0.contains("Event (esc closes)") && $0.contains("h2") }
        #expect(h2, "\(h2Screen)")
        #expect(try await t.value("#{pane_title}") == titleBefore, "title untouched")
        let raw = try await t.capture(escapes: true)
        #expect(!raw.contains("pwned") || raw.contains("\\e]0;pwned"), "only the escaped form reaches the screen")
        #expect(!raw.contains("\u{1B}[?25l\u{1B}[?25l"))
        try await t.send("Escape", "q")
        #expect(try await t.exitStatus() == 0)
        #expect(try await t.value("#{cursor_flag}") == "1")
        #expect(try await t.value("#{pane_title}") == titleBefore)
    }

    @Test(arguments: ["HUP", "TERM"])
    func hangupAndTermFlushAndExitZero(signal: String) async throws {
        let dir = scratchDir()
        _ = try await CLI.run(["gen-feed", "--events", "2000", "--rate", "20", "--output", dir + "/f.ndjson"])
        let t = try await TmuxSession(["console", "--feed", dir + "/f.ndjson", "--speed", "10", "--data-dir", dir + "/d"])
        defer { t.closeNow() }
        let (ok, _) = try await t.waitFor { (acceptedCount($0) ?? 0) > 20 }
        #expect(ok)
        let pid = try #require(try await t.programPID())
        kill(pid, signal == "HUP" ? SIGHUP : SIGTERM)
        #expect(try await t.exitStatus() == 0)
        let line = try await t.capture().split(separator: "\n").first { $0.contains("ctas: accepted") }
        let accepted = line.flatMap { $0.split(separator: " ").dropFirst(2).first }.flatMap { Int($0.replacingOccurrences(of: ",", with: "")) }
        #expect(accepted != nil)
        #expect(try WarmReader(path: dir + "/d/warm.sqlite").count() == accepted, "everything counted is stored")
        #expect(try await t.value("#{alternate_on}") == "0")
    }

    @Test func ctrlZSuspendsAndFgRestores() async throws {
        let t = try await TmuxShell()
        defer { t.session.closeNow() }
        try await t.session.type("\(TmuxSession.quote(CLI.binary))")
        try await t.session.send("Enter")
        let (started, _) = try await t.session.waitFor { $0.contains("Feed") && (acceptedCount($0) ?? 0) > 0 }
        #expect(started)
        let console = try await t.session.programPID()
        try await t.session.send("C-z")
        let (stopped, screen) = try await t.session.waitFor { $0.contains("Stopped") }
        #expect(stopped, "\(screen)")
        let alternate = try await t.session.value("#{alternate_on}")
        // Seen once in a loaded CI run (the shell's "Stopped" on the console's screen, the
        // console running on after `fg` with 'q' unread): what stopped it and how its signals
        // stood are recorded, should it happen again.
        let stoppedLine = screen.split(separator: "\n").first { $0.contains("Stopped") }.map(String.init) ?? "-"
        let signals = console.flatMap { try? String(contentsOfFile: "/proc/\($0)/status", encoding: .utf8) }?
            .split(separator: "\n").filter { $0.hasPrefix("State") || $0.hasPrefix("Sig") || $0.hasPrefix("ShdPnd") }
            .joined(separator: "; ") ?? "no process"
        #expect(alternate == "0", "suspended: the shell has the normal screen back; the shell said \(stoppedLine); the console's \(signals); screen when 'Stopped' was seen: \(screen)")
        try await t.session.type("fg")
        try await t.session.send("Enter")
        let (resumed, _) = try await t.session.waitFor { $0.contains("Feed") && $0.contains("Metrics") }
        #expect(resumed)
        #expect(try await t.session.value("#{alternate_on}") == "1")
        try await t.session.send("q")
        let (quit, after) = try await t.session.waitFor(20) { $0.contains("ctas: accepted") }
        #expect(quit, "\(after)")
    }

    /// Ctrl-Z and the quitting signals stay caught while frames are drawn. ncurses, given
    /// SIGTSTP at its default action, set it ignored for the length of every screen update
    /// and back after it: a Ctrl-Z in that window was lost. Sampled from `/proc` as the demo
    /// runs: before the mend, about 1 sample in 500 found SIGTSTP ignored.
    @Test func ctrlZIsCaughtWhileFramesAreDrawn() async throws {
        let t = try await TmuxShell()
        defer { t.session.closeNow() }
        try await t.session.type("\(TmuxSession.quote(CLI.binary)) console --fps 60")
        try await t.session.send("Enter")
        let (started, screen) = try await t.session.waitFor { $0.contains("Feed") && (acceptedCount($0) ?? 0) > 0 }
        #expect(started, "\(screen)")
        let console = try #require(try await t.session.programPID())
        // SIGHUP 1, SIGINT 2, SIGTERM 15, SIGTSTP 20: bit n-1 of the masks.
        let watched: [(name: String, bit: UInt64)] = [("SIGHUP", 1 << 0), ("SIGINT", 1 << 1), ("SIGTERM", 1 << 14), ("SIGTSTP", 1 << 19)]
        var samples = 0
        var uncaught: [String: Int] = [:]
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline {
            guard let status = try? String(contentsOfFile: "/proc/\(console)/status", encoding: .utf8) else { break }
            let caught = status.split(separator: "\n").first { $0.hasPrefix("SigCgt:") }
                .flatMap { UInt64($0.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) }
            guard let caught else { break }
            samples += 1
            for signal in watched where caught & signal.bit == 0 { uncaught[signal.name, default: 0] += 1 }
        }
        #expect(samples >= 1_000, "the console's signal state read \(samples) times")
        #expect(uncaught.isEmpty, "samples (of \(samples)) in which each signal was not caught: \(uncaught)")
        try await t.session.send("q")
        let (quit, after) = try await t.session.waitFor(20) { $0.contains("ctas: accepted") }
        #expect(quit, "\(after)")
    }

    /// A feed piped in (`zcat eve.json.gz | ctas console --stdin`): the keys come from the
    /// terminal (the console once refused to start without a terminal on stdin) and the feed
    /// is live, shown as it arrives (events a day apart, which 1× would pace a day each).
    @Test func aFeedPipedToStdinIsLiveAndTheKeysStillAnswer() async throws {
        let t = try await TmuxShell()
        defer { t.session.closeNow() }
        let dir = scratchDir("stdin")
        let line = { (n: Int) in #"{"id":"p-\#(n)","ts":"2015-03-\#(String(format: "%02d", 1 + n % 28))T10:00:00Z","type":"alert","severity":5}"# + "\n" }
        try (0..<50).map(line).joined().write(toFile: dir + "/feed.ndjson", atomically: true, encoding: .utf8)
        try await t.session.type("cat \(TmuxSession.quote(dir + "/feed.ndjson")) | \(TmuxSession.quote(CLI.binary)) console --stdin --speed 1 --data-dir \(TmuxSession.quote(dir + "/data"))")
        try await t.session.send("Enter")
        let (shown, screen) = try await t.session.waitFor(60) { acceptedCount($0) == 50 }
        #expect(shown, "every piped event shown at once: \(screen)")
        #expect(screen.contains("stdin") && screen.contains("live"), "\(screen)")
        try await t.session.send("?")
        let (help, helpScreen) = try await t.session.waitFor { $0.contains("Help (esc closes") }
        #expect(help, "a key read from the terminal: \(helpScreen)")
        try await t.session.send("Escape")
        try await t.session.send("q")
        let (quit, after) = try await t.session.waitFor(20) { $0.contains("ctas: accepted 50") }
        #expect(quit, "\(after)")
    }
}

/// An interactive shell in tmux (job control, for Ctrl-Z), with the test's environment.
struct TmuxShell {
    let session: TmuxSession

    init() async throws {
        let dir = scratchDir("shell")
        session = try await TmuxSession(["--version-is-not-used"], shell: "env -i PATH=/usr/bin:/bin TERM=tmux-256color LANG=C.UTF-8 HOME=\(dir) XDG_DATA_HOME=\(dir)/data XDG_CONFIG_HOME=\(dir)/config bash --norc -i")
    }
}


/// `ctas console --data-dir D` with no feed opens what D stores (it used to start the demo,
/// ignoring the directory); a directory that stores nothing is an error, not an empty console.
@Suite(.serialized) struct ConsoleStoredDataTests {
    @Test func theConsoleOpensAStoreWithoutAFeed() async throws {
        let dir = scratchDir()
        var options = FeedGenerator.Options()
        options.seed = 21
        options.plantedCampaigns = 3
        let feed = dir + "/f.ndjson"
        try writeFeed(options, events: 2_000, to: feed)
        let ingest = try await CLI.run(["ingest", feed, "--data-dir", dir + "/data", "--quiet"])
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let t = try await TmuxSession(["console", "--data-dir", dir + "/data"], width: 160, height: 48)
        defer { t.closeNow() }
        let (opened, screen) = try await t.waitFor { $0.contains("no source") && $0.contains("2,000 events") && $0.contains("STRONGEST CLUSTERS") }
        #expect(opened, "the stored events on the timeline, clusters listed:\n\(screen)")
        #expect(!screen.contains("demo-feed"), "not the demo")
        // The feed pane lists the stored events, newest first.
        let (listed, feedScreen) = try await t.waitFor { !$0.contains("waiting for events") && $0.contains("1/200+") }
        #expect(listed, "stored events in the feed:\n\(feedScreen)")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)

        let empty = try await CLI.run(["console", "--data-dir", dir + "/nothing-here"])
        #expect(empty.status == 1 && empty.stderr.contains("no stored events to open"), "\(empty.status) \(empty.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/nothing-here"), "a mistyped directory is not created")
    }
}

/// The correlation pane in a real terminal: find a planted campaign, walk to an event and back.
@Suite(.serialized) struct ConsoleGraphTerminalTests {
    @Test func walkAPlantedCampaignAndBack() async throws {
        let dir = scratchDir()
        var options = FeedGenerator.Options()
        options.seed = 5
        options.plantedCampaigns = 4
        let feed = dir + "/planted.ndjson"
        let generator = try writeFeed(options, events: 1_500, to: feed)
        let campaign = try #require(generator.planted?.campaigns.first)
        let domain = campaign.indicators[0]
        let t = try await TmuxSession(["console", "--feed", feed, "--data-dir", dir + "/data", "--speed", "max"], width: 140, height: 44)
        defer { t.closeNow() }
        let (loaded, screen) = try await t.waitFor { $0.contains("Correlation") && (acceptedCount($0) ?? 0) >= 1_500 }
        #expect(loaded, "\(screen)")
        try await t.send(":")
        try await t.type("graph " + domain.replacingOccurrences(of: ".", with: "[.]"))
        try await t.send("Enter")
        let (found, walk) = try await t.waitFor { s in campaign.events.allSatisfy { s.contains($0) } }
        #expect(found, "every event of the campaign listed:\n\(walk)")
        #expect(walk.contains("domain \(domain)") && walk.contains("in \(campaign.events.count) events"))
        // Enter walks to the first linked event; backspace comes back.
        try await t.send("Enter")
        let (moved, eventScreen) = try await t.waitFor { $0.contains("◆ event ") && $0.contains("backspace: back (1)") }
        #expect(moved, "\(eventScreen)")
        #expect(eventScreen.contains("INDICATORS"))
        try await t.send("BSpace")
        let (returned, returnedScreen) = try await t.waitFor { $0.contains("domain \(domain)") && !$0.contains("backspace: back") }
        #expect(returned, "\(returnedScreen)")
        try await t.send("2")
        let (deeper, deeperScreen) = try await t.waitFor { $0.contains("hops 2") }
        #expect(deeper, "\(deeperScreen)")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
    }
}

/// The heatmap pane in a real terminal: hexagons drawn in colour, the planted cluster found
/// with `n`, drilled into with Enter, an event opened, then back to the map.
@Suite(.serialized) struct ConsoleHeatmapTerminalTests {
    /// Select a range on the timeline: the feed, the map and the correlation pane follow it;
    /// esc gives all of time back.
    @Test func selectARangeOnTheTimelineAndEveryPaneFollows() async throws {
        let dir = scratchDir()
        var options = FeedGenerator.Options()
        options.seed = 12
        options.rate = 1
        options.plantedCampaigns = 20
        let feed = dir + "/hour.ndjson"
        try writeFeed(options, events: 3_000, to: feed)
        let t = try await TmuxSession(["console", "--feed", feed, "--data-dir", dir + "/data", "--speed", "max"], width: 200, height: 60)
        defer { t.closeNow() }
        let (loaded, screen) = try await t.waitFor { $0.contains("Timeline") && (acceptedCount($0) ?? 0) >= 3_000 && $0.contains("3,000 events") }
        #expect(loaded, "\(screen)")
        try await t.send(":")
        try await t.type("focus timeline")
        try await t.send("Enter")
        for _ in 0..<12 { try await t.send("Left") }
        try await t.send("v")
        let (selecting, selectingScreen) = try await t.waitFor { $0.contains("selecting ") && $0.contains("enter: every pane follows") }
        #expect(selecting, "\(selectingScreen)")
        for _ in 0..<20 { try await t.send("h") }
        try await t.send("Enter")
        let (following, followScreen) = try await t.waitFor {
            $0.contains("panes follow") && $0.contains("filter time>=") && $0.contains("range ") && $0.contains("STRONGEST CLUSTERS IN")
        }
        #expect(following, "\(followScreen)")
        // The feed lists only the range: every time shown lies inside it.
        let header = followScreen.split(separator: "\n").first { $0.contains("panes follow") }.map(String.init) ?? ""
        #expect(header.contains("esc clears"), "\(header)")
        try await t.send("Escape")
        let (cleared, clearedScreen) = try await t.waitFor { !$0.contains("filter time>=") && !$0.contains("panes follow") && $0.contains("STRONGEST CLUSTERS NOW") }
        #expect(cleared, "\(clearedScreen)")
        // Zoom in and out, then quit cleanly.
        try await t.send("+")
        let (zoomed, zoomedScreen) = try await t.waitFor { $0.contains("outside (0: fit)") || $0.contains("1m buckets") || $0.contains("2m buckets") }
        #expect(zoomed, "\(zoomedScreen)")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0, "the console quits cleanly")
    }

    /// `:seek` moves what is on screen: the timeline's cursor goes to the time at once, the
    /// replay's clock (▼, the status line) follows; relative times count from the event clock.
    @Test func seekMovesTheTimelineAndTheClock() async throws {
        let dir = scratchDir()
        var options = FeedGenerator.Options()
        options.seed = 13
        options.rate = 1
        let feed = dir + "/two-hours.ndjson"
        try writeFeed(options, events: 7_200, to: feed)  // two hours of event time from 2026-11-20T00:00Z
        let t = try await TmuxSession(["console", "--feed", feed, "--data-dir", dir + "/data", "--speed", "20"], width: 200, height: 60)
        defer { t.closeNow() }
        // Any time of the two hours: a loaded machine can take a while to start, while the
        // replay runs on (ten minutes of event time are thirty seconds here).
        let (started, screen) = try await t.waitFor { $0.contains("Timeline") && $0.contains("event 2026-11-20 0") }
        #expect(started, "\(screen)")
        try await t.send(":")
        try await t.type("seek 2026-11-20T01:30Z")
        try await t.send("Enter")
        let (moved, movedScreen) = try await t.waitFor { $0.contains("2026-11-20 01:30 –") && $0.contains("event 2026-11-20 01:3") }
        #expect(moved, "the cursor's bucket and the replay's clock at 01:30:\n\(movedScreen)")
        // Relative: 10m back from the event clock, not from the wall clock. Paused first, so the
        // clock the seek counts from is the one on screen (at 20× ten minutes of event time pass
        // in 30 s, which a loaded machine can take between two keys).
        try await t.send("p")
        let (paused, pausedScreen) = try await t.waitFor { $0.contains("PAUSED") }
        #expect(paused, "\(pausedScreen)")
        // The status line's event clock (`event 2026-11-20 01:32:05Z`, or `event 01:32:05Z` when
        // narrow) and the seek's target (`seeking to 2026-11-20T01:22:05…`), as seconds of the day.
        func seconds(_ text: String, _ pattern: String) -> Int? {
            guard let regex = try? Regex(pattern), let match = text.firstMatch(of: regex), match.count >= 4,
                  let h = match[1].substring.flatMap({ Int($0) }), let m = match[2].substring.flatMap({ Int($0) }),
                  let s = match[3].substring.flatMap({ Int($0) }) else { return nil }
            return h * 3600 + m * 60 + s
        }
        let seekTarget = #"seeking to \d{4}-\d\d-\d\dT(\d\d):(\d\d):(\d\d)"#
        try await Task.sleep(for: .milliseconds(300))
        let clockScreen = try await t.capture()
        try await t.send(":")
        try await t.type("seek 10m")
        try await t.send("Enter")
        // The first seek's "seeking to …01:30:00" can still be on screen: wait for the new target.
        let (relative, relativeScreen) = try await t.waitFor { screen in
            seconds(screen, seekTarget).map { $0 != 5_400 } ?? false
        }
        #expect(relative, "\(relativeScreen)")
        let shown = seconds(clockScreen, #"event (?:\d{4}-\d\d-\d\d )?(\d\d):(\d\d):(\d\d)Z"#)
        let target = seconds(relativeScreen, seekTarget)
        #expect(shown != nil && target != nil && abs((shown ?? 0) - (target ?? 0) - 600) <= 5,
                "the target is the clock on screen less 10 minutes: \(String(describing: shown)) vs \(String(describing: target))")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
    }

    /// Mouse (`--mouse`): a click on the map moves the crosshair there; the wheel zooms. Events
    /// are sent as the terminal would (tmux-256color's X10 encoding: ESC [ M, button+32,
    /// column+33, row+33).
    @Test func aClickMovesTheCrosshairAndTheWheelZooms() async throws {
        let dir = scratchDir()
        let feed = dir + "/feed.ndjson"
        try writeFeed(FeedGenerator.Options(), events: 2_000, to: feed)
        // 100×40 shows one pane at a time: tab brings the map up over the whole width.
        let t = try await TmuxSession(["console", "--feed", feed, "--data-dir", dir + "/data", "--speed", "max", "--mouse"], width: 100, height: 40)
        defer { t.closeNow() }
        let (loaded, screen) = try await t.waitFor { (acceptedCount($0) ?? 0) >= 2_000 }
        #expect(loaded, "\(screen)")
        try await t.send("Tab")
        let (mapped, mapScreen) = try await t.waitFor { $0.contains("res 0") && $0.contains("14.130,6.359") }
        #expect(mapped, "\(mapScreen)")
        func mouse(_ button: Int, column: Int, row: Int) -> String {
            "\u{1b}[M" + String(UnicodeScalar(UInt8(32 + button))) + String(UnicodeScalar(UInt8(33 + column))) + String(UnicodeScalar(UInt8(33 + row)))
        }
        // Press and release at column 20, row 10: the upper left of the map (northern Canada).
        try await t.type(mouse(0, column: 20, row: 10) + mouse(3, column: 20, row: 10))
        let (clicked, clickScreen) = try await t.waitFor { !$0.contains("14.130,6.359") && $0.contains(" r0  ") }
        #expect(clicked, "the crosshair moved to the click:\n\(clickScreen)")
        let line = clickScreen.split(separator: "\n").first { $0.contains(" r0  ") }.map(String.init) ?? ""
        let point = line.split(separator: " ").first { $0.contains(",") && $0.contains(".") }?.split(separator: ",").compactMap { Double($0) } ?? []
        #expect(point.count == 2 && point[0] > 30 && point[1] < -60, "north-west of the old centre: \(line)")
        for _ in 0..<3 { try await t.type(mouse(64, column: 20, row: 10)) }
        let (zoomed, zoomScreen) = try await t.waitFor { !$0.contains("res 0 ") }
        #expect(zoomed, "the wheel zoomed in:\n\(zoomScreen)")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
    }

    /// The pivot chain feed → detail → indicator → graph → event → cell: an event's detail, one
    /// of its indicators focused in the correlation pane, a linked event there opened whole
    /// (`d`), its value copied (`y`, the clipboard file) and its place drilled on the map (`m`).
    @Test func pivotFromTheDetailViewToTheGraphAndTheMap() async throws {
        let dir = scratchDir()
        let feed = dir + "/feed.ndjson"
        var lines: [String] = []
        for i in 0..<40 {
            lines.append(#"{"id":"e\#(i)","ts":"2026-11-20T10:\#(String(format: "%02d", i)):00Z","type":"c2_beacon","severity":8,"lat":48.8566,"lon":2.3522,"entity":"host-\#(i % 3)","indicators":["185.220.101.4","node\#(i).example"]}"#)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: feed, atomically: true, encoding: .utf8)
        let t = try await TmuxSession(["console", "--feed", feed, "--data-dir", dir + "/data", "--speed", "max"], width: 200, height: 60,
                                      environment: ["XDG_STATE_HOME": dir + "/state"])
        defer { t.closeNow() }
        let (loaded, screen) = try await t.waitFor { (acceptedCount($0) ?? 0) >= 40 }
        #expect(loaded, "\(screen)")
        try await t.send("Enter")
        let (detail, detailScreen) = try await t.waitFor { $0.contains("tab: select a field") && $0.contains("linked by") && $0.contains("40 events") }
        #expect(detail, "\(detailScreen)")
        // entity, type, source? (none), then the indicators as the graph knows them: the shared address first.
        try await t.send("Tab")
        try await t.send("Tab")
        try await t.send("c")
        let (focused, graphScreen) = try await t.waitFor { $0.contains("185.220.101.4") && $0.contains("LINKED (") && !$0.contains("tab: select a field") }
        #expect(focused, "\(graphScreen)")
        // d on the first linked event (the newest holding the address): its whole detail.
        try await t.send("d")
        let (opened, openedScreen) = try await t.waitFor { $0.contains("tab: select a field") && $0.contains("linked by") && $0.contains("40 events") }
        #expect(opened, "\(openedScreen)")
        // y on a field: the clipboard file holds it.
        try await t.send("y")
        let (copied, copyScreen) = try await t.waitFor { $0.contains("clipboard.txt") }
        #expect(copied, "\(copyScreen)")
        let clipboard = try? String(contentsOfFile: dir + "/state/ctas/clipboard.txt", encoding: .utf8)
        #expect(clipboard?.hasPrefix("host-") == true, "\(clipboard ?? "no file")")
        // m: the event's place drilled on the map.
        try await t.send("m")
        let (drilled, drillScreen) = try await t.waitFor { $0.contains("│cell 85") && $0.contains("types c2_beacon 40") }
        #expect(drilled, "\(drillScreen)")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
    }

    @Test func findTheClusterDrillInAndComeBack() async throws {
        let dir = scratchDir()
        var options = FeedGenerator.Options()
        options.seed = 9
        let point = try #require(GeoPoint(latitude: -1.2921, longitude: 36.8219))
        options.cluster = FeedGenerator.Cluster(point: point, share: 0.2)
        let feed = dir + "/cluster.ndjson"
        try writeFeed(options, events: 4_000, to: feed)
        let t = try await TmuxSession(["console", "--feed", feed, "--data-dir", dir + "/data", "--speed", "max"], width: 160, height: 48)
        defer { t.closeNow() }
        let (loaded, screen) = try await t.waitFor { $0.contains("Threat density") && (acceptedCount($0) ?? 0) >= 4_000 }
        #expect(loaded, "\(screen)")
        try await t.send("Tab")
        try await t.send("z")
        let (mapped, map) = try await t.waitFor { $0.contains(" hot ") && $0.contains("on map") && !$0.contains("Feed") }
        #expect(mapped, "\(map)")
        let colours = try await t.capture(escapes: true)
        #expect(colours.contains("▀"), "half-block pixels")
        #expect(colours.contains("[48;5;") || colours.contains("[48;2;") || colours.contains(";48;5;"), "background colours for the lower pixels")
        // The world view's cells are too coarse for significance; two steps in, hot spots show.
        try await t.send("+")
        try await t.send("+")
        let (zoomed, zoomedScreen) = try await t.waitFor { $0.contains("res 2") }
        #expect(zoomed, "\(zoomedScreen)")
        try await t.send("n")
        // The cursor line marks the ranked cell (the status line says "hot spot 1 of N" for 4 s).
        let (onSpot, spot) = try await t.waitFor { $0.contains("hot spot #1") }
        #expect(onSpot, "\(spot)")
        // The cursor line names the cell and its counts; the cluster is near Nairobi.
        let cursorLine = try #require(spot.split(separator: "\n").first { $0.contains("hot spot #1") })
        let coordinates = cursorLine.split(separator: " ").first { $0.contains(",") && $0.contains(".") }
        let lat = coordinates.flatMap { Double($0.split(separator: ",")[0]) } ?? 99
        #expect(abs(lat - -1.29) < 3, "\(cursorLine)")
        try await t.send("Enter")
        let (drilled, list) = try await t.waitFor { $0.contains("event(s)") && $0.contains("enter detail+graph") }
        #expect(drilled, "\(list)")
        // The drilled cell's events written out, from the real terminal; the list stays.
        try await t.send(":")
        try await t.type("export csv " + dir + "/cell.csv")
        try await t.send("Enter")
        let (exported, exportScreen) = try await t.waitFor { $0.contains("exported ") && $0.contains("event(s) as csv") }
        #expect(exported, "\(exportScreen)")
        let rows = try String(contentsOfFile: dir + "/cell.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(!rows.isEmpty)
        let latitudes = rows.compactMap { Double($0.split(separator: ",", omittingEmptySubsequences: false)[5]) }
        #expect(latitudes.count == rows.count && latitudes.allSatisfy { abs($0 - -1.29) < 3 }, "every row is in the drilled cell near Nairobi")
        #expect(exportScreen.contains("enter detail+graph"))
        try await t.send("Enter")
        let (detail, detailScreen) = try await t.waitFor { $0.contains("esc") && $0.contains("evt-9-") && $0.contains("type") }
        #expect(detail, "\(detailScreen)")
        try await t.send("Escape")
        try await t.send("Escape")
        let (back, backScreen) = try await t.waitFor { $0.contains("on map") && $0.contains("w window") }
        #expect(back, "\(backScreen)")
        try await t.send("g")
        try await t.type("48.85,2.35")
        try await t.send("Enter")
        let (moved, movedScreen) = try await t.waitFor { $0.contains("48.8500,2.3500") }
        #expect(moved, "\(movedScreen)")
        try await t.send("+")
        try await t.send("w")
        let (windowed, windowedScreen) = try await t.waitFor { $0.contains("window 1h") }
        #expect(windowed, "\(windowedScreen)")
        try await t.send("q")
        #expect(try await t.exitStatus() == 0)
    }
}
