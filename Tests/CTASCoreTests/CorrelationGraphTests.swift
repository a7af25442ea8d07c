import CTASCore
import Foundation
import Testing

private func ts(_ s: Int64) -> Timestamp { Timestamp(microseconds: s * 1_000_000) }

/// A small graph: a—b share 1.2.3.4, b—c share evil.com, c—d share a hash; e is alone;
/// 8.8.8.8 (warninglisted) links a and e.
private func sampleGraph() -> CorrelationGraph {
    let g = CorrelationGraph()
    func add(_ id: String, _ t: Int64, _ indicators: [Indicator]) {
        g.addEvent(id: id, time: ts(t), type: "c2", severity: Severity(5), nodes: indicators.map { g.intern($0).node })
    }
    let ip = Indicator(.ipv4, "1.2.3.4"), dom = Indicator(.domain, "evil.com"), hash = Indicator(.md5, String(repeating: "a", count: 32))
    let resolver = Indicator(.ipv4, "8.8.8.8")
    add("a", 1, [ip, resolver])
    add("b", 2, [ip, dom])
    add("c", 3, [dom, hash])
    add("d", 4, [hash])
    add("e", 5, [resolver, Indicator(.domain, "lonely.org")])
    return g
}

@Suite struct CorrelationGraphTests {
    @Test func hopsFollowSharedIndicators() throws {
        let g = sampleGraph()
        let one = try #require(g.neighbors(NeighborQuery(focus: .event("a"), hops: 1)))
        #expect(one.neighbors.map(\.event.id) == ["b"])
        #expect(one.neighbors.first?.via == Indicator(.ipv4, "1.2.3.4"))
        #expect(one.skippedWarninglisted == 1, "8.8.8.8 is a public resolver: never followed")
        let two = try #require(g.neighbors(NeighborQuery(focus: .event("a"), hops: 2)))
        #expect(two.neighbors.map(\.event.id) == ["b", "c"])
        #expect(two.neighbors.map(\.distance) == [1, 2])
        let three = try #require(g.neighbors(NeighborQuery(focus: .event("a"), hops: 3)))
        #expect(three.neighbors.map(\.event.id) == ["b", "c", "d"])
        #expect(three.totalByKind == [.ipv4: 1, .domain: 1, .md5: 1])
        #expect(three.indicators.map(\.indicator.value) == ["1.2.3.4", "8.8.8.8"])
        #expect(three.indicators.last?.warninglisted == "public resolvers")
        // The reach as a tree: each event names the one a hop nearer that led to it.
        #expect(three.neighbors.map(\.parent) == [nil, "b", "c"])
        #expect(three.totalByDistance == [1, 1, 1])
    }

    /// Any limit a caller gives is taken, the largest too (`export --neighbors` asks for all).
    @Test func everyLimitUpToTheLargestIsTaken() throws {
        let g = sampleGraph()
        for limit in [0, 1, 2, 3, 1 << 40, Int.max / 4 + 1, Int.max] {
            let found = try #require(g.neighbors(NeighborQuery(focus: .event("a"), hops: 3, limit: limit)))
            #expect(found.neighbors.map(\.event.id) == Array(["b", "c", "d"].prefix(limit)), "limit \(limit)")
            #expect(found.total == 3)
        }
    }

    @Test func indicatorFocusListsItsEventsThenBeyond() throws {
        let g = sampleGraph()
        let n = try #require(g.neighbors(NeighborQuery(focus: .indicator(Indicator(.domain, "evil.com")), hops: 2)))
        #expect(n.event == nil)
        #expect(n.neighbors.map(\.event.id) == ["c", "b", "d", "a"], "distance 1 newest first, then distance 2 newest first")
        #expect(n.neighbors.map(\.distance) == [1, 1, 2, 2])
        #expect(n.neighbors.map(\.parent) == [nil, nil, "c", "b"], "the indicator's own events have no parent")
        // A warninglisted value in focus still lists its own events.
        let r = try #require(g.neighbors(NeighborQuery(focus: .indicator(Indicator(.ipv4, "8.8.8.8")), hops: 1)))
        #expect(Set(r.neighbors.map(\.event.id)) == ["a", "e"])
        #expect(g.neighbors(NeighborQuery(focus: .event("nope"))) == nil)
        #expect(g.neighbors(NeighborQuery(focus: .indicator(Indicator(.ipv4, "9.9.9.9")))) == nil)
    }

