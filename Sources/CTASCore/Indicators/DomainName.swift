/// Domain-name rules for the indicator extractor: syntax, the top-level-domain check, and
/// the heuristics that keep file names and code identifiers out.
enum DomainName {
    /// FNV-1a hashes of the lower-case top-level domains: lookups straight from bytes,
    /// without building a `String` per candidate.
    private static let tldHashes = hashes(TopLevelDomains.names)

    /// Top-level domains that are also common file extensions (`setup.py`, `invoice.zip`,
    /// `run.sh`, `notes.md`): a name in running text ending in one is taken for a file name
    /// when it has two labels or otherwise reads like one (see `looksLikeFileName`).
    private static let fileExtensionTLDs = hashes([
        "zip", "mov", "py", "sh", "rs", "pl", "pm", "so", "ps", "md", "app", "one", "pub", "cab", "run",
        "mk", "am", "ac", "in", "cat", "ink", "ml", "ai", "cc", "bz", "do", "cr", "tf", "sc", "docs",
        "data", "new", "pro", "mo", "gd", "gs", "ws", "mobi", "st", "tk", "ls", "ms",
    ])

    /// File extensions that are no TLD: seen before a TLD-like last label they mark a file
    /// name (`offer.pdf.zip`, `Textures.exe.zip`).
    private static let fileExtensions = hashes([
        "exe", "dll", "scr", "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "rtf", "txt",
        "js", "vbs", "jse", "hta", "bat", "cmd", "ps1", "lnk", "iso", "img", "jar", "apk", "msi", "tar", "gz",
        "jpg", "jpeg", "png", "gif", "htm", "html", "php", "bin", "dat", "tmp", "log", "cfg", "ini", "rar", "7z",
    ])

    /// Receivers of property chains in scripts (`document.location.host`, `window.top.app`).
    private static let codeReceivers = hashes(["document", "window", "this", "self", "navigator", "console", "process", "math", "json"])

    private static func hashes(_ names: [String]) -> HashSet64 {
        HashSet64(names.map { name in
            var text = name
            return text.withUTF8 { hashLowercased($0, $0.indices) }
        })
    }

    /// First labels that mark a reverse-DNS identifier (`com.example.app`, an Android package
    /// or Java class name) rather than a host.
    private static let reverseDNSHashes = hashes(["com", "org", "net", "edu", "gov", "mil"])

    @inline(__always)
    static func hashLowercased(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in range {
            var c = b[i]
            if c >= 0x41 && c <= 0x5A { c |= 0x20 }
            h = (h ^ UInt64(c)) &* 0x0000_0100_0000_01B3
        }
        return h
    }

    /// Whether `range` of `b` is a syntactically valid host name with a real top-level domain:
    /// two or more labels of letters, digits, `-` and `_` (1–63 bytes, no `-` at either end),
    /// at most 253 bytes, ending in a TLD from the root zone.
    static func isValid(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count >= 4, range.count <= 253 else { return false }
        // The TLD first: it rejects most dotted words (file.exe, Agent.RUI) at once.
        var lastDot = range.upperBound - 1
        while lastDot > range.lowerBound && b[lastDot] != 0x2E { lastDot -= 1 }
        guard lastDot > range.lowerBound, isTopLevelDomain(b, (lastDot + 1)..<range.upperBound) else { return false }
        var labelStart = range.lowerBound
        var labels = 0
        var i = range.lowerBound
        while i <= range.upperBound {
            if i == range.upperBound || b[i] == 0x2E {
                let length = i - labelStart
                guard length >= 1, length <= 63 else { return false }
                guard b[labelStart] != 0x2D, b[i - 1] != 0x2D else { return false }
                labels += 1
                if i == range.upperBound { break }
                labelStart = i + 1
            } else {
                let c = b[i]
                let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
                guard ok else { return false }
            }
            i += 1
        }
        return labels >= 2
    }

    static func isTopLevelDomain(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        tldHashes.contains(hashLowercased(b, range))
    }

    /// Whether a valid name written in running text (not defanged, not in a URL or e-mail
    /// address) reads as something other than a host: a file name with an extension that is
    /// also a TLD, a dotted code identifier (`System.IO`, `Korplug.MK`), a reverse-DNS
    /// package name, or an all-capitals acronym (`ASP.NET`).
    static func looksLikeNonHost(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var labels: [Range<Int>] = []
        var start = range.lowerBound
        var uppercaseAfterFirst = false
        for i in range {
            let c = b[i]
            if c == 0x2E {
                labels.append(start..<i)
                start = i + 1
            } else if c >= 0x41 && c <= 0x5A && i != range.lowerBound {
                uppercaseAfterFirst = true
            }
        }
        labels.append(start..<range.upperBound)
        // Only lower case, or a capital first letter (a sentence start), reads as a host.
        if uppercaseAfterFirst { return true }
        let first = hashLowercased(b, labels[0])
        if labels.count >= 3 && reverseDNSHashes.contains(first) { return true }
        if codeReceivers.contains(first) { return true }
        guard let tld = labels.last, fileExtensionTLDs.contains(hashLowercased(b, tld)) else { return false }
        return labels.count == 2 || looksLikeFileName(b, labels)
    }

    /// Versioned or compound file names: a label that is a file extension before the last,
    /// or one that starts with a digit, ends in `-digit`, or holds `_`
    /// (`httpd-2.4.43-x64.zip`, `Bandicam_4.3.1.1490.zip`, `offer.pdf.zip`).
    private static func looksLikeFileName(_ b: UnsafeBufferPointer<UInt8>, _ labels: [Range<Int>]) -> Bool {
        if fileExtensions.contains(hashLowercased(b, labels[labels.count - 2])) { return true }
        for label in labels {
            if b[label.lowerBound] >= 0x30 && b[label.lowerBound] <= 0x39 { return true }
            if label.count >= 2 && b[label.upperBound - 2] == 0x2D && b[label.upperBound - 1] >= 0x30 && b[label.upperBound - 1] <= 0x39 { return true }
            if label.contains(where: { b[$0] == 0x5F }) { return true }
        }
        return false
    }
}

/// A set of 64-bit hashes with open addressing and no further hashing (FNV-1a values are
/// already well mixed): a lookup is one multiply-free probe sequence, not a SipHash.
struct HashSet64: Sendable {
    private var slots: [UInt64]
    private let mask: Int

    init(_ values: [UInt64]) {
        var capacity = 16
        while capacity < values.count * 4 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        for v in values { insert(v == 0 ? 1 : v) }
    }

    private mutating func insert(_ v: UInt64) {
        var i = Int(truncatingIfNeeded: v ^ (v >> 29)) & mask
        while slots[i] != 0 {
            if slots[i] == v { return }
            i = (i + 1) & mask
        }
        slots[i] = v
    }

    @inline(__always)
    func contains(_ value: UInt64) -> Bool {
        let v = value == 0 ? 1 : value
        var i = Int(truncatingIfNeeded: v ^ (v >> 29)) & mask
        return slots.withUnsafeBufferPointer { s in
            while true {
                let x = s[i]
                if x == v { return true }
                if x == 0 { return false }
                i = (i + 1) & mask
            }
        }
    }
}
