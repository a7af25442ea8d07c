import CTASCore

/// Decoded values at pointer targets, by offset: writers point every record sharing a
/// country, continent or subdivision at one copy, so decoding it once serves them all.
/// Bounded (starts over when full); shared by the threads using one database.
final class PointerCache: Sendable {
    private let values = Locked<[Int: MMDBValue]>([:])
    static let limit = 8_192

    func value(at offset: Int) -> MMDBValue? { values.withLock { $0[offset] } }

    func store(_ value: MMDBValue, at offset: Int) {
        values.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll(keepingCapacity: true) }
            cache[offset] = value
        }
    }
}