    @Test func overcorrelatedValuesAreKeptShownAndNotExpanded() throws {
        let g = CorrelationGraph()
        let popular = g.intern(Indicator(.domain, "popular.net")).node
        for i in 0..<25 {
            let own = g.intern(Indicator(.ipv4, "10.9.\(i).1")).node
            g.addEvent(id: "e\(i)", time: ts(Int64(i)), type: "t", severity: nil, nodes: [popular, own])
        }
        let n = try #require(g.neighbors(NeighborQuery(focus: .event("e0"), hops: 1, overcorrelationThreshold: 20)))
        #expect(n.total == 0)
        #expect(n.skippedOvercorrelated == 1)
        #expect(n.indicators.first { $0.indicator.value == "popular.net" }?.overcorrelated == true)
        #expect(n.indicators.first { $0.indicator.value == "popular.net" }?.events == 25)
        let all = try #require(g.neighbors(NeighborQuery(focus: .event("e0"), hops: 1, limit: 10, includeOvercorrelated: true)))
        #expect(all.total == 24)
        #expect(all.neighbors.count == 10)
        #expect(all.more == 14)
        #expect(all.neighbors.map(\.event.id) == (15...24).reversed().map { "e\($0)" }, "the newest ten")
        // At the threshold exactly, a value still correlates.
        let at = try #require(g.neighbors(NeighborQuery(focus: .event("e0"), hops: 1, overcorrelationThreshold: 25)))
        #expect(at.total == 24)
    }

    @Test func valuesNotFollowedFurtherOutAreNamedMostEventsFirst() throws {
        let g = CorrelationGraph()
        let link = g.intern(Indicator(.domain, "link-c2.net")).node
        let busy = g.intern(Indicator(.domain, "busy-cdn.net")).node
        let busier = g.intern(Indicator(.ipv4, "185.220.101.9")).node
        g.addEvent(id: "focus", time: ts(0), type: "t", severity: nil, nodes: [link])
        g.addEvent(id: "hop1", time: ts(1), type: "t", severity: nil, nodes: [link, busy, busier])
        for i in 0..<22 { g.addEvent(id: "b\(i)", time: ts(Int64(2 + i)), type: "t", severity: nil, nodes: [busy]) }
        for i in 0..<30 { g.addEvent(id: "c\(i)", time: ts(Int64(30 + i)), type: "t", severity: nil, nodes: [busier]) }
        let n = try #require(g.neighbors(NeighborQuery(focus: .event("focus"), hops: 2, overcorrelationThreshold: 20)))
        #expect(n.neighbors.map(\.event.id) == ["hop1"])
        #expect(n.skippedOvercorrelated == 2)
        #expect(n.notFollowed.map(\.indicator.value) == ["185.220.101.9", "busy-cdn.net"])
        #expect(n.notFollowed.map(\.events) == [31, 23])
        #expect(n.notFollowed.allSatisfy { $0.overcorrelated && $0.warninglisted == nil })
        // Followed on request: nothing is left unnamed.
        let all = try #require(g.neighbors(NeighborQuery(focus: .event("focus"), hops: 2, includeOvercorrelated: true)))
        #expect(all.notFollowed.isEmpty && all.total == 53)
    }

    @Test func retentionHidesOldEvents() throws {
        let g = sampleGraph()
        g.retentionCutoff = ts(3)
        let n = try #require(g.neighbors(NeighborQuery(focus: .event("c"), hops: 3)))
        #expect(n.neighbors.map(\.event.id) == ["d"])
    }

