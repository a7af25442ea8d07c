@testable import CTASStore
import Testing

/// The merged ids' Bloom filter: never a false "no", few false "maybe"s at its capacity, and
/// stored bits that are trusted only for the key generation they were written for.
@Suite struct KeyFilterTests {
    private func with<R>(_ key: String, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var key = key
        return key.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    @Test func neverMissesAnInsertedKeyAndRarelyClaimsOthers() {
        var filter = KeyFilter(capacity: 50_000)
        let stored = (0..<50_000).map { "C\(String($0 &* 2_654_435_761 % 1_000_000_007, radix: 36))-\($0)" }
        for key in stored { with(key) { filter.insert($0) } }
        #expect(stored.allSatisfy { key in with(key) { filter.mayContain($0) } })
        let others = (0..<50_000).map { "other-\($0)" }
        let claimed = others.filter { key in with(key) { filter.mayContain($0) } }.count
        // 10 bits and 7 probes a key: about 0.8% expected at capacity.
        #expect(claimed < 1_000, "\(claimed) false maybes of 50,000")
        #expect(with("") { filter.mayContain($0) } == false, "the empty key is a key like any other")
    }

    @Test func storedBytesRoundTripAndDamagedOnesAreRefused() {
        var filter = KeyFilter(capacity: 10_000)
        for n in 0..<10_000 { with("id-\(n)") { filter.insert($0) } }
        let bytes = filter.bytes
        let back = bytes.withUnsafeBytes { KeyFilter(capacity: 10_000, bytes: $0) }
        #expect(back?.words == filter.words)
        #expect(bytes.withUnsafeBytes { KeyFilter(capacity: 20_000, bytes: $0) } == nil, "sized for another capacity")
        #expect(bytes.dropLast(3).withUnsafeBytes { KeyFilter(capacity: 10_000, bytes: $0) } == nil, "cut short")
        #expect([UInt8]().withUnsafeBytes { KeyFilter(capacity: 10_000, bytes: $0) } == nil)
        #expect(bytes.withUnsafeBytes { KeyFilter(capacity: 0, bytes: $0) } == nil)
        #expect(bytes.withUnsafeBytes { KeyFilter(capacity: Int.max, bytes: $0) } == nil)
    }

    /// The warm tier stores the filter with its generation; a row from another generation,
    /// or none, is rebuilt from the merged ids, and a second writer's merge is noticed.
    @Test func theWarmTierTrustsOnlyAFilterOfTheCurrentGeneration() throws {
        let dir = scratchDirectory()
        let path = dir + "/warm.sqlite"
        let warm = try WarmTier(path: path)
        _ = try warm.commit((0..<200).map { makeEvent($0) }, deadLetterSize: nil)
        try warm.mergeKeys(keysPerSlice: 50)
        let generation = try warm.database.scalar("SELECT value FROM meta WHERE key = 'keys_generation'")
        #expect(try warm.database.scalar("SELECT generation FROM key_filter") == generation)
        #expect(warm.keyFilterGeneration == generation)

        for damage in ["UPDATE key_filter SET generation = generation - 1", "DELETE FROM key_filter",
                       "UPDATE key_filter SET bits = x'00'"] {
            try warm.database.execute(damage)
            let reopened = try WarmTier(path: path)
            #expect(reopened.keyFilter == nil, "read at the first commit, not at open")
            #expect(try reopened.commit([makeEvent(7), makeEvent(150)], deadLetterSize: nil).insertedCount == 0, "\(damage)")
            #expect(try reopened.database.scalar("SELECT generation FROM key_filter") == generation, "rebuilt and stored")
        }

        // Two writers on one file: the second's merge changes the generation the first holds.
        let first = try WarmTier(path: path)
        _ = try first.commit([makeEvent(300)], deadLetterSize: nil)
        let second = try WarmTier(path: path)
        _ = try second.commit([makeEvent(301)], deadLetterSize: nil)
        try second.mergeKeys()
        #expect(try first.commit([makeEvent(301), makeEvent(300), makeEvent(302)], deadLetterSize: nil).inserted == [false, false, true])
    }
}
