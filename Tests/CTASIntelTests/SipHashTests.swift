import Testing
@testable import CTASIntel

/// SipHash against references computed elsewhere: SipHash-2-4's published vectors (key
/// 00…0f, message 00 01 … of the given length) and SipHash-1-3 as CPython computes `hash()`
/// of bytes with PYTHONHASHSEED=0 (a zero key; `sys.hash_info.algorithm` is `siphash13`):
/// `PYTHONHASHSEED=0 python3 -c "print(hex(hash(b'abcdefgh') & (2**64 - 1)))"`.
@Suite struct SipHashTests {
    @Test func sipHash24MatchesThePublishedVectors() {
        let key: (UInt64, UInt64) = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908)
        let empty = [UInt8]().withUnsafeBytes { SipHash.hash($0, key: key, compressionRounds: 2, finalRounds: 4) }
        #expect(empty == 0x726f_db47_dd0e_0e31)
        let fifteen = [UInt8](0..<15).withUnsafeBytes { SipHash.hash($0, key: key, compressionRounds: 2, finalRounds: 4) }
        #expect(fifteen == 0xa129_ca61_49be_45e5)
    }

    @Test(arguments: [
        ("a", UInt64(0x4074_48d2_b89b_1813)), ("abcdefg", 0x6db1_2aae_9070_f506), ("abcdefgh", 0x3f7b_849c_0b8e_35ea),
    ])
    func sipHash13MatchesPython(text: String, expected: UInt64) {
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { SipHash.hash($0, key: (0, 0)) } == expected)
    }

    @Test func sixtyFourBytesMatchPython() {
        #expect([UInt8](0..<64).withUnsafeBytes { SipHash.hash($0, key: (0, 0)) } == 0x75e0_5fd5_bbc8_70c6)
    }

    /// The kind-and-value form hashes the byte and the value as one message: Python's hash
    /// of b'\x05evil.example.com', and the plain form of the joined bytes at every length
    /// from 0 to 40 (across the first word's boundary and the tail's) with a random key.
    @Test func prefixedFormHashesTheJoinedMessage() {
        let value = Array("evil.example.com".utf8)
        #expect(value.withUnsafeBytes { SipHash.hash(prefix: 5, $0, key: (0, 0)) } == 0x8190_b902_5c42_7718)
        var random = SystemRandomNumberGenerator()
        let key = (random.next() as UInt64, random.next() as UInt64)
        for length in 0...40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let prefix = UInt8.random(in: 0...255, using: &random)
            let joined = ([prefix] + bytes).withUnsafeBytes { SipHash.hash($0, key: key) }
            #expect(bytes.withUnsafeBytes { SipHash.hash(prefix: prefix, $0, key: key) } == joined, "length \(length)")
        }
    }
}