    @Test func rollbackUndoesEverythingSinceTheMark() throws {
        let g = sampleGraph()
        let before = try #require(g.neighbors(NeighborQuery(focus: .event("a"), hops: 3)))
        let mark = g.mark()
        let nodes = g.nodeCount
        let fresh = g.intern(Indicator(.domain, "new.example.org")).node
        let ip = g.intern(Indicator(.ipv4, "1.2.3.4")).node
        g.addEvent(id: "f", time: ts(9), type: "t", severity: nil, nodes: [fresh, ip])
        g.addEvent(id: "g", time: ts(9), type: "t", severity: nil, nodes: [fresh])
        #expect(g.neighbors(NeighborQuery(focus: .event("a"), hops: 1))?.total == 2)
        g.rollback(to: mark)
        #expect(g.nodeCount == nodes)
        #expect(g.slot(ofEvent: "f") == nil)
        #expect(g.node(of: Indicator(.domain, "new.example.org")) == nil)
        #expect(g.neighbors(NeighborQuery(focus: .event("a"), hops: 3)) == before)
        // And the graph keeps working after the rollback.
        g.addEvent(id: "f", time: ts(9), type: "t", severity: nil, nodes: [g.intern(Indicator(.ipv4, "1.2.3.4")).node])
        #expect(g.neighbors(NeighborQuery(focus: .event("f"), hops: 1))?.neighbors.map(\.event.id) == ["b", "a"])
    }

    /// Warninglist verdicts are kept by node id: a rollback forgets those of the nodes it
    /// removed, so the next indicator given the same id gets its own.
    @Test func aRolledBackNodesWarninglistVerdictIsNotInherited() throws {
        let g = sampleGraph()
        for (first, second) in [(Indicator(.domain, "google.com"), Indicator(.domain, "quiet-host.net")),
                                (Indicator(.domain, "quiet-host.net"), Indicator(.domain, "google.com"))] {
            let mark = g.mark()
            let node = g.intern(first).node
            g.addEvent(id: "w", time: ts(9), type: "t", severity: nil, nodes: [node])
            #expect((g.describe(node, threshold: 10).warninglisted != nil) == (first.value == "google.com"))
            g.rollback(to: mark)
            let reused = g.intern(second).node
            #expect(reused == node, "the removed node's id is given again")
            #expect((g.describe(reused, threshold: 10).warninglisted != nil) == (second.value == "google.com"), "\(second.value)")
            g.rollback(to: mark)
        }
        #expect(g.describe(try #require(g.node(of: Indicator(.ipv4, "8.8.8.8"))), threshold: 10).warninglisted != nil)
        #expect(g.describe(try #require(g.node(of: Indicator(.ipv4, "1.2.3.4"))), threshold: 10).warninglisted == nil)
    }

    /// Dropping the oldest events leaves exactly the graph of the rest: the same answers as a
    /// graph built from them alone, node ids unchanged, and the graph keeps growing after.
    @Test func droppingTheOldestLeavesTheGraphOfTheRest() throws {
        func build(_ range: Range<Int>, into g: CorrelationGraph) {
            for i in range {
                let nodes = [Indicator(.ipv4, "10.0.\(i % 7).\(i % 11)"), Indicator(.domain, "h\(i % 23).example.org"),
                             Indicator(.md5, String(repeating: String(i % 5), count: 32))].map { g.intern($0).node }
                g.addEvent(id: "e\(i)", time: ts(Int64(i)), type: "t\(i % 3)", severity: Severity(1 + i % 10), nodes: nodes)
            }
        }
        let full = CorrelationGraph()
        build(0..<600, into: full)
        let before = full.memoryBytes
        full.dropOldest(450)
        #expect(full.eventCount == 150 && full.memoryBytes < before)
        #expect(full.oldestHeldTime == ts(450))
        let rest = CorrelationGraph()
        // The same node ids: intern every value in the full graph's order first.
        build(0..<600, into: rest)
        rest.dropOldest(600)
        build(450..<600, into: rest)
        #expect(full.slot(ofEvent: "e449") == nil)
        #expect(full.slot(ofEvent: "e450") == 0)
        for focus in [GraphFocus.event("e451"), .event("e599"), .indicator(Indicator(.domain, "h3.example.org")),
                      .indicator(Indicator(.md5, String(repeating: "4", count: 32)))] {
            for hops in 1...3 {
                let query = NeighborQuery(focus: focus, hops: hops, limit: 10_000, includeOvercorrelated: true)
                #expect(full.neighbors(query) == rest.neighbors(query), "\(focus) hops \(hops)")
            }
        }
        build(600..<650, into: full)
        build(600..<650, into: rest)
        let query = NeighborQuery(focus: .event("e640"), hops: 2, limit: 10_000)
        #expect(full.neighbors(query) == rest.neighbors(query))
        #expect(full.neighbors(query)?.neighbors.allSatisfy { $0.event.time >= ts(450) } == true)
        full.dropOldest(10_000)
        #expect(full.eventCount == 0 && full.neighbors(query) == nil)
    }

