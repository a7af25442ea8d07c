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

    @Test func theStoredFormRoundTripsAndPiecesThatDoNotFitAreRefused() {
        var filter = KeyFilter(capacity: 10_000)
        for n in 0..<10_000 { with("id-\(n)") { filter.insert($0) } }
        #expect(filter.storedByteCount == 100_000 / 64 * 8 + 8)
        var back = KeyFilter(capacity: 10_000)
        let half = filter.storedByteCount / 2
        // In two pieces, as the blob reader hands them over.
        #expect(filter.withStoredBytes { back.restore(UnsafeRawBufferPointer(rebasing: $0[half...]), at: half) })
        #expect(filter.withStoredBytes { back.restore(UnsafeRawBufferPointer(rebasing: $0[..<half]), at: 0) })
        #expect(back.words == filter.words)
        var small = KeyFilter(capacity: 10)
        let before = small.words
        #expect(filter.withStoredBytes { small.restore($0, at: 0) } == false, "too long for it")
        #expect([UInt8](repeating: 1, count: 8).withUnsafeBytes { small.restore($0, at: small.storedByteCount - 4) } == false)
        #expect([UInt8](repeating: 1, count: 8).withUnsafeBytes { small.restore($0, at: -8) } == false)
        #expect(small.words == before, "a refused piece changes nothing")
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
                       "UPDATE key_filter SET bits = x'00'", "UPDATE key_filter SET capacity = 1 << 40",
                       "UPDATE meta SET value = 9223372036854775807 WHERE key = 'merged_keys'",
                       "UPDATE meta SET value = -5 WHERE key = 'merged_keys'"] {
            try warm.database.execute(damage)
            let reopened = try WarmTier(path: path)
            #expect(reopened.keyFilter == nil, "read at the first commit, not at open")
            #expect(try reopened.commit([makeEvent(7), makeEvent(150)], deadLetterSize: nil).insertedCount == 0, "\(damage)")
            #expect(try reopened.database.scalar("SELECT generation FROM key_filter") == generation, "rebuilt and stored")
            #expect(reopened.mergedKeys == 200, "\(damage)")
            #expect(try reopened.database.scalar("SELECT value FROM meta WHERE key = 'merged_keys'") == 200, "\(damage)")
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
