import CTASCore

/// Makes each pass of a looping replay a new episode: the indicators an event lists or
/// writes in its description get values of their own per pass (`evil.com` becomes
/// `evil-e2.com` on pass 2, a public address moves its middle octets, a hash its last 16 bits),
/// the same way for every event of the pass. Campaigns stay linked inside a pass and do not
/// pile up across passes, so a demo left running keeps showing walkable correlations instead
/// of every value crossing the over-correlation threshold. Warninglisted values, private and
/// reserved addresses, CVE ids and IPv6 addresses are kept.
public struct LoopEpisodes: Sendable {
    let warninglist: Warninglist
    private let extractor = IndicatorExtractor()
    /// Every pass rewrites the same recorded values and texts: what they hold is found once
    /// (matching and extracting them each pass was most of the demo's parsing). Each memo
    /// is emptied when it holds `memoLimit` answers (a feed of that many distinct values).
    private let warninglisted = Memo<Indicator, Bool>()
    private let listedIndicators = Memo<String, [Indicator]>()
    private let textIndicators = Memo<String, [ExtractedIndicator]>()
    /// What a listed value, and an indicator written in a text, become on a pass: a pass
    /// repeats its values (the demo feed lists some 4,000 distinct ones in 10,000 events),
    /// and rebuilding each was most of what a looping demo's parsing still cost. (Whole texts
    /// are not remembered per pass: three in four of the demo's are distinct.)
    private let rewrittenListed = Memo<PassValue, String>()
    private let rewrittenIndicators = Memo<PassIndicator, String?>()
    static let memoLimit = 16_384
    /// Longer values and texts are not remembered, so a memo holds at most 16 MiB whatever
    /// the feed (16,384 texts of at most 1 KiB), and a few hundred kilobytes on real ones.
    static let memoTextBytes = 1_024

    public init(warninglist: Warninglist) { self.warninglist = warninglist }

    /// Rewrites `event` for `pass` (pass 0 is left as recorded).
    public func rewrite(_ event: inout Event, pass: Int) {
        guard pass > 0 else { return }
        if !event.indicators.isEmpty {
            event.indicators = event.indicators.map { value in
                rewrittenListed.answer(PassValue(value: value, pass: pass), bytes: value.utf8.count) { listed($0.value, pass: pass) }
            }
        }
        if let description = event.description { event.description = text(description, pass: pass) }
    }

    /// A value as it is rewritten on one pass (a memo's key).
    private struct PassValue: Hashable, Sendable {
        let value: String
        let pass: Int
    }

    private struct PassIndicator: Hashable, Sendable {
        let indicator: Indicator
        let pass: Int
    }

    /// A listed value: its indicator's episode value, or an untyped value marked with the pass.
    private func listed(_ value: String, pass: Int) -> String {
        let found = listedIndicators.answer(value, bytes: value.utf8.count) { extractor.indicators(listed: $0) }
        guard found.count == 1, let only = found.first else { return value }
        if only.kind == .other { return value + "-e\(pass)" }
        return episodeValue(only, pass: pass) ?? value
    }