    @Test func restoredNodesKeepTheirIdsAndGapsStayEmpty() {
        let g = CorrelationGraph()
        g.restoreNode(0, Indicator(.domain, "a.com"))
        g.restoreNode(3, Indicator(.domain, "b.com"))
        #expect(g.nodeCount == 4)
        #expect(g.node(of: Indicator(.domain, "b.com")) == 3)
        #expect(g.intern(Indicator(.domain, "c.com")).node == 4)
        #expect(g.unreferencedNodes() == [0, 3, 4])
    }

    /// Nodes restored a batch at a time (ids with gaps, several batches) are the graph that
    /// interning the same values in id order makes, the gaps left empty: every value found
    /// under its id, the next new value after the last id, nothing held.
    @Test func nodesRestoredInBatchesAreTheInternedGraphWithGaps() {
        func value(_ i: Int) -> Indicator {
            i % 3 == 0 ? Indicator(.domain, "h\(i).exämple.net") : Indicator(.ipv4, "10.\(i % 250).\(i / 250).1")
        }
        func id(_ i: Int) -> CorrelationGraph.NodeID { CorrelationGraph.NodeID(i * 2 + (i % 7 == 0 ? 1 : 0)) }
        let values: [Indicator] = (0..<10_000).map(value)
        let ids: [CorrelationGraph.NodeID] = (0..<10_000).map(id)
        let restored = CorrelationGraph()
        var rows = GraphNodeRows()
        for (i, value) in values.enumerated() {
            var text = value.value
            text.withUTF8 { rows.append(id: ids[i], kind: value.kind, value: UnsafeRawBufferPointer($0)) }
            if rows.count == 777 {
                restored.restoreNodes(rows)
                rows.removeAll()
            }
        }
        restored.restoreNodes(rows)
        let interned = CorrelationGraph()
        var next: CorrelationGraph.NodeID = 0
        for (i, value) in values.enumerated() {
            while next < ids[i] {
                _ = interned.intern(Indicator(.other, "gap-\(next)"))
                next += 1
            }
            #expect(interned.intern(value).node == ids[i])
            next += 1
        }
        #expect(restored.nodeCount == interned.nodeCount && restored.nodeCount == Int(ids[9_999]) + 1)
        for (i, value) in values.enumerated() where i % 13 == 0 {
            #expect(restored.node(of: value) == ids[i] && restored.indicator(ids[i]) == value)
        }
        #expect(restored.node(of: Indicator(.other, "gap-1")) == nil, "a gap holds no value")
        #expect(restored.intern(Indicator(.domain, "new.example.org")).node == CorrelationGraph.NodeID(restored.nodeCount - 1))
        #expect(restored.unreferencedNodes().count == values.count + 1, "no events: every value unreferenced, gaps not counted")
    }

    @Test func manyEventsAndValuesStayExact() {
        let g = CorrelationGraph()
        for i in 0..<50_000 {
            let a = g.intern(Indicator(.ipv4, "10.\(i % 200).\(i % 7).\(i % 250)")).node
            let b = g.intern(Indicator(.domain, "host\(i).example-\(i % 13).net")).node
            g.addEvent(id: "evt-\(i)", time: ts(Int64(i)), type: "t\(i % 5)", severity: Severity(1 + i % 10), nodes: [a, b])
        }
        #expect(g.eventCount == 50_000)
        #expect(g.nodeCount == Set((0..<50_000).map { "10.\($0 % 200).\($0 % 7).\($0 % 250)" }).count + 50_000)
        for i in stride(from: 0, to: 50_000, by: 997) {
            let slot = g.slot(ofEvent: "evt-\(i)")
            #expect(slot.map { g.event($0).id } == "evt-\(i)")
            #expect(g.event(slot ?? 0).type == "t\(i % 5)")
        }
        #expect(g.slot(ofEvent: "evt-50000") == nil)
    }
}

