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
        let generation = beginVisit()
        var frontier: [EventSlot] = []
        var focusEvent: GraphEvent?
        var focusIndicators: [GraphIndicator] = []
        var found: [(slot: EventSlot, distance: Int, via: NodeID)] = []
        var skippedOver = 0
        var skippedWarn = 0
        var work = 0
        var truncated = false

        switch query.focus {
        case .event(let id):
            guard let slot = slot(ofEvent: id) else { return nil }
            focusEvent = event(slot)
            _ = visit(event: slot, generation)
            frontier = [slot]
            focusIndicators = edgeRange(slot).map { describe(edge($0), threshold: query.overcorrelationThreshold) }
        case .indicator(let indicator):
            guard let node = node(of: indicator) else { return nil }
            _ = visit(node: node, generation)
            focusIndicators = [describe(node, threshold: query.overcorrelationThreshold)]
            eventsOf(node) { slot in
                work += 1
                if isLive(slot) && visit(event: slot, generation) {
                    found.append((slot, 1, node))
                    frontier.append(slot)
                }
                return work < Self.workBudget
            }
            if work >= Self.workBudget { truncated = true }
        }

        let firstStep = focusEvent == nil ? 2 : 1
        if firstStep <= query.hops && !truncated {
            search: for distance in firstStep...query.hops {
                var next: [EventSlot] = []
                for slot in frontier {
                    for e in edgeRange(slot) {
                        let node = edge(e)
                        guard visit(node: node, generation) else { continue }
                        if warninglistSection(node) != nil {
                            skippedWarn += 1
                            continue
                        }
                        if !query.includeOvercorrelated && eventCount(of: node) > query.overcorrelationThreshold {
                            skippedOver += 1
                            continue
                        }
                        eventsOf(node) { neighbor in
                            work += 1
                            if isLive(neighbor) && visit(event: neighbor, generation) {
                                found.append((neighbor, distance, node))
                                next.append(neighbor)
                            }
                            return work < Self.workBudget
                        }
                        if work >= Self.workBudget {
                            truncated = true
                            break search
                        }
                    }
                }
                frontier = next
                if frontier.isEmpty { break }
            }
        }

        var byKind: [IndicatorKind: Int] = [:]
        var kindOfNode: [NodeID: IndicatorKind] = [:]
        for f in found {
            let kind = kindOfNode[f.via] ?? indicator(f.via).kind
            kindOfNode[f.via] = kind
            byKind[kind, default: 0] += 1
        }
        // Nearest first (found is in breadth-first order already), newest first within a
        // distance; only the first `limit` are described.
        var chosen: [(slot: EventSlot, distance: Int, via: NodeID)] = []
        var start = 0
        while start < found.count && chosen.count < query.limit {
            var end = start
            while end < found.count && found[end].distance == found[start].distance { end += 1 }
            let room = query.limit - chosen.count
            chosen += newest(found[start..<end], count: room)
            start = end
        }
        var viaCache: [NodeID: Indicator] = [:]
        let neighbors = chosen.map { f -> GraphNeighbor in
            let via = viaCache[f.via] ?? indicator(f.via)
            viaCache[f.via] = via
            return GraphNeighbor(event: event(f.slot), distance: f.distance, via: via)
        }
        return Neighborhood(query: query, event: focusEvent, indicators: focusIndicators.sorted { $0.indicator < $1.indicator },
                            neighbors: neighbors, total: found.count, totalByKind: byKind, skippedOvercorrelated: skippedOver,
                            skippedWarninglisted: skippedWarn, truncated: truncated)
    }

    /// The `count` newest of `items`, newest first, without sorting all of them.
    private func newest(_ items: ArraySlice<(slot: EventSlot, distance: Int, via: NodeID)>,
                        count: Int) -> [(slot: EventSlot, distance: Int, via: NodeID)] {
        if items.count <= count || items.count <= 4 * count {
            return Array(items.sorted { time($0.slot) > time($1.slot) }.prefix(count))
        }
        // A min-heap of the newest `count` seen so far (its root is the oldest of them).
        var heap: [(slot: EventSlot, distance: Int, via: NodeID)] = []
        heap.reserveCapacity(count)
        func older(_ a: Int, _ b: Int) -> Bool { time(heap[a].slot) < time(heap[b].slot) }
        func siftDown(_ i: Int) {
            var i = i
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && older(l, m) { m = l }
                if r < heap.count && older(r, m) { m = r }
                if m == i { return }
                heap.swapAt(i, m)
                i = m
            }
        }
        for item in items {
            if heap.count < count {
                heap.append(item)
                var i = heap.count - 1
                while i > 0 && older(i, (i - 1) / 2) {
                    heap.swapAt(i, (i - 1) / 2)
                    i = (i - 1) / 2
                }
            } else if count > 0 && time(item.slot) > time(heap[0].slot) {
                heap[0] = item
                siftDown(0)
            }
        }
        return heap.sorted { time($0.slot) > time($1.slot) }
    }
}
