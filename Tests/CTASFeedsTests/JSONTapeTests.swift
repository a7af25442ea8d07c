import CTASCore
import Testing
@testable import CTASFeeds

/// The tape's key handling (duplicate refusal, member lookup, the one-pass key table) and the
/// Zeek schema's name table, each against a plain reference on random input; and ids pinned
/// across versions, since stored events keep them.
@Suite struct JSONTapeTests {
    /// Random keys from a small alphabet (so near-misses and equal hashes mod 64 are common),
    /// sometimes written with a `\u` escape.
    static func randomKey(_ random: inout SeededRandom) -> (written: String, decoded: String) {
        let letters = Array("abcxyz_.")
        let length = 1 + Int(random.next() % 6)
        let decoded = String((0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] })
        guard random.next() % 5 == 0, let first = decoded.unicodeScalars.first else { return (decoded, decoded) }
        let hex = String(first.value, radix: 16)
        return ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex + String(decoded.dropFirst()), decoded)
    }

    func parses(_ text: String) -> Result<Void, LineProblem> {
        var copy = text
        return copy.withUTF8 { bytes in
            do throws(LineProblem) {
                _ = try JSONTape(parsing: bytes)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    @Test func duplicateKeysAreRefusedExactlyWhenTheDecodedKeysRepeat() {
        var random = SeededRandom(seed: 17)
        var refused = 0
        for round in 0..<3_000 {
            let count = 1 + Int(random.next() % 40)
            let keys = (0..<count).map { _ in Self.randomKey(&random) }
            let members = keys.map { "\"\($0.written)\":\(round)" }.joined(separator: ",")
            // Nested one level down half the time: every object checks its own keys only.
            let text = round % 2 == 0 ? "{" + members + "}" : #"{"outer":{"# + members + #"},"other":1}"#
            let expectDuplicate = Set(keys.map(\.decoded)).count != keys.count
            switch parses(text) {
            case .success:
                #expect(!expectDuplicate, "accepted a repeated key: \(text)")
            case .failure(let problem):
                #expect(expectDuplicate && problem.code == "duplicate_key", "refused \(text): \(problem.code) \(problem.message)")
                refused += 1
            }
        }
        #expect(refused > 500, "the random objects repeat keys often enough to test both ways (\(refused))")
        // Large objects (past the walk limit the keys go through a hashed set): unique keys,
        // then one repeated — plainly or with an escape — at a random place.
        for round in 0..<200 {
            let count = KeySet.walkLimit + Int(random.next() % 300)
            var keys = (0..<count).map { "k\($0)" }
            let repeated = round % 2 == 1
            if repeated {
                let original = keys[Int(random.next() % UInt64(count))]
                let spelled = round % 4 == 1 ? "\\u006b" + original.dropFirst() : original
                keys.insert(spelled, at: Int(random.next() % UInt64(count + 1)))
            }
            let text = "{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
            switch parses(text) {
            case .success: #expect(!repeated, "accepted a repeated key among \(count)")
            case .failure(let problem): #expect(repeated && problem.code == "duplicate_key", "\(problem.code): \(problem.message)")
            }
        }
        // The same key in sibling objects is no duplicate.
        if case .failure(let problem) = parses(#"{"a":{"k":1},"b":{"k":2},"k":3}"#) { Issue.record("refused: \(problem.message)") }
    }

    /// A tape parsed into a lent buffer reads as a tape of its own does, record after
    /// record; a refused record, or one too large to keep the buffer of, leaves the next
    /// record's tape correct.
    @Test func aLentNodeBufferReadsAsAFreshTape() {
        func nodes(_ tape: JSONTape) -> [String] {
            tape.nodes.map { "\($0.kind) \($0.escaped) \($0.start) \($0.end) \($0.next) \($0.count) \($0.keyHash)" }
        }
        let huge = "[" + (0...JSONTape.keptNodes).map(String.init).joined(separator: ",") + "]"
        let records = [#"{"a":1,"b":{"c":[true,null,"x"]},"d":"\u0041"}"#, #"{"a":1,"a":2}"#, "[1,2", huge,
                       #"{"z":-0.5e3,"y":[[],{}]}"#, #"{"only":"one"}"#, #"{"a":1,"b":{"c":[true,null,"x"]},"d":"\u0041"}"#]
        var storage: [JSONTape.Node] = []
        var kept: [Int] = []
        for record in records {
            var text = record
            text.withUTF8 { bytes in
                let fresh = try? JSONTape(parsing: bytes)
                do throws(LineProblem) {
                    let lent = try JSONTape(parsing: bytes, storage: &storage)
                    #expect(fresh.map(nodes) == nodes(lent), "\(record.prefix(40))")
                    #expect(lent.member(JSONTape.root, "a") == fresh?.member(JSONTape.root, "a"))
                    lent.recycle(into: &storage)
                } catch {
                    #expect(fresh == nil, "only the lent tape refused \(record.prefix(40)): \(error.message)")
                    storage = []   // the buffer went with the refused tape
                }
            }
            kept.append(storage.capacity)
        }
        #expect(kept[0] >= 64 && kept[4] >= 64 && kept[6] >= 64, "a record's buffer comes back: \(kept)")
        #expect(kept[3] == 0, "a huge record's buffer is let go: \(kept)")
    }

    @Test func nativeLinesWithManyKeysKeepTheirDuplicateCheck() throws {
        let keys = (0..<500).map { "\"x\($0)\":1" }.joined(separator: ",")
        let head = #"{"id":"a","ts":"2026-11-20T10:15:30Z","type":"t","#
        let lines = [head + keys + "}", head + keys + #","x7":2}"#, head + keys + #","\u0078499":2}"#]
        let out = try decodeAll(lines.joined(separator: "\n") + "\n", format: .ndjson)
        #expect(out.events.count == 1)
        #expect(out.rejects.map(\.reasonKey) == ["duplicate_key:x7", "duplicate_key:x499"], "\(out.rejects.map(\.message))")
    }

    /// The key hash reads a long key's first, middle and last eight bytes only, so keys
    /// that differ elsewhere collide: finding a member and refusing a duplicate must still
    /// compare the bytes. Short keys (up to 24 bytes) are read whole.
    @Test func keysWhoseHashesCollideAreStillToldApart() throws {
        let head = "abcdefgh", middle = "ijklmnopqrstuvwxyzABCDEF"
        let keys = ["0", "1", "2", "3"].map { head + $0 + middle }   // 33 bytes; byte 8 is not read
        let hashes = keys.map { key -> UInt32 in
            var key = key
            return key.withUTF8 { JSONTape.keyHash($0) }
        }
        #expect(Set(hashes).count == 1, "the keys must collide for this test to mean anything")
        var text = "{" + keys.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + "}"
        try text.withUTF8 { bytes in
            let tape = try JSONTape(parsing: bytes)
            for (i, key) in keys.enumerated() {
                let value = try #require(tape.member(JSONTape.root, key))
                #expect(tape.raw(value) == String(i))
            }
            #expect(tape.member(JSONTape.root, head + "4" + middle) == nil)
        }
        var twice = "{" + keys.map { "\"\($0)\":1" }.joined(separator: ",") + ",\"\(keys[2])\":2}"
        twice.withUTF8 { bytes in
            do throws(LineProblem) {
                _ = try JSONTape(parsing: bytes)
                Issue.record("accepted a repeated key")
            } catch {
                #expect(error.code == "duplicate_key")
            }
        }
        // Every short key's bytes are read: one changed byte anywhere changes the hash.
        var random = SeededRandom(seed: 5)
        for length in 1...24 {
            for _ in 0..<50 {
                let key = (0..<length).map { _ in UInt8(97 + random.next() % 26) }
                var other = key
                let at = Int(random.next() % UInt64(length))
                other[at] = other[at] == 97 ? 98 : other[at] - 1
                let h1 = key.withUnsafeBufferPointer { JSONTape.keyHash($0) }
                let h2 = other.withUnsafeBufferPointer { JSONTape.keyHash($0) }
                #expect(h1 != h2, "\(String(decoding: key, as: UTF8.self)) and \(String(decoding: other, as: UTF8.self))")
            }
        }
    }

    @Test func theKeyTableFindsWhatMemberFinds() {
        var random = SeededRandom(seed: 29)
        let wanted: [StaticString] = ["a", "b", "ab", "x.y", "_", "zz", "abc", "cab", "x"]
        let table = JSONKeyTable(wanted)
        for round in 0..<2_000 {
            var seen = Set<String>()
            var members: [String] = []
            for _ in 0..<Int(random.next() % 20) {
                let key = Self.randomKey(&random)
                guard seen.insert(key.decoded).inserted else { continue }
                members.append("\"\(key.written)\":\(round)")
            }
            var text = "{" + members.joined(separator: ",") + "}"
            text.withUTF8 { bytes in
                guard let tape = try? JSONTape(parsing: bytes) else {
                    Issue.record("did not parse: \(String(decoding: bytes, as: UTF8.self))")
                    return
                }
                let found = table.find(in: JSONTape.root, of: tape)
                for (k, key) in wanted.enumerated() {
                    #expect(found[k] == tape.member(JSONTape.root, key.description), "\(key) in \(String(decoding: bytes, as: UTF8.self))")
                }
            }
        }
        var notAnObject = "[1,2]"
        notAnObject.withUTF8 { bytes in
            guard let tape = try? JSONTape(parsing: bytes) else { return }
            #expect(wanted.indices.allSatisfy { table.find(in: JSONTape.root, of: tape)[$0] == nil })
        }
    }

    /// The scalar-by-scalar definition `TelemetryMapping.snake` is written to match.
    static func referenceSnake(_ text: String, limit: Int = 80) -> String {
        var out = ""
        var pendingUnderscore = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let alnum = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
            if alnum {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.unicodeScalars.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 0x20) ?? scalar : scalar)
                if out.utf8.count >= limit { break }
            } else {
                pendingUnderscore = true
            }
        }
        return out.isEmpty ? "unnamed" : out
    }

    @Test func snakeCaseMatchesItsDefinition() {
        let fixed = ["dns", "tls_store", "Attempted Information Leak", "SSL::Invalid_Server_Cert", "_a", "a_", "a__b", "", "__",
                     "Ünïcödé Name", "x😀y", String(repeating: "a", count: 80), String(repeating: "a", count: 81),
                     String(repeating: "ab_", count: 40), "A", "a1_b2"]
        for text in fixed {
            #expect(TelemetryMapping.snake(text) == Self.referenceSnake(text), "\(text)")
            #expect(TelemetryMapping.snake(text, limit: 5) == Self.referenceSnake(text, limit: 5), "\(text)")
        }
        var random = SeededRandom(seed: 41)
        let alphabet = Array("aZ9_ -:é😀.")
        for _ in 0..<5_000 {
            let text = String((0..<Int(random.next() % 30)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            let limit = 1 + Int(random.next() % 20)
            #expect(TelemetryMapping.snake(text, limit: limit) == Self.referenceSnake(text, limit: limit), "\(text) limit \(limit)")
        }
    }

    @Test func theZeekSchemaFindsEveryColumnByName() {
        let names = (0..<70).map { "field_\($0)" } + ["ts", "uid", "id.orig_h", "_path"]
        let schema = ZeekSchema(path: "wide", names: names, types: names.map { _ in .string })
        for (i, name) in names.enumerated() {
            #expect(Array(schema.nameBytes[schema.nameRanges[i]]) == Array(name.utf8))
        }
        #expect(schema.column("ts") == 70 && schema.column("uid") == 71 && schema.column("id.orig_h") == 72)
        #expect(schema.pathColumn == 73 && schema.ts == 70)
        #expect(schema.column("field_0") == 0 && schema.column("field_69") == 69)
        #expect(schema.column("field_70") == nil && schema.column("") == nil && schema.column("t") == nil)
        let empty = ZeekSchema(path: "none", names: [], types: [])
        #expect(empty.column("ts") == nil)
    }

    /// Ids derive from content and stores keep them: a change in how a record is hashed would
    /// make a re-ingest of the same file store it twice. These are the ids the build before
    /// the parsers' speed work gave (checked by ingesting the same records with it).
    @Test func telemetryIdsStayTheSameAcrossVersions() throws {
        let eve = try decodeAll(eveAlert + "\n", name: "eve.json").events
        let zeek = try decodeAll(zeekConn, name: "conn.log").events
        #expect(eve.map(\.id) == ["eve-7ff8803cd4fb15006ddaf47fbdc7be34"])
        #expect(zeek.map(\.id) == ["zeek-9b8ea314e19cfd6d774cfb0831d45873", "zeek-98407b9c887be4f1e7778a99045d6cc0"])
        let noFlow = try decodeAll(#"{"timestamp":"2026-11-20T10:00:00Z","event_type":"stats","stats":{"uptime":5}}"# + "\n", name: "eve.json").events
        #expect(noFlow.map(\.id) == ["eve-12283def254278a1188661aca0a30f99"])
    }
}

@Suite struct StableHashTests {
    @Test func aPrefixedHexIsThePrefixAndTheHex() {
        var random = SeededRandom(seed: 3)
        for _ in 0..<200 {
            var hash = StableHash128()
            hash.combine(String(random.next()))
            #expect(hash.hex(prefixedBy: "zeek-") == "zeek-" + hash.hex)
            #expect(hash.hex(prefixedBy: "e") == "e" + hash.hex)
            #expect(hash.hex(prefixedBy: "") == hash.hex && hash.hex.utf8.count == 32)
        }
    }

    /// A precomputed step hashes as its bytes and a separator do, from any state: empty and
    /// long sequences, every byte value, and states reached by random prefixes.
    @Test func aStepHashesAsItsBytesAndASeparator() {
        var random = SeededRandom(seed: 11)
        for round in 0..<300 {
            let length = round < 3 ? round : Int(random.next() % 48)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let step = bytes.withUnsafeBufferPointer { StableHashStep(bytes: $0) }
            var flat = [UInt64](repeating: 0, count: StableHashStep.flatCount)
            flat.withUnsafeMutableBufferPointer { step.write(into: $0.baseAddress!) }
            for _ in 0..<8 {
                var viaBytes = StableHash128()
                let prefix = (0..<Int(random.next() % 12)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                prefix.withUnsafeBufferPointer { viaBytes.combine($0) }
                var viaStep = viaBytes
                bytes.withUnsafeBufferPointer { viaBytes.combine($0) }
                viaBytes.separator()
                flat.withUnsafeBufferPointer { viaStep.combine(flatStep: $0.baseAddress!) }
                #expect(viaStep.hex == viaBytes.hex, "\(bytes) after \(prefix)")
                // And what follows hashes alike too.
                viaStep.combine("tail")
                viaBytes.combine("tail")
                #expect(viaStep.hex == viaBytes.hex)
            }
        }
    }
}
