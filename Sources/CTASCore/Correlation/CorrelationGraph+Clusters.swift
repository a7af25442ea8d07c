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
    public func clusters(_ query: ClusterQuery) -> [EventCluster] { clusters(query, describingAll: false) }

    /// `describingAll`: describe every group before ranking (the plain way, kept for tests to
    /// check the ranking shortcut against); otherwise groups are ranked from their size,
    /// worst severity and newest time, and only the best `limit` are described.
    func clusters(_ query: ClusterQuery, describingAll: Bool) -> [EventCluster] {
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
        guard slots.count >= 2, query.limit > 0, slots.count < Int(UInt32.max) else { return [] }
        // The window's (linking value, event) pairs, sorted: each value's events in a run,
        // oldest first. Whether a value links is decided once per value.
        var linking = [UInt8](repeating: 0, count: nodeCount)   // 0 not asked, 1 links, 2 does not
        var pairs: [UInt64] = []
        pairs.reserveCapacity(slots.count * 2)
        for (position, slot) in slots.enumerated() {
            for e in Int(edgeStart[slot])..<Int(edgeStart[slot + 1]) {
                let node = edges[e]
                if linking[Int(node)] == 0 {
                    linking[Int(node)] = !isWarninglisted(node) && eventCount(of: node) <= query.overcorrelationThreshold ? 1 : 2
                }
                if linking[Int(node)] == 1 { pairs.append(UInt64(node) << 32 | UInt64(position)) }
            }
        }
        pairs.sort()
        // Values held by two or more of the window's events: largest first, then the one
        // whose newest event is newest, then the older value (the lower node id).
        var runs: [(node: NodeID, start: Int, end: Int)] = []
        var i = 0
        while i < pairs.count {
            var j = i + 1
            while j < pairs.count, pairs[j] >> 32 == pairs[i] >> 32 { j += 1 }
            if j - i >= 2 { runs.append((NodeID(pairs[i] >> 32), i, j)) }
            i = j
        }
        runs.sort { a, b in
            let (ca, cb) = (a.end - a.start, b.end - b.start)
            if ca != cb { return ca > cb }
            let (la, lb) = (pairs[a.end - 1] & 0xFFFF_FFFF, pairs[b.end - 1] & 0xFFFF_FFFF)
            if la != lb { return la > lb }
            return a.node < b.node
        }
        var groups: [Set<Int32>] = []
        var groupsOf = [[Int32]](repeating: [], count: slots.count)
        var overlap: [Int32: Int] = [:]
        for run in runs {
            // The group already holding most of these events joins them when it holds half
            // or more of them and they make a third or more of it (a big group does not
            // swallow a small one it touches); an event may be in several groups.
            overlap.removeAll(keepingCapacity: true)
            for k in run.start..<run.end {
                for g in groupsOf[Int(pairs[k] & 0xFFFF_FFFF)] { overlap[g, default: 0] += 1 }
            }
            let count = run.end - run.start
            let target: Int
            if let (g, shared) = overlap.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }),
               shared * 2 >= count, shared * 3 >= groups[Int(g)].count {
                target = Int(g)
            } else {
                target = groups.count
                groups.append([])
            }
            for k in run.start..<run.end {
                let position = Int32(pairs[k] & 0xFFFF_FFFF)
                if groups[target].insert(position).inserted { groupsOf[Int(position)].append(Int32(target)) }
            }
        }
        let graphNewest = slots.reduce(Int64.min) { max($0, eventTime[$1]) }
        func members(_ group: Set<Int32>) -> [EventSlot] { group.map { EventSlot(slots[Int($0)]) }.sorted() }
        func better(_ a: EventCluster, _ b: EventCluster) -> Bool {
            (a.score, a.last.microseconds, a.newest.id) > (b.score, b.last.microseconds, b.newest.id)
        }
        if describingAll {
            var out = groups.map { describeCluster(members($0), graphNewest: graphNewest) }
            out.sort(by: better)
            return Array(out.prefix(query.limit))
        }
        // Rank first (what the score needs: size, worst severity, newest time and event),
        // describe the best only.
        var ranked: [(group: Int, score: Double, last: Int64, newest: EventSlot)] = []
        ranked.reserveCapacity(groups.count)
        for (g, group) in groups.enumerated() {
            var last = Int64.min, newest = EventSlot(0), worst = 0
            for position in group {
                let slot = EventSlot(slots[Int(position)])
                let t = eventTime[Int(slot)]
                if t > last || (t == last && slot > newest) { last = t; newest = slot }
                worst = max(worst, Int(eventSeverity[Int(slot)]))
            }
            ranked.append((g, EventCluster.score(size: group.count, worstSeverity: worst, last: last, graphNewest: graphNewest), last, newest))
        }
        ranked.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.last != b.last { return a.last > b.last }
            return event(a.newest).id > event(b.newest).id
        }
        return ranked.prefix(query.limit).map { describeCluster(members(groups[$0.group]), graphNewest: graphNewest) }
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
        let shared = valueCounts.filter { $0.value >= 2 && !isWarninglisted($0.key) }
            .sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
        var timeline = [Int](repeating: 0, count: 12)
        let span = max(1, last - first + 1)
        for slot in slots {
            let i = Int((eventTime[Int(slot)] - first) * 12 / span)
            timeline[min(11, max(0, i))] += 1
        }
        let sample = slots.sorted { (eventTime[Int($0)], $0) > (eventTime[Int($1)], $1) }.prefix(EventCluster.sampleLimit)
        var cluster = EventCluster(size: slots.count, first: Timestamp(microseconds: first), last: Timestamp(microseconds: last),
                            newest: event(newestSlot), maximumSeverity: severity,
                            indicators: shared.map { (indicator($0.key), $0.value) },
                            types: typeCounts.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(3).map(\.0),
                            timeline: timeline,
                            score: EventCluster.score(size: slots.count, worstSeverity: Int(severity?.value ?? 0), last: last, graphNewest: graphNewest))
        cluster.sampleIDs = sample.map { event($0).id }
        return cluster
    }
}
