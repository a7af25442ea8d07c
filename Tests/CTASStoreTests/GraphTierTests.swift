import CTASCore
import Foundation
import Testing
@testable import CTASStore

private let day: Int64 = 86_400

private func entries(_ events: [Event]) -> [GraphTier.Entry] {
    let extractor = IndicatorExtractor()
    return events.map { GraphTier.Entry(event: $0, indicators: extractor.indicators(of: $0)) }
}

/// Commits events to the warm tier and their graph in the same transaction, as the store stage does.
private func commit(_ events: [Event], warm: WarmTier, graph: GraphTier) throws {
    let mark = graph.mark()
    do {
        _ = try warm.commit([WarmTier.Part(events: events)], deadLetterSize: 0, alsoWrite: { (inserted) throws(StoreError) in
            // As the default rules place them: events holding at least one indicator.
            try graph.write(entries(zip(events, inserted).filter { $0.1 }.map(\.0)).filter { !$0.indicators.isEmpty })
        })
    } catch {
        graph.rollback(to: mark)
        throw error
    }
}

private func event(_ id: String, day d: Int64, _ indicators: [String]) -> Event {
    Event(id: id, timestamp: Timestamp(microseconds: (1_795_132_800 + d * day) * 1_000_000), type: "c2_beacon", severity: Severity(5),
          indicators: indicators)
}

