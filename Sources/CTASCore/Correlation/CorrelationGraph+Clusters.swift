extension CorrelationGraph {
    /// The strongest groups of recent events, best first: each grows from a value shared by
    /// two or more of the newest `query.recentEvents` live events (neither warninglisted nor
    /// over-correlating), largest values first; a value whose events are at least half in a
    /// group already, and a third or more of it, joins that group instead of starting one (an
    /// event can be in two groups, as it can belong to two campaigns). Groups are not the connected
    /// components of the graph: on real traffic those percolate into one giant component
    /// through chains of ordinary shared values, and the campaigns an analyst wants to see
    /// drown in it.
    ///
    /// Ranked by `EventCluster.score` (size, worst severity, recency). Work is linear in the
    /// window's edges plus the values' postings.
    public func clusters(_ query: ClusterQuery) -> [EventCluster] {
        let total = eventCount
        let slots: [Int]
        if let range = query.range {
            // The newest `recentEvents` of the events whose time lies in the range.
            var found: [Int] = []
            var slot = total - 1
            while slot >= 0, found.count < query.recentEvents {
                if range.contains(Timestamp(microseconds: eventTime[slot])), isLive(EventSlot(slot)) { found.append(slot) }
                slot -= 1
            }
            slots = found.reversed()
        } else {
            slots = (max(0, total - query.recentEvents)..<total).filter { isLive(EventSlot($0)) }
        }
        guard slots.count >= 2, query.limit > 0 else { return [] }
        // The window's events per linking value.
        var holders: [NodeID: [Int]] = [:]
        var linking: [NodeID: Bool] = [:]
        for slot in slots {
            for e in Int(edgeStart[slot])..<Int(edgeStart[slot + 1]) {
                let node = edges[e]
                let links = linking[node] ?? (warninglistSection(node) == nil && eventCount(of: node) <= query.overcorrelationThreshold)
                linking[node] = links
                if links { holders[node, default: []].append(slot) }
            }
        }
        let candidates = holders.filter { $0.value.count >= 2 }
            .sorted { ($0.value.count, $0.value.last ?? 0, $1.key) > ($1.value.count, $1.value.last ?? 0, $0.key) }
        var groups: [Set<Int>] = []
        var groupsOf: [Int: [Int]] = [:]
        for (_, events) in candidates {
            // The group already holding most of these events joins them when it holds half
            // or more of them and they make a third or more of it (a big group does not
            // swallow a small one it touches); an event may be in several groups.
            var overlap: [Int: Int] = [:]
            for e in events { for g in groupsOf[e] ?? [] { overlap[g, default: 0] += 1 } }
            let target: Int
            if let (g, shared) = overlap.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }),
               shared * 2 >= events.count, shared * 3 >= groups[g].count {
                target = g
            } else {
                target = groups.count
                groups.append([])
            }
            for e in events where groups[target].insert(e).inserted { groupsOf[e, default: []].append(target) }
        }
        let graphNewest = slots.reduce(Int64.min) { max($0, eventTime[$1]) }
        var out = groups.map { describeCluster($0.sorted().map { EventSlot($0) }, graphNewest: graphNewest) }
        out.sort { ($0.score, $0.last.microseconds, $0.newest.id) > ($1.score, $1.last.microseconds, $1.newest.id) }
        return Array(out.prefix(query.limit))
    }

    private func describeCluster(_ slots: [EventSlot], graphNewest: Int64) -> EventCluster {
        var first = Int64.max, last = Int64.min, newestSlot = slots[0]
        var severity: Severity?
        var typeCodes: [UInt16: Int] = [:]
        var valueCounts: [NodeID: Int] = [:]
        // Read from the columns: building each event (its id string) cost half of the
        // clusters the console asks for every two seconds.
        for slot in slots {
            let t = eventTime[Int(slot)]
            first = min(first, t)
            if t >= last { last = t; newestSlot = slot }
            if let s = self.severity(ofEvent: slot), severity.map({ s > $0 }) ?? true { severity = s }
            typeCodes[typeCode(ofEvent: slot), default: 0] += 1
            for e in Int(edgeStart[Int(slot)])..<Int(edgeStart[Int(slot) + 1]) { valueCounts[edges[e], default: 0] += 1 }
        }
        // One code per distinct type name: counted by code, ranked by name as before.
        let typeCounts = typeCodes.map { (typeName(ofCode: $0.key), $0.value) }
        let shared = valueCounts.filter { $0.value >= 2 && warninglistSection($0.key) == nil }
            .sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
        var timeline = [Int](repeating: 0, count: 12)
        let span = max(1, last - first + 1)
        for slot in slots {
            let i = Int((eventTime[Int(slot)] - first) * 12 / span)
            timeline[min(11, max(0, i))] += 1
        }
        let hoursBehind = Double(max(0, graphNewest - last)) / 3_600_000_000
        let sample = slots.sorted { (eventTime[Int($0)], $0) > (eventTime[Int($1)], $1) }.prefix(EventCluster.sampleLimit)
        var cluster = EventCluster(size: slots.count, first: Timestamp(microseconds: first), last: Timestamp(microseconds: last),
                            newest: event(newestSlot), maximumSeverity: severity,
                            indicators: shared.map { (indicator($0.key), $0.value) },
                            types: typeCounts.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map(\.0),
                            timeline: timeline,
                            score: Double(slots.count) * (0.5 + Double(severity?.value ?? 0) / 20) / (1 + hoursBehind))
        cluster.sampleIDs = sample.map { event($0).id }
        return cluster
    }
}
