/// Stored names ordered by how close they are to what an analyst typed, so a misspelt
/// `--type attempted_information_lek` is answered with `attempted_information_leak` first
/// rather than wherever the alphabet puts it among hundreds.
public enum NameSuggestions {
    /// Characters (scalars) of a name or of what was typed that are compared (longer ones
    /// are cut): the distance costs their product, and a hostile argument must not cost more.
    public static let comparedCharacters = 64

    /// The first `count` of `names`, closest first to any of `asked` (edit distance over
    /// lower-cased characters; a name that contains what was typed, or is contained in it,
    /// counts as closest), ties in name order.
    public static func closest(to asked: [String], among names: [String], count: Int) -> [String] {
        guard count > 0, !names.isEmpty else { return [] }
        let typed = asked.map(Self.characters)
        let ranked = names.map { name -> (distance: Int, name: String) in
            let candidate = Self.characters(name)
            let distance = typed.map { t in Self.contains(candidate, t) || Self.contains(t, candidate) ? 0 : Self.distance(t, candidate) }.min() ?? 0
            return (distance, name)
        }
        return ranked.sorted { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }.prefix(count).map(\.name)
    }

    /// Levenshtein distance: insertions, deletions and substitutions, each 1.
    public static func distance<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for (i, x) in a.enumerated() {
            current[0] = i + 1
            for (j, y) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The lower-cased scalars compared of `text` (cut before lower-casing: a hostile
    /// argument is not lower-cased whole).
    static func characters(_ text: String) -> [UInt32] {
        Array(String(text.unicodeScalars.prefix(comparedCharacters)).lowercased().unicodeScalars.prefix(comparedCharacters).map(\.value))
    }

    /// Whether `needle` (not empty) occurs in `haystack`.
    private static func contains(_ haystack: [UInt32], _ needle: [UInt32]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        return false
    }
}