@Suite struct GraphTierTests {
    @Test func writesReloadsAndAnswersTheSame() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            try commit((0..<300).map { makeEvent($0) }, warm: warm, graph: graph)
            // Duplicates are not added to the graph twice.
            try commit((250..<320).map { makeEvent($0) }, warm: warm, graph: graph)
            #expect(graph.graph.eventCount == (0..<320).filter { $0 % 4 != 0 }.count)
        }
        let reader = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect(reader.graph.eventCount == (0..<320).filter { $0 % 4 != 0 }.count)
        let focus = try #require(reader.resolve("1.2.3.1"))
        let n = try #require(reader.neighbors(NeighborQuery(focus: focus, limit: 1000)))
        // makeEvent(n) lists 1.2.3.(n % 250): events 1, 251 (and 501… not stored).
        #expect(Set(n.neighbors.map(\.event.id)) == ["evt-1", "evt-251"])
        #expect(reader.resolve("1.2.3[.]9") == .indicator(Indicator(.ipv4, "1.2.3.9")), "defanged")
        #expect(reader.resolve("x7.example") == .indicator(Indicator(.other, "x7.example")), "no real TLD: kept as text")
        #expect(reader.resolve("evt-8") == nil, "evt-8 lists no indicators: not in the graph")
        #expect(reader.eventIDs(holding: Indicator(.other, "x9.example")) == ["evt-9"])
        #expect(throws: StoreError.self) { try reader.write([]) }
    }

    /// The events holding a value, read from the database without loading the graph, are
    /// the loaded graph's answer for every stored value: node ids of one, two and three varint
    /// bytes (so a list can hold bytes that only look like another node's), values shared by
    /// many events, and events past the graph's retention, which neither answer gives.
    @Test func storedEventsOfAValueAreTheLoadedGraphsAnswer() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let retention = Duration.seconds(400 * day)
        var values: [Indicator] = []
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: Warninglist(), retention: retention)
            try graph.load()
            // 17,000 distinct hosts (node ids past 16,384 take three bytes), each event listing
            // a few of them; every 97th event shares one busy value; events 0..<40 lie 500 days
            // before the rest, past retention.
            var events: [Event] = []
            for n in 0..<6_000 {
                var listed = (0..<3).map { "h\((n * 3 + $0) % 17_000).example.com" }
                if n % 97 == 0 { listed.append("198.51.100.7") }
                if n % 5 == 0 { listed.append("h\((n * 7) % 17_000).example.com") }
                events.append(event("evt-\(n)", day: n < 40 ? -500 : Int64(n % 30), listed))
            }
            for start in stride(from: 0, to: events.count, by: 1_000) {
                try commit(Array(events[start..<(start + 1_000)]), warm: warm, graph: graph)
            }
            #expect(graph.graph.nodeCount > 16_384)
        }
        let loaded = try GraphTier.openForReading(path: path, warninglist: Warninglist(), retention: retention)
        let database = try SQLiteDatabase(path: path, readOnly: true)
        let nodes = try database.prepare("SELECT kind, value FROM graph_nodes ORDER BY id")
        while try nodes.step() {
            if let kind = IndicatorKind(rawValue: UInt8(nodes.int64(0))) { values.append(Indicator(kind, nodes.text(1) ?? "")) }
        }
        #expect(values.count == loaded.graph.nodeCount)
        var checked = 0
        for (k, value) in values.enumerated() where k % 7 == 0 || k < 200 || value.value == "198.51.100.7" {
            let streamed = try #require(try GraphTier.storedEventIDs(holding: [value], in: database, retention: retention))
            #expect(streamed.indicator == value)
            #expect(streamed.ids == loaded.eventIDs(holding: value), "\(value.value)")
            checked += 1
        }
        #expect(checked > 2_000)
        let busy = try #require(try GraphTier.storedEventIDs(holding: [Indicator(.ipv4, "198.51.100.7")], in: database, retention: retention))
        #expect(busy.ids.count == (40..<6_000).filter { $0 % 97 == 0 }.count, "the events past retention are left out")
        // The first candidate the graph knows wins; none known gives nil.
        let unknown = Indicator(.domain, "never.example.org")
        #expect(try GraphTier.storedEventIDs(holding: [unknown, Indicator(.ipv4, "198.51.100.7")], in: database, retention: retention)?.indicator
                == Indicator(.ipv4, "198.51.100.7"))
        #expect(try GraphTier.storedEventIDs(holding: [unknown], in: database, retention: retention) == nil)
    }

    /// `ctas ingest`'s graph: nodes only in memory, rows as always. Three runs into one store
    /// (one of them repeating earlier values) give the same rows, node ids and answers as a
    /// writer holding everything; the stored count follows writes, purges and restarts.
    @Test func aWriterHoldingOnlyNodesStoresWhatAFullOneStores() throws {
        let dir = scratchDirectory()
        let runs: [[Event]] = [(0..<200).map { makeEvent($0) }, (150..<400).map { makeEvent($0) },
                               [event("late", day: 30, ["1.2.3.7", "fresh.example.org"])]]
        var answers: [String: [String]] = [:]
        for (name, holding) in [("lean", false), ("full", true)] {
            let path = dir + "/\(name).sqlite"
            for run in runs {
                let warm = try WarmTier(path: path)
                let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day), holdingEvents: holding)
                try graph.load()
                #expect(holding || graph.graph.eventCount == 0, "a lean writer holds no events")
                try commit(run, warm: warm, graph: graph)
                #expect(holding || graph.graph.eventCount == 0)
                #expect(try Int(warm.database.scalar("SELECT count(*) FROM graph_events") ?? -1) == graph.storedEvents)
            }
            let reader = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
            #expect(reader.storedEvents == reader.graph.eventCount)
            let n = try #require(reader.neighbors(NeighborQuery(focus: .indicator(Indicator(.ipv4, "1.2.3.7")), limit: 1000)))
            answers[name] = n.neighbors.map(\.event.id).sorted()
            let database = try SQLiteDatabase(path: path, readOnly: true)
            let nodes = try database.prepare("SELECT id, kind, value FROM graph_nodes ORDER BY id")
            var rows: [String] = []
            while try nodes.step() { rows.append("\(nodes.int64(0)) \(nodes.int64(1)) \(nodes.text(2) ?? "")") }
            answers[name + " nodes"] = rows
        }
        #expect(answers["lean"] == answers["full"])
        #expect(answers["lean"]?.contains("late") == true, "a value of an earlier run keeps its node: the late event links to it")
        #expect(answers["lean nodes"] == answers["full nodes"])
        // Retention: the count follows a purge, and a restart reads it back.
        let warm = try WarmTier(path: dir + "/lean.sqlite")
        let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(10 * day), holdingEvents: false)
        try graph.load()
        let before = graph.storedEvents
        let purged = try graph.purge(now: Timestamp(microseconds: (1_795_132_800 + 30 * day) * 1_000_000))
        #expect(purged > 0 && graph.storedEvents == before - purged)
        let again = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(10 * day), holdingEvents: false)
        try again.load()
        #expect(again.storedEvents == before - purged)
        #expect(try Int(warm.database.scalar("SELECT count(*) FROM graph_events") ?? -1) == again.storedEvents)
    }

    /// With a memory budget the newest events stay held and the oldest leave memory (their
    /// rows stay stored, and a reader without a budget still finds them), during writes and
    /// when loading.
    @Test func aMemoryBudgetKeepsTheNewestEventsHeld() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let budget = 96 << 10
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day), memoryBudget: budget)
            try graph.load()
            for chunk in 0..<10 {
                try commit((chunk * 400..<(chunk + 1) * 400).map { makeEvent($0) }, warm: warm, graph: graph)
                graph.trimToBudget()
                #expect(graph.graph.eventMemoryBytes <= budget && graph.graph.eventCount > 0)
            }
            #expect(graph.notHeld > 0 && graph.storedEvents == (0..<4000).filter { $0 % 4 != 0 }.count)
            #expect(graph.graph.slot(ofEvent: "evt-3999") != nil)
            #expect(graph.graph.slot(ofEvent: "evt-1") == nil)
            #expect(graph.eventIDs(holding: Indicator(.other, "x3999.example")) == ["evt-3999"])
        }
        let warm = try WarmTier(path: path)
        let again = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day), memoryBudget: budget)
        try again.load()
        #expect(again.graph.eventMemoryBytes <= budget && again.graph.slot(ofEvent: "evt-3999") != nil && again.notHeld > 0)
        #expect(try Int(warm.database.scalar("SELECT count(*) FROM graph_nodes") ?? 0) == 3000 + Set((0..<4000).filter { $0 % 4 != 0 }.map { $0 % 250 }).count,
                "a writer holding part of the events deletes no node (every stored event's values stay)")
        let everything = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect(everything.graph.slot(ofEvent: "evt-1") != nil && everything.notHeld == 0)
    }

    /// Under a budget a restart reads only the newest rows that can fit: it holds a run of
    /// the newest slots within the budget, not far fewer than trimming everything would keep,
    /// and still knows the stored count and the newest time (here in a row it did not read).
    @Test func aBudgetedLoadReadsOnlyTheNewestRowsThatFit() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let budget = 200 << 10
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            // Event 7, stored early, carries the newest time of all.
            var events = (0..<8_000).map { makeEvent($0) }
            events[7] = makeEvent(7, at: 1_795_132_800 + 30 * day)
            for start in stride(from: 0, to: events.count, by: 1_000) {
                try commit(Array(events[start..<(start + 1_000)]), warm: warm, graph: graph)
            }
        }
        let stored = (0..<8_000).filter { $0 % 4 != 0 }
        let warm = try WarmTier(path: path)
        let budgeted = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day), memoryBudget: budget)
        try budgeted.load()
        let held = budgeted.graph.eventCount
        #expect(budgeted.graph.eventMemoryBytes <= budget && held > 0)
        #expect(budgeted.rowsRead < stored.count / 2 && budgeted.rowsRead >= held, "read \(budgeted.rowsRead) of \(stored.count)")
        #expect(budgeted.storedEvents == stored.count && budgeted.notHeld == stored.count - held)
        #expect(budgeted.newestEventTime == Timestamp(microseconds: (1_795_132_800 + 30 * day + 7) * 1_000_000))
        // The held events are the newest slots, in order.
        let newest = stored.suffix(held).map { "evt-\($0)" }
        #expect(newest.allSatisfy { budgeted.graph.slot(ofEvent: $0) != nil })
        #expect(budgeted.graph.slot(ofEvent: "evt-\(stored[stored.count - held - 1])") == nil)
        // Everything read and then trimmed, as before: at most a third more held.
        let everything = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        while everything.graph.eventMemoryBytes > budget { everything.graph.dropOldest(max(1, everything.graph.eventCount / 4)) }
        #expect(held * 4 >= everything.graph.eventCount * 3 / 2 && held < stored.count, "held \(held), trimmed \(everything.graph.eventCount)")
    }

    /// A load that reads every stored row, with nothing written meanwhile, counts them: a
    /// stored count that went wrong is mended (and written back by a writer); a reader
    /// counts without writing.
    @Test func aWholeLoadMendsAWrongStoredCount() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            try commit((0..<400).map { makeEvent($0) }, warm: warm, graph: graph)
            try warm.database.execute("UPDATE meta SET value = 5 WHERE key = 'graph_events'")
        }
        let stored = (0..<400).filter { $0 % 4 != 0 }.count
        let reader = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect(reader.storedEvents == stored && reader.notHeld == 0)
        let warm = try WarmTier(path: path)
        #expect(try warm.database.scalar("SELECT value FROM meta WHERE key = 'graph_events'") == 5, "a reader writes nothing")
        let writer = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
        try writer.load()
        #expect(writer.storedEvents == stored)
        #expect(try warm.database.scalar("SELECT value FROM meta WHERE key = 'graph_events'") == Int64(stored))
    }

    /// The console's case: a budgeted load in steps with commits between them. It reads only
    /// the newest stored rows that fit, this run's events join after them, and what stays
    /// held is the newest of both within the budget, in slot order.
    @Test func aBudgetedLoadInStepsKeepsTheNewestOfStoredAndLiveEvents() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let budget = 200 << 10
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            for start in stride(from: 0, to: 8_000, by: 1_000) { try commit((start..<(start + 1_000)).map { makeEvent($0) }, warm: warm, graph: graph) }
        }
        let warm = try WarmTier(path: path)
        let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day), memoryBudget: budget)
        try graph.beginLoad()
        var live = 8_000
        var steps = 0
        while try !graph.loadMoreEvents(limit: 300) {
            steps += 1
            try commit((live..<(live + 100)).map { makeEvent($0) }, warm: warm, graph: graph)
            graph.trimToBudget()   // as the store stage does after every commit
            live += 100
        }
        let stored = (0..<8_000).filter { $0 % 4 != 0 }.count
        let liveStored = (8_000..<live).filter { $0 % 4 != 0 }
        #expect(steps >= 2 && graph.rowsRead < stored / 2, "read \(graph.rowsRead) of \(stored) in \(steps) steps")
        #expect(graph.storedEvents == stored + liveStored.count)
        let held = graph.graph.eventCount
        #expect(held > liveStored.count && graph.graph.eventMemoryBytes <= budget && graph.notHeld == graph.storedEvents - held)
        // The held events are the newest slots of stored-then-live, in that order.
        let ids = (0..<held).map { graph.graph.event(CorrelationGraph.EventSlot($0)).id }
        let expected = ((0..<8_000).filter { $0 % 4 != 0 } + liveStored).suffix(held).map { "evt-\($0)" }
        #expect(ids == Array(expected))
    }

    /// A commit's events reach the graph as one batch; one holding more types than a batch
    /// tells apart (`GraphEventRows.typeCapacity`) is added in parts. Either way memory holds
    /// what a reload reads back: every event's id, time, type, severity and links.
    @Test func aCommitWithManyTypesHoldsWhatAReloadReads() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let events = (0..<600).map { n in
            Event(id: "m-\(n)", timestamp: Timestamp(microseconds: (1_795_132_800 + Int64(n)) * 1_000_000), type: "type_\(n % 300)",
                  severity: n % 3 == 0 ? nil : Severity(n % 10 + 1), indicators: ["45.9.\(n % 150).1", "c2-\(n % 200).badhost.net"])
        }
        #expect(Set(events.map(\.type)).count > GraphEventRows.typeCapacity)
        var held: [GraphEvent] = []
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            try commit(events, warm: warm, graph: graph)
            #expect(graph.graph.eventCount == 600)
            held = (0..<600).map { graph.graph.event(CorrelationGraph.EventSlot($0)) }
        }
        #expect(held.map(\.id) == events.map(\.id))
        #expect(held.map(\.type) == events.map(\.type))
        #expect(held.map(\.severity) == events.map(\.severity))
        #expect(held.allSatisfy { $0.indicatorCount == 2 })
        let reader = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect((0..<600).map { reader.graph.event(CorrelationGraph.EventSlot($0)) } == held)
        // m-3 shares 45.9.3.1 with 153, 303 and 453, and c2-3.badhost.net with 203 and 403.
        let n = try #require(reader.neighbors(NeighborQuery(focus: .event("m-3"), limit: 1000)))
        #expect(Set(n.neighbors.map(\.event.id)) == ["m-153", "m-303", "m-453", "m-203", "m-403"])
    }

    /// A writer commits while its stored event rows are still being read (`beginLoad`, then
    /// `loadMoreEvents` in steps): its events wait and join the graph after the stored ones,
    /// a failed commit leaves nothing behind, and the finished graph is the one a fresh load
    /// reads, slot for slot.
    @Test func commitsBetweenTheStepsOfALoadEndAsAFreshLoad() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            for start in stride(from: 0, to: 2_000, by: 500) { try commit((start..<(start + 500)).map { makeEvent($0) }, warm: warm, graph: graph) }
        }
        let warm = try WarmTier(path: path)
        let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
        try graph.beginLoad()
        #expect(graph.eventsLoading && graph.graph.eventCount == 0 && graph.storedEvents == 1_500)
        #expect(graph.graph.node(of: Indicator(.ipv4, "1.2.3.7")) != nil, "nodes are read first: a commit needs them")
        var steps = 0
        var live = 2_000
        while try !graph.loadMoreEvents(limit: 200) {
            steps += 1
            #expect(graph.eventsLoading && graph.graph.eventCount == 200 * steps, "only stored events held while loading")
            if steps % 2 == 0 {
                // Shares 1.2.3.x with stored events; every fourth holds no indicator.
                try commit((live..<(live + 50)).map { makeEvent($0) }, warm: warm, graph: graph)
                live += 50
            }
            if steps == 3 {
                let mark = graph.mark()
                #expect(throws: StoreError.self) {
                    _ = try warm.commit([WarmTier.Part(events: [event("failed", day: 1, ["1.2.3.7", "never.example.org"])])], deadLetterSize: 0,
                                        alsoWrite: { (_) throws(StoreError) in
                                            try graph.write(entries([event("failed", day: 1, ["1.2.3.7", "never.example.org"])]))
                                            throw StoreError.file(path: "warm.sqlite", doing: "write", reason: "disk full (simulated)")
                                        })
                }
                graph.rollback(to: mark)
            }
        }
        #expect(steps == 7 && live == 2_150, "the load took \(steps) steps")
        #expect(!graph.eventsLoading && graph.loaded && graph.rowsRead == 1_500)
        let liveStored = (2_000..<live).filter { $0 % 4 != 0 }.count
        #expect(graph.storedEvents == 1_500 + liveStored && graph.graph.eventCount == graph.storedEvents)
        #expect(try Int(warm.database.scalar("SELECT count(*) FROM graph_events") ?? -1) == graph.storedEvents)
        #expect(graph.resolve("failed") == nil && graph.resolve("never.example.org") == nil)
        let fresh = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        let slots = (0..<graph.graph.eventCount).map { CorrelationGraph.EventSlot($0) }
        #expect(fresh.graph.eventCount == graph.graph.eventCount)
        #expect(slots.map { graph.graph.event($0) } == slots.map { fresh.graph.event($0) })
        #expect(slots.last.map { graph.graph.event($0).id } == "evt-\((2_000..<live).last { $0 % 4 != 0 } ?? -1)", "this run's events come last")
        let focus = GraphFocus.indicator(Indicator(.ipv4, "1.2.3.7"))
        #expect(graph.neighbors(NeighborQuery(focus: focus, limit: 1_000)) == fresh.neighbors(NeighborQuery(focus: focus, limit: 1_000)))
        #expect(graph.graph.nodeCount == fresh.graph.nodeCount)
    }

    @Test func aFailedCommitLeavesMemoryAndDatabaseAsBefore() throws {
        let dir = scratchDirectory()
        let warm = try WarmTier(path: dir + "/warm.sqlite")
        let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
        try graph.load()
        try commit([event("a", day: 0, ["evil.com", "5.6.7.8"])], warm: warm, graph: graph)
        let before = graph.neighbors(NeighborQuery(focus: .event("a")))
        let mark = graph.graph.mark()
        #expect(throws: StoreError.self) {
            _ = try warm.commit([WarmTier.Part(events: [event("b", day: 1, ["evil.com", "new.org"])])], deadLetterSize: 0,
                                alsoWrite: { (_) throws(StoreError) in
                                    try graph.write(entries([event("b", day: 1, ["evil.com", "new.org"])]))
                                    throw StoreError.file(path: "warm.sqlite", doing: "write", reason: "disk full (simulated)")
                                })
        }
        graph.graph.rollback(to: mark)
        #expect(graph.neighbors(NeighborQuery(focus: .event("a"))) == before)
        #expect(graph.resolve("new.org") == nil)
        #expect(try warm.count() == 1)
        // The next commit reuses the freed node ids without clashing in the database.
        try commit([event("c", day: 2, ["evil.com", "other.net"])], warm: warm, graph: graph)
        let reloaded = try GraphTier.openForReading(path: dir + "/warm.sqlite", warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect(reloaded.neighbors(NeighborQuery(focus: .event("a")))?.neighbors.map(\.event.id) == ["c"])
        #expect(reloaded.resolve("other.net") != nil && reloaded.resolve("new.org") == nil)
    }

    @Test func retentionDeletesOldEventsAndLoadDropsOrphanNodes() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(30 * day))
            try graph.load()
            try commit([event("old", day: 0, ["old-only.com", "shared.net"]), event("mid", day: 20, ["shared.net"]),
                        event("new", day: 40, ["shared.net", "new-only.org"])], warm: warm, graph: graph)
            // The purge (every 30 s in the engine) measures against the retention clock,
            // deletes the events past it, and queries hide them from then on.
            let now = Timestamp(microseconds: (1_795_132_800 + 40 * day) * 1_000_000)
            #expect(try graph.purge(now: now) == 1)
            let n = try #require(graph.neighbors(NeighborQuery(focus: .indicator(Indicator(.domain, "shared.net")))))
            #expect(Set(n.neighbors.map(\.event.id)) == ["mid", "new"])
        }
        let writer = try WarmTier(path: path)
        let graph = try GraphTier(database: writer.database, warninglist: .builtIn(), retention: .seconds(30 * day))
        try graph.load()
        #expect(graph.graph.eventCount == 2)
        #expect(graph.resolve("old-only.com") == nil)
        #expect(try writer.database.scalar("SELECT count(*) FROM graph_nodes WHERE value = 'old-only.com'") == 0, "orphan node deleted")
        #expect(graph.resolve("new-only.org") != nil)
        // New nodes get fresh ids past the gap.
        try commit([event("newer", day: 41, ["fresh.io", "new-only.org"])], warm: writer, graph: graph)
        #expect(graph.neighbors(NeighborQuery(focus: .event("newer")))?.neighbors.map(\.event.id) == ["new"])
    }

    /// Node values load as a string reads them: non-ASCII as written, invalid UTF-8 (a
    /// damaged file) repaired, so a lookup by value finds either under its id.
    @Test func nodeValuesLoadAsAStringReadsThem() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            try commit([event("a", day: 0, ["evil.com"])], warm: warm, graph: graph)
            let kind = IndicatorKind.domain.rawValue
            try warm.database.execute("INSERT INTO graph_nodes(id, kind, value) VALUES (7, \(kind), CAST(x'6578c3a46d706c652e6f7267' AS TEXT))")
            try warm.database.execute("INSERT INTO graph_nodes(id, kind, value) VALUES (9, \(kind), CAST(x'626164ff2e6f7267' AS TEXT))")
            // As a writer that stored them would say.
            try warm.database.execute("UPDATE meta SET value = 9 WHERE key = 'graph_nodes_highest'")
        }
        let reader = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect(reader.graph.node(of: Indicator(.domain, "exämple.org")) == 6)
        #expect(reader.graph.node(of: Indicator(.domain, "bad\u{FFFD}.org")) == 8)
        #expect(reader.graph.indicator(8).value == "bad\u{FFFD}.org" && reader.graph.nodeCount == 9)
        #expect(reader.resolve("evil.com") == .indicator(Indicator(.domain, "evil.com")))
    }

    /// A node id past the highest the store ever gave (damage) is refused with the row named,
    /// before the load makes room for every id below it (4 billion ids ran out of memory).
    /// A store from before the highest was kept loads as before, and its next writer keeps it.
    @Test func aNodeIdPastTheHighestEverStoredIsRefused() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            try commit([event("a", day: 0, ["evil.com", "10.1.2.3"])], warm: warm, graph: graph)
            try commit([event("b", day: 1, ["evil.com", "other.example.org"])], warm: warm, graph: graph)
            #expect(try warm.database.scalar("SELECT value FROM meta WHERE key = 'graph_nodes_highest'") == 3)
            try warm.database.execute("UPDATE graph_nodes SET id = 50000000 WHERE id = 3")
        }
        do {
            _ = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
            Issue.record("a node id past the highest ever stored was loaded")
        } catch {
            guard case .corrupt(_, let detail) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(detail.contains("50000000") && detail.contains("at most 3"), "\(detail)")
        }
        // Without the key (a store from before it), the same file loads as it did; a writer
        // then keeps the key from its first new node on.
        do {
            let warm = try WarmTier(path: path)
            try warm.database.execute("UPDATE graph_nodes SET id = 3 WHERE id = 50000000; DELETE FROM meta WHERE key = 'graph_nodes_highest'")
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            #expect(graph.graph.nodeCount == 3)
            try commit([event("c", day: 2, ["new.example.net"])], warm: warm, graph: graph)
            #expect(try warm.database.scalar("SELECT value FROM meta WHERE key = 'graph_nodes_highest'") == 4)
        }
        let reader = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect(reader.graph.nodeCount == 4)
    }

    @Test func corruptNodeListsAreReportedNotTrusted() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            try commit([event("a", day: 0, ["evil.com"])], warm: warm, graph: graph)
            try warm.database.execute("UPDATE graph_events SET nodes = x'ffffffffff7f' WHERE id = 'a'")
        }
        #expect {
            _ = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        } throws: { ($0 as? StoreError)?.message.contains("graph_events row for a: node list is corrupt") == true }
    }

    /// A load makes room up front for the rows its slots say are coming; a file whose slots
    /// span far more than it holds (damaged, or written by hand) still loads, without setting
    /// memory aside for rows that are not there (the stored count bounds it).
    @Test func slotsFarApartDoNotMakeTheLoadReserveTheirSpan() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        do {
            let warm = try WarmTier(path: path)
            let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(365 * day))
            try graph.load()
            try commit([event("a", day: 0, ["evil.com"]), event("b", day: 1, ["evil.com", "10.9.8.7"])], warm: warm, graph: graph)
            try warm.database.execute("UPDATE graph_events SET slot = 9223372036854775000 WHERE id = 'b'")
        }
        let reader = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: .seconds(365 * day))
        #expect(reader.graph.eventCount == 2)
        #expect(Set(reader.eventIDs(holding: Indicator(.domain, "evil.com"))) == ["a", "b"])
        #expect(reader.graph.memoryBytes < 1 << 20, "\(reader.graph.memoryBytes) bytes")
        #expect(GraphTier.reservedRowsLimit <= 1 << 23)
    }

    @Test func nodeListEncodingRoundTrips() {
        let ids: [CorrelationGraph.NodeID] = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 1 << 28, UInt32.max]
        var bytes: [UInt8] = []
        GraphTier.encode(ids, into: &bytes)
        var decoded: [CorrelationGraph.NodeID] = []
        #expect(bytes.withUnsafeBytes { GraphTier.decode($0, into: &decoded) })
        #expect(decoded == ids)
        var truncated: [CorrelationGraph.NodeID] = []
        #expect(!Array(bytes.dropLast()).withUnsafeBytes { GraphTier.decode($0, into: &truncated) })
    }
}
