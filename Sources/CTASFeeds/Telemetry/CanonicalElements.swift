import CTASCore

/// A container field's elements in canonical form, kept back to back in one buffer, for the
/// content hash of a Zeek record: the hash takes them sorted byte-wise, so `{b,a}` and
/// `[a,b]` (and a container's TSV and JSON forms) hash alike. Reused across fields, so a
/// record's containers cost no allocation per element.
struct CanonicalElements {
    private var bytes: [UInt8] = []
    private var ranges: [Range<Int>] = []

    var isEmpty: Bool { ranges.isEmpty }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
    }

    mutating func append(_ element: UnsafeBufferPointer<UInt8>) {
        let start = bytes.count
        bytes.append(contentsOf: element)
        ranges.append(start..<bytes.count)
    }

    /// A number as its exact microseconds in decimal (`300.0` → `300000000`), written
    /// straight into the buffer (the same digits `String(micros)` gives).
    mutating func append(_ micros: Int64) {
        let start = bytes.count
        // 19 digits and a sign at most (Int64.min).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var first = 20
            var rest = micros.magnitude
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if micros < 0 {
                first -= 1
                digits[first] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first..<20]))
        }
        ranges.append(start..<bytes.count)
    }

    /// Combines the elements into `hash` in byte-wise order, each followed by a separator.
    func combineSorted(into hash: inout StableHash128) {
        bytes.withUnsafeBufferPointer { all in
            var order = ranges
            if order.count > 1 {
                order.sort { UnsafeBufferPointer(rebasing: all[$0]).lexicographicallyPrecedes(UnsafeBufferPointer(rebasing: all[$1])) }
            }
            for range in order {
                hash.combine(UnsafeBufferPointer(rebasing: all[range]))
                hash.separator()
            }
        }
    }
}
