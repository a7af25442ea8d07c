/// Times as people type them on a command line or the console's `:` prompt.
///
/// Accepts full RFC 3339 (`2026-11-20T10:15:30Z`), minutes without seconds
/// (`2026-11-20T10:15Z`), a date alone (`2026-11-20`, midnight UTC), and relative times
/// back from `now` (`15m`, `24h`, `7d`, also written `-24h`).
public enum TimeArgument {
    public static func parse(_ text: String, now: Timestamp = .now()) throws(TimestampError) -> Timestamp {
        let t = text.trimmingCharacters(in: " \t")
        if let relative = relative(t) { return now - relative }
        if looksRelative(t) {
            throw TimestampError("'\(text)': a relative time reaches back at most \(maximumRelativeDays) days; expected something like 24h or 7d")
        }
        if t.utf8.count == 10 { return try RFC3339.parse(t + "T00:00:00Z") }
        // YYYY-MM-DDTHH:MM followed by an offset or nothing: add seconds.
        let bytes = Array(t.utf8)
        if bytes.count >= 16, bytes.count < 19 || (bytes[16] != UInt8(ascii: ":")) {
            let head = String(decoding: bytes[0..<16], as: UTF8.self)
            let tail = String(decoding: bytes[16...], as: UTF8.self)
            if bytes.count >= 16, bytes[13] == UInt8(ascii: ":") {
                return try RFC3339.parse(head + ":00" + tail)
            }
        }
        do throws(TimestampError) {
            return try RFC3339.parse(t)
        } catch {
            throw TimestampError("'\(text)': \(error.message); expected a time like 2026-11-20T10:00Z, 2026-11-20 or 24h")
        }
    }

    /// The longest relative time accepted (about 10,000 years: beyond it no stored time lies).
    public static let maximumRelativeDays: Int64 = 3_652_500

    /// `15m`, `24h`, `7d`, `2w`, `90s` (optionally with a leading `-`); nil when it is not
    /// one, or reaches back further than `maximumRelativeDays`.
    public static func relative(_ text: String) -> Duration? {
        var t = Substring(text)
        if t.first == "-" { t = t.dropFirst() }
        guard let unit = t.last, let n = Int64(t.dropLast()), n >= 0 else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        let (seconds, overflow) = n.multipliedReportingOverflow(by: scale)
        guard !overflow, seconds <= maximumRelativeDays * 86_400 else { return nil }
        return .seconds(seconds)
    }

    /// Digits and a unit letter: a relative time, whatever its size.
    static func looksRelative(_ t: String) -> Bool {
        var body = Substring(t)
        if body.first == "-" { body = body.dropFirst() }
        guard let unit = body.last, "smhdw".contains(unit), body.count > 1 else { return false }
        return body.dropLast().allSatisfy(\.isASCIIDigitCharacter)
    }
}

extension String {
    /// The string without the given leading and trailing characters (no Foundation).
    public func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension Character {
    /// 0–9 (not other scripts' digits).
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