@Suite struct WarninglistTests {
    @Test func exactNetworksWildcardsAndPatterns() throws {
        let list = try Warninglist(text: """
            # comment
            [resolvers]
            8.8.8.8
            2001:4860:4860::8888   # trailing note
            [nets]
            10.0.0.0/8
            fc00::/7
            [names]
            *.example.com
            *tracker*
            Mutex-ABC
            """, origin: "test")
        func section(_ kind: IndicatorKind, _ value: String) -> String? { list.match(Indicator(kind, value))?.section }
        #expect(section(.ipv4, "8.8.8.8") == "resolvers")
        #expect(section(.ipv6, "2001:4860:4860::8888") == "resolvers")
        #expect(section(.ipv4, "10.200.1.1") == "nets")
        #expect(section(.ipv4, "11.0.0.1") == nil)
        #expect(section(.ipv4, "10.1.0.0/16") == "nets")
        #expect(section(.ipv6, "fd12::1") == "nets")
        #expect(section(.domain, "example.com") == "names")
        #expect(section(.domain, "a.b.example.com") == "names")
        #expect(section(.domain, "notexample.com") == nil)
        #expect(section(.url, "https://www.example.com/x") == "names")
        #expect(section(.url, "http://10.1.1.1:8080/") == "nets")
        #expect(section(.url, "http://[fd12::1]:8080/x") == "nets", "an IPv6 host against the networks")
        #expect(section(.url, "http://[2001:4860:4860::8888]/") == "resolvers")
        #expect(section(.url, "http://[2001:db8::1]/") == nil)
        #expect(section(.email, "bob@mail.example.com") == "names")
        #expect(section(.domain, "ads.tracker.io") == "names")
        #expect(section(.other, "Mutex-ABC") == "names")
        #expect(section(.domain, "evil.com") == nil)
        #expect(list.count == 7)
    }

    @Test(arguments: [
        ("8.8.8.8", "test:1: expected a section header"),
        ("[x]\n10.0.0.0/33", "test:2: expected a network"),
        ("[x]\n10.0.0.0/abc", "test:2: expected a network"),
        ("[x]\ntwo words", "test:2: expected one value per line"),
        ("[x]\n*", "test:2: a pattern of only"),
        ("[x\n1.1.1.1", "test:1: expected a section header"),
    ])
    func errorsNameTheLine(text: String, expected: String) {
        do {
            _ = try Warninglist(text: text.hasPrefix("8.8") ? "[\n" + text : text, origin: "test")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.message.hasPrefix(expected), "\(error.message)")
        }
    }

    @Test func builtInCoversTheIssueCategoriesAndMatchesTheShippedFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../SampleData/warninglist.txt")
        let shipped = try String(contentsOf: url, encoding: .utf8)
        #expect(shipped == Warninglist.builtInText + "\n")
        let list = Warninglist.builtIn()
        for (kind, value) in [(IndicatorKind.ipv4, "8.8.8.8"), (.ipv4, "127.0.0.1"), (.ipv4, "192.168.1.20"), (.ipv4, "172.31.0.9"),
                              (.ipv4, "198.51.100.7"), (.domain, "www.example.com"), (.domain, "d1.cloudfront.net"),
                              (.ipv6, "::1"), (.ipv6, "2001:db8::5")] {
            #expect(list.match(Indicator(kind, value)) != nil, "\(value)")
        }
        #expect(list.match(Indicator(.ipv4, "185.220.101.4")) == nil)
        #expect(list.match(Indicator(.domain, "evil-cdn.com")) == nil)
    }
}
