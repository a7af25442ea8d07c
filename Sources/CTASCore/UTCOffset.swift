/// A fixed offset from UTC, as `--assume-tz` takes it: `UTC`, `Z`, `+02:00`, `-0600`, `+5`.
/// Named zones (Europe/Paris) are not read: their offset changes with the date, and a
/// sensor's clock setting is better given as the offset it was running at.
public struct UTCOffset: Hashable, Sendable, CustomStringConvertible {
    /// Seconds east of UTC.
    public var seconds: Int64

    public static let utc = UTCOffset(seconds: 0)

    public init(seconds: Int64) { self.seconds = seconds }

    /// Nil when `text` is not an offset of −14:00 to +14:00.
    public init?(_ text: String) {
        let t = text.trimmingCharacters(in: " ")
        if ["utc", "z", "gmt", "+00:00", "-00:00", "0"].contains(t.lowercased()) { self = .utc; return }
        var chars = Substring(t)
        guard let sign = chars.first, sign == "+" || sign == "-" else { return nil }
        chars = chars.dropFirst()
        let digits = chars.filter { $0 != ":" }
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCIIDigitCharacter) else { return nil }
        let hours: Int64, minutes: Int64
        if digits.count <= 2 {
            guard let h = Int64(digits) else { return nil }
            hours = h
            minutes = 0
        } else {
            guard let h = Int64(digits.prefix(digits.count - 2)), let m = Int64(digits.suffix(2)) else { return nil }
            hours = h
            minutes = m
        }
        guard hours <= 14, minutes < 60, hours * 60 + minutes <= 14 * 60 else { return nil }
        seconds = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    public var description: String {
        if seconds == 0 { return "UTC" }
        let a = abs(seconds)
        let h = a / 3600, m = a % 3600 / 60
        return (seconds < 0 ? "-" : "+") + (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }
}
