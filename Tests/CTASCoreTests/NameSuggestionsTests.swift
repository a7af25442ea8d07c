import CTASTestSupport
import Testing
@testable import CTASCore

/// Stored names ranked by closeness to what was typed: the edit distance against its
/// definition, and the order a misspelling is answered in.
@Suite struct NameSuggestionsTests {
    /// The definition, recursively (memoized): the cheapest of deleting, inserting or
    /// substituting at the end.
    static func reference(_ a: [Character], _ b: [Character]) -> Int {
        var memo: [Int: Int] = [:]
        func d(_ i: Int, _ j: Int) -> Int {
            if i == 0 { return j }
            if j == 0 { return i }
            if let known = memo[i * 1_000 + j] { return known }
            let value = min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] == b[j - 1] ? 0 : 1))
            memo[i * 1_000 + j] = value
            return value
        }
        return d(a.count, b.count)
    }

    @Test func distanceMatchesItsDefinition() {
        var random = TestRandom(seed: 3)
        let alphabet: [Character] = ["a", "b", "c", "_", "é", "🙂"]
        for _ in 0..<400 {
            let a = (0..<Int(random.below(9))).map { _ in alphabet[Int(random.below(alphabet.count))] }
            let b = (0..<Int(random.below(9))).map { _ in alphabet[Int(random.below(alphabet.count))] }
            #expect(NameSuggestions.distance(a, b) == Self.reference(a, b), "\(String(a)) / \(String(b))")
            #expect(NameSuggestions.distance(a, b) == NameSuggestions.distance(b, a))
        }
        #expect(NameSuggestions.distance(Array("kitten"), Array("sitting")) == 3)
    }

    @Test func theClosestNamesComeFirst() {
        let types = ["alert", "attempted_information_leak", "attempted_dos", "dns", "misc_attack", "port_scan", "ssl_invalid_server_cert"]
        #expect(NameSuggestions.closest(to: ["attempted_information_lek"], among: types, count: 2) == ["attempted_information_leak", "attempted_dos"])
        #expect(NameSuggestions.closest(to: ["PORT_SCNA"], among: types, count: 1) == ["port_scan"], "case is ignored")
        #expect(NameSuggestions.closest(to: ["scan"], among: types, count: 1) == ["port_scan"], "a part of a name is closest")
        #expect(NameSuggestions.closest(to: ["nothing", "dsn"], among: types, count: 1) == ["dns"], "the closest to any asked")
        #expect(NameSuggestions.closest(to: ["x"], among: ["b", "a", "c"], count: 3) == ["a", "b", "c"], "ties in name order")
        #expect(NameSuggestions.closest(to: ["x"], among: [], count: 3).isEmpty && NameSuggestions.closest(to: ["x"], among: types, count: 0).isEmpty)
        #expect(NameSuggestions.closest(to: [], among: ["b", "a"], count: 5) == ["a", "b"])
        #expect(NameSuggestions.closest(to: [""], among: ["b", "a"], count: 5) == ["a", "b"])
    }

    /// A hostile argument (a megabyte of text) against a thousand long names: the compared
    /// characters are capped, so the answer comes (and names past the cap still rank).
    @Test func hugeInputIsCompared() {
        let huge = String(repeating: "ab", count: 500_000)
        let names = (0..<1_000).map { "name-\($0)-" + String(repeating: "z", count: 200) }
        let found = NameSuggestions.closest(to: [huge], among: names + ["abab"], count: 3)
        #expect(found.first == "abab" && found.count == 3)
    }
}