    /// Running text with every indicator written in it replaced (an indicator inside a URL
    /// goes with the URL).
    private func text(_ text: String, pass: Int) -> String {
        let found = textIndicators.answer(text, bytes: text.utf8.count) { extractor.extract(from: $0) }
        guard !found.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var replacements: [(range: Range<Int>, with: [UInt8])] = []
        var covered = 0
        for f in found.sorted(by: { $0.offset < $1.offset }) {
            let range = f.offset..<(f.offset + f.written.utf8.count)
            guard range.lowerBound >= covered, range.upperBound <= bytes.count else { continue }
            covered = range.upperBound
            let value = rewrittenIndicators.answer(PassIndicator(indicator: f.indicator, pass: pass), bytes: f.indicator.value.utf8.count) {
                episodeValue($0.indicator, pass: pass)
            }
            if let value { replacements.append((range, Array(value.utf8))) }
        }
        for r in replacements.reversed() { bytes.replaceSubrange(r.range, with: r.with) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func isWarninglisted(_ indicator: Indicator) -> Bool {
        warninglisted.answer(indicator, bytes: indicator.value.utf8.count) { warninglist.match($0) != nil }
    }

    /// The value `indicator` takes on `pass`, or nil when it is kept.
    func episodeValue(_ indicator: Indicator, pass: Int) -> String? {
        guard !isWarninglisted(indicator) else { return nil }
        let value = indicator.value
        switch indicator.kind {
        case .domain: return Self.domain(value, pass: pass)
        case .ipv4: return Self.ipv4(value, pass: pass)
        case .email:
            guard let at = value.lastIndex(of: "@") else { return nil }
            return String(value[...at]) + Self.domain(String(value[value.index(after: at)...]), pass: pass)
        case .url:
            guard let scheme = value.range(of: "://") else { return nil }
            let rest = value[scheme.upperBound...]
            let hostEnd = rest.firstIndex { $0 == "/" || $0 == ":" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            let host = String(rest[..<hostEnd])
            guard !host.isEmpty else { return nil }
            let isAddress = host.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !isWarninglisted(Indicator(isAddress ? .ipv4 : .domain, host)) else { return nil }
            let mapped = isAddress ? Self.ipv4(host, pass: pass) : Self.domain(host, pass: pass)
            guard let mapped else { return nil }
            return String(value[..<scheme.upperBound]) + mapped + String(rest[hostEnd...])
        case .md5, .sha1, .sha256:
            // The last 16 bits move: a value repeats only after 65,536 passes.
            guard value.count >= 4, let last = UInt16(value.suffix(4), radix: 16) else { return nil }
            let moved = String(last &+ UInt16(truncatingIfNeeded: pass), radix: 16)
            return String(value.dropLast(4)) + String(repeating: "0", count: 4 - moved.count) + moved
        case .ipv6, .cve, .other: return nil
        }
    }

    /// The label before the top-level one gets `-eN`: `a.evil.com` → `a.evil-e2.com`.
    static func domain(_ name: String, pass: Int) -> String {
        var labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if labels.count >= 2 { labels[labels.count - 2] += "-e\(pass)" } else { labels[0] += "-e\(pass)" }
        return labels.joined(separator: ".")
    }

    /// A public address moves its second and third octets together by 37 per pass (a value
    /// repeats only after 65,536 passes), stepping past private and reserved space;
    /// private, loopback, link-local, shared, multicast and reserved addresses are kept (nil).
    static func ipv4(_ text: String, pass: Int) -> String? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [Int] = []
        for p in parts {
            guard let n = Int(p), (0...255).contains(n) else { return nil }
            octets.append(n)
        }
        guard !isSpecial(octets[0], octets[1]) else { return nil }
        var middle = octets[1] * 256 + octets[2]
        let step = 37 * (pass % 65_536)
        middle = (middle + step) % 65_536
        // Never into private or reserved space (the warninglist would cut the pass's links).
        while isSpecial(octets[0], middle / 256) { middle = (middle + 256) % 65_536 }
        octets[1] = middle / 256
        octets[2] = middle % 256
        return octets.map(String.init).joined(separator: ".")
    }

    private static func isSpecial(_ a: Int, _ b: Int) -> Bool {
        a == 0 || a == 10 || a == 127 || a >= 224 || (a == 169 && b == 254) || (a == 172 && (16...31).contains(b))
            || (a == 192 && b == 168) || (a == 100 && (64...127).contains(b)) || (a == 192 && b == 0) || (a == 198 && (18...19).contains(b))
    }
}

/// Answers remembered by key, at most `LoopEpisodes.memoLimit` of them (emptied when full);
/// a key of more than `LoopEpisodes.memoTextBytes` bytes is answered, not remembered.
private final class Memo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let answers = Locked<[Key: Value]>([:])

    func answer(_ key: Key, bytes: Int, _ compute: (Key) -> Value) -> Value {
        guard bytes <= LoopEpisodes.memoTextBytes else { return compute(key) }
        if let known = answers.withLock({ $0[key] }) { return known }
        let value = compute(key)
        answers.withLock { memo in
            if memo.count >= LoopEpisodes.memoLimit { memo.removeAll(keepingCapacity: true) }
            memo[key] = value
        }
        return value
    }
}
