import CTASCore
@testable import CTASIntel
import Testing

/// A `url` observable's value must be a URI: URLs found without a scheme, or holding bytes a
/// URI cannot, are written as one (the stix2-validator refused `www.entrust.net/legal-terms`
/// from a Zeek x509 log).
@Suite struct STIXURLValueTests {
    @Test func urlsBecomeURIs() {
        let cases: [(String, String)] = [
            ("http://evil.example/a?b=1", "http://evil.example/a?b=1"),
            ("HTTPS://Evil.example/A", "HTTPS://Evil.example/A"),
            ("ftp://files.example/x", "ftp://files.example/x"),
            ("www.entrust.net/legal-terms", "http://www.entrust.net/legal-terms"),
            ("goldner.sons.net/emailAddress", "http://goldner.sons.net/emailAddress"),
            ("evil.example/a b", "http://evil.example/a%20b"),
            ("http://café.example/ü", "http://caf%C3%A9.example/%C3%BC"),
            ("http://x.example/%41%zz%", "http://x.example/%41%25zz%25"),
            ("http://x.example/a\"b<c>{d}|e\\f^g`h", "http://x.example/a%22b%3Cc%3E%7Bd%7D%7Ce%5Cf%5Eg%60h"),
            ("1http://x/", "http://1http://x/"),
            ("://x/", "http://://x/"),
        ]
        for (value, uri) in cases {
            #expect(IntelExporter.uriValue(value) == uri, "\(value)")
        }
    }

    /// The observable's id is derived from the value it carries, so the same URL written
    /// with or without its scheme is one observable.
    @Test func theIdFollowsTheWrittenValue() throws {
        let bare = try #require(IntelExporter.observable(Indicator(.url, "www.entrust.net/legal-terms")))
        let full = try #require(IntelExporter.observable(Indicator(.url, "http://www.entrust.net/legal-terms")))
        #expect(bare.id == full.id)
        #expect(bare.json.contains(#""value":"http://www.entrust.net/legal-terms""#), "\(bare.json)")
    }
}
