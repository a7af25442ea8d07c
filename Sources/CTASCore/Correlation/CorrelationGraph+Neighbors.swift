extension CorrelationGraph {
    /// Steps of work (postings read) one query may take before it stops and reports lower
    /// bounds: expanding over-correlated values on a large graph could otherwise visit
    /// most of it.
    public static let workBudget = 2_000_000

    /// The neighborhood of `query.focus`, or nil when the graph does not hold it.
    ///
    /// Breadth-first over the bipartite graph: from the focus events, through each
    /// indicator not yet seen, to the events holding it. Warninglisted indicators are never
    /// followed; over-correlated ones only when the query asks. An indicator in focus is
    /// always expanded (its own events are what the analyst asked for).
    public func neighbors(_ query: NeighborQuery) -> Neighborhood? {
        var focusEvent: GraphEvent?
        var focusIndicators: [GraphIndicator] = []
        var frontier: [EventSlot] = []
        var focusNode: NodeID?
        switch query.focus {
        case .event(let id):
            guard let slot = slot(ofEvent: id) else { return nil }
            focusEvent = event(slot)
            frontier = [slot]
            focusIndicators = edgeRange(slot).map { describe(edge($0), threshold: query.overcorrelationThreshold) }
        case .indicator(let indicator):
            guard let node = node(of: indicator) else { return nil }
            focusNode = node
            focusIndicators = [describe(node, threshold: query.overcorrelationThreshold)]
        }
        // The search works on local copies: each read of a class's stored array is checked
        // for exclusive access, and a busy focus touches 10⁵ postings.
        let buffers = SearchBuffers.reuse(searchBuffers, events: eventCount, nodes: nodeCount)
        searchBuffers = nil
        var search = Search(graph: self, query: query, buffers: buffers)
        search.run(frontier: frontier, focusNode: focusNode)
        defer { searchBuffers = buffers }

        var byKind: [IndicatorKind: Int] = [:]
        var kindCounts = [Int](repeating: 0, count: 16)
        let kinds = nodeKind
        for i in 0..<search.foundCount { kindCounts[Int(kinds[Int(search.foundVia[i])] & 15)] += 1 }
        for (raw, n) in kindCounts.enumerated() where n > 0 {
            byKind[IndicatorKind(rawValue: UInt8(raw)) ?? .other, default: 0] += n
        }
        // Nearest first (found is in breadth-first order already), newest first within a
        // distance; only the first `limit` are described.
        var chosen: [Int] = []
        let times = eventTime
        for (d, range) in search.distanceRanges.enumerated() where chosen.count < query.limit {
            chosen += Self.newest(range, count: query.limit - chosen.count, slots: search.foundSlots, times: times)
            _ = d
        }
        let found = chosen.map { i in
            (slot: search.foundSlots[i], distance: search.distance(of: i), via: search.foundVia[i], parent: search.foundParent[i])
        }
        let total = search.foundCount
        var viaCache: [NodeID: Indicator] = [:]
        let focusSlot = frontier.first
        let neighbors = found.map { f -> GraphNeighbor in
            let via = viaCache[f.via] ?? indicator(f.via)
            viaCache[f.via] = via
            // The event one hop nearer that reached it (none for the focus's own neighbours).
            let parent = f.parent == CorrelationGraph.noEvent || f.parent == focusSlot ? nil : event(f.parent).id
            return GraphNeighbor(event: event(f.slot), distance: f.distance, via: via, parent: parent)
        }
        var answer = Neighborhood(query: query, event: focusEvent, indicators: focusIndicators.sorted { $0.indicator < $1.indicator },
                                  neighbors: neighbors, total: total, totalByKind: byKind,
                                  skippedOvercorrelated: search.skippedOvercorrelated, skippedWarninglisted: search.skippedWarninglisted,
                                  truncated: search.truncated)
        answer.totalByDistance = search.distanceRanges.map(\.count)
        answer.notFollowed = search.skippedNodes.map { describe($0, threshold: query.overcorrelationThreshold) }
            .sorted { ($0.events, $1.indicator) > ($1.events, $0.indicator) }
        return answer
    }

    /// The breadth-first search over local copies of the graph's arrays.
    struct Search {
        let edges: [NodeID], edgeStart: [UInt32], eventTime: [Int64]
        let nodeFirstEvent: [UInt32], nodeMore: [UInt32], overflow: [[UInt32]]
        let eventsNotHeld: [NodeID: Int]
        let hops: Int
        let threshold: Int
        let cutoff: Int64
        let graph: CorrelationGraph
        let eventSeen: UnsafeMutablePointer<UInt64>
        let nodeSeen: UnsafeMutablePointer<UInt64>
        let foundSlots: UnsafeMutablePointer<EventSlot>
        let foundVia: UnsafeMutablePointer<NodeID>
        /// Per found event, the event whose indicator reached it (`noEvent` from a focus indicator).
        let foundParent: UnsafeMutablePointer<EventSlot>
        private var parent = CorrelationGraph.noEvent
        private(set) var foundCount = 0
        /// Index ranges of `foundSlots` per distance (1, 2, 3).
        var distanceRanges: [Range<Int>] = []
        var skippedOvercorrelated = 0
        var skippedWarninglisted = 0
        /// The first values met and not followed, to name them (counted beyond this).
        var skippedNodes: [NodeID] = []
        static let namedSkips = 20
        var truncated = false
        var work = 0

        init(graph: CorrelationGraph, query: NeighborQuery, buffers: SearchBuffers) {
            self.graph = graph
            edges = graph.edges
            edgeStart = graph.edgeStart
            eventTime = graph.eventTime
            nodeFirstEvent = graph.nodeFirstEvent
            nodeMore = graph.nodeMore
            overflow = graph.overflow
            eventsNotHeld = graph.eventsNotHeld
            hops = query.hops
            threshold = query.includeOvercorrelated ? Int.max : query.overcorrelationThreshold
            // Every event within retention: no need to read each one's time.
            let limit = graph.retentionCutoff?.microseconds ?? Int64.min
            cutoff = graph.oldestEventTime >= limit ? Int64.min : limit
            buffers.clearMarks()
            eventSeen = buffers.eventSeen
            nodeSeen = buffers.nodeSeen
            foundSlots = buffers.foundSlots
            foundVia = buffers.foundVia
            foundParent = buffers.foundParent
        }

        func distance(of index: Int) -> Int {
            for (d, range) in distanceRanges.enumerated() where range.contains(index) { return d + 1 }
            return distanceRanges.count
        }

        /// Marks a bit; false when it was already set.
        @inline(__always)
        private static func mark(_ bits: UnsafeMutablePointer<UInt64>, _ i: UInt32) -> Bool {
            let word = Int(i >> 6)
            let bit = UInt64(1) << UInt64(i & 63)
            if bits[word] & bit != 0 { return false }
            bits[word] |= bit
            return true
        }

        mutating func run(frontier start: [EventSlot], focusNode: NodeID?) {
            for slot in start { _ = Self.mark(eventSeen, slot) }
            var frontier = 0..<0
            var firstStep = 1
            if let focusNode {
                _ = Self.mark(nodeSeen, focusNode)
                expand(focusNode)
                distanceRanges.append(0..<foundCount)
                frontier = 0..<foundCount
                firstStep = 2
            }
            guard firstStep <= hops, !truncated else { return }
            for _ in firstStep...hops {
                let begin = foundCount
                let sources = firstStep == 1 && frontier.isEmpty && foundCount == 0 ? start : nil
                if let sources {
                    for slot in sources { if !step(from: slot) { break } }
                } else {
                    for i in frontier { if !step(from: foundSlots[i]) { break } }
                }
                distanceRanges.append(begin..<foundCount)
                frontier = begin..<foundCount
                if truncated || frontier.isEmpty { return }
            }
        }

        /// Follows the indicators of one event; false once the work budget is spent.
        private mutating func step(from slot: EventSlot) -> Bool {
            parent = slot
            var e = Int(edgeStart[Int(slot)])
            let end = Int(edgeStart[Int(slot) + 1])
            while e < end {
                let node = edges[e]
                e += 1
                guard Self.mark(nodeSeen, node) else { continue }
                let n = Int(node)
                if nodeFirstEvent[n] == CorrelationGraph.noEvent { continue }
                if isWarninglisted(node) {
                    skippedWarninglisted += 1
                    if skippedNodes.count < Self.namedSkips { skippedNodes.append(node) }
                    continue
                }
                let more = nodeMore[n]
                var count = more == CorrelationGraph.noEvent ? 1 : 1 + overflow[Int(more)].count
                if !eventsNotHeld.isEmpty { count += eventsNotHeld[node] ?? 0 }
                if count > threshold {
                    skippedOvercorrelated += 1
                    if skippedNodes.count < Self.namedSkips { skippedNodes.append(node) }
                    continue
                }
                expand(node)
                if truncated { return false }
            }
            return true
        }

        /// Adds the not yet seen, live events holding `node`.
        private mutating func expand(_ node: NodeID) {
            let first = nodeFirstEvent[Int(node)]
            guard first != CorrelationGraph.noEvent else { return }
            visitEvent(first, via: node)
            let more = nodeMore[Int(node)]
            if more != CorrelationGraph.noEvent {
                for slot in overflow[Int(more)] {
                    visitEvent(slot, via: node)
                    if work >= CorrelationGraph.workBudget {
                        truncated = true
                        return
                    }
                }
            }
        }

        @inline(__always)
        private mutating func visitEvent(_ slot: EventSlot, via node: NodeID) {
            work += 1
            guard Self.mark(eventSeen, slot) else { return }
            guard cutoff == Int64.min || eventTime[Int(slot)] >= cutoff else { return }
            foundSlots[foundCount] = slot
            foundVia[foundCount] = node
            foundParent[foundCount] = parent
            foundCount += 1
        }

        /// The graph keeps each node's verdict in an array: asked again, it is one read.
        private func isWarninglisted(_ node: NodeID) -> Bool { graph.isWarninglisted(node) }
    }

    /// Memory a search works in, kept by the graph between queries: visit marks as bit sets
    /// (a million events take 128 KB, which stays in cache where a word per event would not;
    /// the search is bound by memory latency), and found events with the indicator that
    /// reached each, with room for every event so appending needs no checks.
    final class SearchBuffers {
        let events: Int
        let nodes: Int
        let eventWords: Int
        let nodeWords: Int
        let eventSeen: UnsafeMutablePointer<UInt64>
        let nodeSeen: UnsafeMutablePointer<UInt64>
        let foundSlots: UnsafeMutablePointer<EventSlot>
        let foundVia: UnsafeMutablePointer<NodeID>
        let foundParent: UnsafeMutablePointer<EventSlot>

        private init(events: Int, nodes: Int) {
            self.events = events
            self.nodes = nodes
            eventWords = (events + 63) / 64 + 1
            nodeWords = (nodes + 63) / 64 + 1
            eventSeen = .allocate(capacity: eventWords)
            nodeSeen = .allocate(capacity: nodeWords)
            foundSlots = .allocate(capacity: events + 1)
            foundVia = .allocate(capacity: events + 1)
            foundParent = .allocate(capacity: events + 1)
        }

        deinit {
            eventSeen.deallocate()
            nodeSeen.deallocate()
            foundSlots.deallocate()
            foundVia.deallocate()
            foundParent.deallocate()
        }

        /// `buffers` when they are large enough for the graph, else new ones with room to grow.
        static func reuse(_ buffers: SearchBuffers?, events: Int, nodes: Int) -> SearchBuffers {
            if let buffers, buffers.events >= events, buffers.nodes >= nodes { return buffers }
            return SearchBuffers(events: events + events / 4 + 1024, nodes: nodes + nodes / 4 + 1024)
        }

        func clearMarks() {
            eventSeen.update(repeating: 0, count: eventWords)
            nodeSeen.update(repeating: 0, count: nodeWords)
        }
    }

    /// Indices (within `range` of `slots`) of the `count` newest events, newest first,
    /// without sorting all of them.
    static func newest(_ range: Range<Int>, count: Int, slots: UnsafeMutablePointer<EventSlot>, times: [Int64]) -> [Int] {
        guard count > 0 else { return [] }
        func time(_ i: Int) -> Int64 { times[Int(slots[i])] }
        // `count` may be any limit a caller gives (Int.max: all of them); 4 × it saturates.
        if count >= range.count / 4 || range.count <= 4 * count {
            return Array(range.sorted { time($0) > time($1) }.prefix(count))
        }
        // A min-heap of the newest `count` seen so far (its root is the oldest of them).
        var heap: [(index: Int, time: Int64)] = []
        heap.reserveCapacity(count)
        for i in range {
            let t = time(i)
            if heap.count < count {
                heap.append((i, t))
                var k = heap.count - 1
                while k > 0 && heap[k].time < heap[(k - 1) / 2].time {
                    heap.swapAt(k, (k - 1) / 2)
                    k = (k - 1) / 2
                }
            } else if t > heap[0].time {
                heap[0] = (i, t)
                var k = 0
                while true {
                    let l = 2 * k + 1, r = l + 1
                    var m = k
                    if l < heap.count && heap[l].time < heap[m].time { m = l }
                    if r < heap.count && heap[r].time < heap[m].time { m = r }
                    if m == k { break }
                    heap.swapAt(k, m)
                    k = m
                }
            }
        }
        return heap.sorted { $0.time > $1.time }.map(\.index)
    }
}
