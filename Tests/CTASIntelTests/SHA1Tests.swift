import Testing
@testable import CTASIntel

/// SHA-1 against the digests FIPS 180 publishes, and the STIX observable ids it makes
/// against ids stix2 (PyPI) derives for the same values (the end-to-end export test checks
/// every observable of a bundle that way too).
@Suite struct SHA1Tests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (String(repeating: "a", count: 1_000_000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
    ])
    func digestsMatchThePublishedVectors(message: String, expected: String) {
        var sha = SHA1()
        // Fed in uneven pieces: block boundaries fall inside updates.
        var rest = Array(message.utf8)[...]
        var piece = 1
        while !rest.isEmpty {
            sha.update(Array(rest.prefix(piece)))
            rest = rest.dropFirst(piece)
            piece = piece * 3 + 1
        }
        #expect(SHA1.hex(sha.digest()) == expected)
    }

    @Test func observableIdsAreSTIXsOwn() {
        // stix2.IPv4Address(value="198.51.100.44").id and stix2.DomainName(value="evil-export.net").id
        #expect("ipv4-addr--" + STIXIdentifier.uuid5(#"{"value":"198.51.100.44"}"#) == "ipv4-addr--17a0943f-5a66-5889-bd67-7d55fd52639a")
        #expect("domain-name--" + STIXIdentifier.uuid5(#"{"value":"evil-export.net"}"#) == "domain-name--c51ee619-b658-591e-b1b2-8be01d3e8d26")
    }

    @Test func canonicalStringsEscapeAsRFC8785Says() {
        #expect(STIXIdentifier.canonical("a\"b\\c") == #""a\"b\\c""#)
        #expect(STIXIdentifier.canonical("\u{08}\t\n\u{0C}\r\u{01}\u{1F}\u{7F}é") == "\"\\b\\t\\n\\f\\r\\u0001\\u001f\u{7F}é\"")
    }
}
