import CTASCore
import Foundation
import Testing

/// A load adds stored events a batch at a time (`CorrelationGraph.addEvents`): the graph must
/// be the one adding them one by one gives.
@Suite struct GraphEventRowsTests {
    /// 3,000 events over 400 values (popular ones held by hundreds), 300 event types (more
    /// than one batch tells apart), ids of one to forty bytes, some unrated, times out of order.
    static func sample() -> [(id: String, time: Timestamp, type: String, severity: Severity?, nodes: [Indicator])] {
        var seed: UInt64 = 0x5EED
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let values = (0..<400).map { Indicator(.domain, "host\($0).example") }
        return (0..<3_000).map { i in
            let id = String(repeating: "e", count: next(40)) + "\(i)"
            let count = next(6)
            let nodes = (0..<count).map { _ in values[next(3) == 0 ? next(5) : next(400)] }
            return (id, Timestamp(microseconds: Int64(next(1_000_000)) * 1_000), "type-\(next(300))",
                    next(4) == 0 ? nil : Severity(1 + next(10)), Array(Set(nodes)))
        }
    }

    @Test func addingABatchGivesTheGraphAddingOneByOneGives() throws {
        let sample = Self.sample()
        let one = CorrelationGraph(), batched = CorrelationGraph()
        for g in [one, batched] { for e in sample { for v in e.nodes { _ = g.intern(v) } } }
        for e in sample {
            one.addEvent(id: e.id, time: e.time, type: e.type, severity: e.severity, nodes: e.nodes.map { one.intern($0).node })
        }
        batched.reserve(events: 1_000)   // fewer than come: the rest grow as usual
        var rows = GraphEventRows(capacity: 16)
        var batches = 0
        for e in sample {
            var id = e.id, type = e.type
            id.withUTF8 { idBytes in
                type.withUTF8 { typeBytes in
                    rows.append(id: UnsafeRawBufferPointer(idBytes), time: e.time, type: UnsafeRawBufferPointer(typeBytes),
                                severity: e.severity, nodes: e.nodes.map { batched.intern($0).node })
                }
            }
            if rows.isFull(rows: 700) {
                batched.addEvents(rows)
                rows.removeAll()
                batches += 1
            }
        }
        batched.addEvents(rows)
        batched.addEvents(GraphEventRows())
        #expect(batches >= 4)
        #expect(batched.eventCount == one.eventCount && batched.edgeCount == one.edgeCount)
        #expect(batched.memoryBytes == one.memoryBytes)
        #expect(batched.oldestHeldTime == one.oldestHeldTime)
        for slot in 0..<one.eventCount {
            let s = CorrelationGraph.EventSlot(slot)
            #expect(batched.event(s) == one.event(s))
        }
        for e in sample { #expect(batched.slot(ofEvent: e.id) == one.slot(ofEvent: e.id)) }
        #expect(batched.slot(ofEvent: "not-stored") == nil)
        for node in 0..<one.nodeCount {
            let n = CorrelationGraph.NodeID(node)
            #expect(batched.eventCount(of: n) == one.eventCount(of: n))
        }
        for e in sample.prefix(200) {
            let q = NeighborQuery(focus: .event(e.id), hops: 2, limit: 1_000, includeOvercorrelated: true)
            #expect(batched.neighbors(q) == one.neighbors(q))
        }
        // A rollback after a batch undoes exactly what it added.
        let mark = batched.mark()
        var more = GraphEventRows()
        var id = "late", type = "type-new"
        id.withUTF8 { i in
            type.withUTF8 { t in
                more.append(id: UnsafeRawBufferPointer(i), time: Timestamp(microseconds: 0), type: UnsafeRawBufferPointer(t),
                            severity: nil, nodes: [0, 1])
            }
        }
        batched.addEvents(more)
        #expect(batched.slot(ofEvent: "late") != nil && batched.oldestHeldTime == Timestamp(microseconds: 0))
        batched.rollback(to: mark)
        #expect(batched.slot(ofEvent: "late") == nil && batched.memoryBytes == one.memoryBytes)
        #expect(batched.eventCount(of: 0) == one.eventCount(of: 0) && batched.oldestHeldTime == one.oldestHeldTime)
    }
}
