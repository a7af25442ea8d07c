#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A commit's ids and flows, copied out of its parts' row blocks so that each goes into its
/// recent key table in key order.
///
/// Telemetry ids and flows are random keys: inserted in arrival order, every one lands on a
/// leaf far from the last, and SQLite descends the tree through pages long out of the CPU's
/// caches. In key order, consecutive inserts walk the same pages (measured on 8,192-key
/// commits into tables of up to 100k keys: 5.3–5.6 µs an event for an id and a flow in
/// arrival order, 4.1–4.4 µs sorted, in the same run).
struct CommitKeys {
    /// Every key's bytes, back to back (one padding byte first: an empty key still has a
    /// pointer, which SQLite needs to store '' rather than NULL).
    private(set) var bytes: [UInt8] = [0]
    /// Per row of the commit (parts in order): its id's place in `bytes`.
    private(set) var ids: [Span] = []
    /// Per row: its flow's place (`length` −1: the event names no flow).
    private(set) var flows: [Span] = []

    struct Span {
        var start: Int32
        var length: Int32
        /// The key's first 16 bytes as two big-endian words (zero-padded): comparing them
        /// orders keys as their bytes do, except keys that agree on all 16 bytes, which a
        /// whole comparison then orders.
        var head: UInt64
        var next: UInt64
    }

    var count: Int { ids.count }

    /// Copies the id and flow text columns (`idColumn`, `flowColumn` of `WarmRowBlock`) of
    /// every row of `parts`.
    init(_ parts: [WarmTier.Part], idColumn: Int, flowColumn: Int) {
        let rows = parts.reduce(0) { $0 + $1.events.count }
        ids.reserveCapacity(rows)
        flows.reserveCapacity(rows)
        bytes.reserveCapacity(rows * 64)
        for part in parts {
            let block = part.rows
            let width = WarmRowBlock.textColumns * 2
            for row in 0..<part.events.count {
                ids.append(copy(block, span: row * width + idColumn * 2, nullAsEmpty: true))
                flows.append(copy(block, span: row * width + flowColumn * 2, nullAsEmpty: false))
            }
        }
    }

    /// An id is never NULL (an event always has one); were its column so, it is stored as ''.
    private mutating func copy(_ block: WarmRowBlock, span: Int, nullAsEmpty: Bool) -> Span {
        let length = nullAsEmpty ? max(0, block.spans[span + 1]) : block.spans[span + 1]
        guard length >= 0 else { return Span(start: 0, length: -1, head: 0, next: 0) }
        let from = Int(block.spans[span])
        let start = Int32(bytes.count)
        bytes.append(contentsOf: block.bytes[from..<(from + Int(length))])
        var words: (UInt64, UInt64) = (0, 0)
        let prefix = min(16, Int(length))
        for i in 0..<prefix {
            let byte = UInt64(block.bytes[from + i])
            if i < 8 { words.0 |= byte << UInt64(56 - 8 * i) } else { words.1 |= byte << UInt64(56 - 8 * (i - 8)) }
        }
        return Span(start: start, length: length, head: words.0, next: words.1)
    }

    /// The rows whose key in `keys` is present, ordered by the key's bytes (as SQLite's
    /// BINARY collation orders text) and, among equal keys, by row: the first of a commit's
    /// repeats is inserted first, as in arrival order.
    func order(_ keys: [Span], where include: (Int) -> Bool = { _ in true }) -> [Int] {
        var rows: [Int] = []
        rows.reserveCapacity(keys.count)
        for row in keys.indices where keys[row].length >= 0 && include(row) { rows.append(row) }
        bytes.withUnsafeBufferPointer { all in
            rows.sort { a, b in
                let x = keys[a], y = keys[b]
                if x.head != y.head { return x.head < y.head }
                if x.next != y.next { return x.next < y.next }
                let common = Int(min(x.length, y.length))
                if common > 16, let base = all.baseAddress {
                    let c = memcmp(base + Int(x.start) + 16, base + Int(y.start) + 16, common - 16)
                    if c != 0 { return c < 0 }
                }
                if x.length != y.length { return x.length < y.length }
                return a < b
            }
        }
        return rows
    }

    /// Calls `body` with a pointer to the key's bytes and its length.
    func withKey<R>(_ span: Span, _ body: (UnsafePointer<UInt8>, Int) throws(StoreError) -> R) throws(StoreError) -> R {
        let result: Result<R, StoreError> = bytes.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return .failure(.corrupt(path: "", detail: "empty key buffer")) }
            do throws(StoreError) { return .success(try body(base + Int(span.start), Int(span.length))) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
