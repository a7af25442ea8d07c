import CTASCore

/// One series' events per hour, kept sparse: only hours with events take memory (eight
/// bytes each: hours since the epoch fit 32 bits for every year 0000–9999).
struct HourlyCounts: Sendable {
    private(set) var hours: [Int32] = []
    private(set) var counts: [UInt32] = []

    /// Hours since the epoch, floored (an event at 09:59:59 is in hour 9).
    static func hour(of time: Timestamp) -> Int64 {
        let micros = time.microseconds
        let perHour: Int64 = 3_600_000_000
        return micros >= 0 ? micros / perHour : -((-micros + perHour - 1) / perHour)
    }

    static func start(ofHour hour: Int64) -> Timestamp {
        Timestamp(microseconds: hour.multipliedReportingOverflow(by: 3_600_000_000).partialValue)
    }

    var firstHour: Int64? { hours.first.map(Int64.init) }
    var total: Int { counts.reduce(0) { $0 + Int($1) } }

    /// Counts one event in `hour` (in order or not).
    mutating func add(hour wide: Int64) {
        let hour = Int32(clamping: wide)
        if let last = hours.last, last == hour {
            counts[counts.count - 1] &+= 1
            return
        }
        if hours.last.map({ $0 < hour }) ?? true {
            hours.append(hour)
            counts.append(1)
            return
        }
        // Out of order (a merged feed's stragglers): find its place.
        var low = 0
        var high = hours.count
        while low < high {
            let middle = (low + high) / 2
            if hours[middle] < hour { low = middle + 1 } else { high = middle }
        }
        if low < hours.count, hours[low] == hour {
            counts[low] &+= 1
        } else {
            hours.insert(hour, at: low)
            counts.insert(1, at: low)
        }
    }

    /// The dense series over `first..<end` (zeros where no event).
    func dense(from first: Int64, to end: Int64) -> [Double] {
        guard end > first else { return [] }
        var out = [Double](repeating: 0, count: Int(end - first))
        for (narrow, count) in zip(hours, counts) {
            let hour = Int64(narrow)
            if hour >= first && hour < end { out[Int(hour - first)] = Double(count) }
        }
        return out
    }
}
