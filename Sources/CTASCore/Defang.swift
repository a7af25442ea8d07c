/// Writes indicators in the "defanged" forms threat reports use so that nobody clicks or
/// resolves them by accident (`evil[.]com`, `hxxp://`, `1.2.3[.]4`). The IOC extractor
/// reads all of these back.
public enum Defang {
    /// Defangs `value` (a URL, domain, e-mail address or IP address) in one of several
    /// common styles (`style` is taken modulo the number of styles).
    public static func defang(_ value: String, style: Int) -> String {
        var text = value
        switch style % 4 {
        case 0:  // evil[.]com, hxxp://
            text = replaceScheme(text, http: "hxxp", https: "hxxps")
            text = replaceLastDot(text, with: "[.]")
        case 1:  // every dot bracketed, hXXp
            text = replaceScheme(text, http: "hXXp", https: "hXXps")
            text = text.replacing(".", with: "[.]")
        case 2:  // (.) and [://]
            if text.hasPrefix("http://") { text = "hxxp[://]" + text.dropFirst(7) }
            else if text.hasPrefix("https://") { text = "hxxps[://]" + text.dropFirst(8) }
            text = text.replacing(".", with: "(.)")
        default:  // [dot] and [@]
            text = replaceScheme(text, http: "hxxp", https: "hxxps")
            text = text.replacing(".", with: "[dot]").replacing("@", with: "[@]")
        }
        return text
    }

    private static func replaceScheme(_ text: String, http: String, https: String) -> String {
        if text.hasPrefix("http://") { return http + "://" + text.dropFirst(7) }
        if text.hasPrefix("https://") { return https + "://" + text.dropFirst(8) }
        return text
    }

    private static func replaceLastDot(_ text: String, with replacement: String) -> String {
        // In a URL only the host's dots are defanged.
        var host = Substring(text)
        var prefix = Substring("")
        var suffix = Substring("")
        if let scheme = text.range(of: "://") {
            prefix = text[..<scheme.upperBound]
            host = text[scheme.upperBound...]
        }
        if let slash = host.firstIndex(of: "/") {
            suffix = host[slash...]
            host = host[..<slash]
        }
        guard let dot = host.lastIndex(of: ".") else { return text }
        return String(prefix) + host[..<dot] + replacement + host[host.index(after: dot)...] + suffix
    }
}

extension String {
    /// `replacing(_:with:)` without Foundation (the stdlib's Regex-based one needs macOS 13).
    func replacing(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// The first occurrence of `target`, without Foundation.
    func range(of target: String) -> Range<String.Index>? { Substring(self).range(of: target) }
}

extension Substring {
    func range(of target: String) -> Range<String.Index>? {
        guard let first = target.first else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i] == first, self[i...].hasPrefix(target) {
                return i..<index(i, offsetBy: target.count)
            }
            i = index(after: i)
        }
        return nil
    }
}
