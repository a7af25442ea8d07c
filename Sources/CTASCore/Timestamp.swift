/// A point in time as microseconds since 1970-01-01T00:00:00Z.
///
/// Integer microseconds keep comparisons exact and storage compact (one SQLite INTEGER);
/// they cover years 0000–9999 of RFC 3339 with room to spare. Sub-microsecond digits of
/// a parsed timestamp are truncated.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since the Unix epoch (negative before 1970).
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// From seconds since the epoch; NaN and values beyond years 0000–9999 saturate at the
    /// range's ends (NaN at the epoch), never trap.
    public init(seconds: Double) {
        let micros = (seconds * 1_000_000).rounded(.down)
        if micros.isNaN {
            self.microseconds = 0
        } else if micros <= Double(Self.earliest.microseconds) {
            self.microseconds = Self.earliest.microseconds
        } else if micros >= Double(Self.latest.microseconds) {
            self.microseconds = Self.latest.microseconds
        } else {
            self.microseconds = Int64(micros)
        }
    }

    /// Seconds since the epoch as a floating-point value (for display and pacing).
    public var seconds: Double { Double(microseconds) / 1_000_000 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// The earliest time CTAS stores: 0000-01-01T00:00:00Z (RFC 3339 has no earlier year).
    public static let earliest = Timestamp(microseconds: -62_167_219_200_000_000)
    /// The latest time CTAS stores: 9999-12-31T23:59:59.999999Z.
    public static let latest = Timestamp(microseconds: 253_402_300_799_999_999)
    /// Every time that can be stored and read back as RFC 3339.
    public static let representable = earliest...latest

    /// Whether the time lies in years 0000–9999 (UTC), so it is written and read back as RFC 3339.
    public var isRepresentable: Bool { Self.representable.contains(self) }

    /// Adds a duration, saturating at `earliest` and `latest` (a window of "everything" or a
    /// hostile duration can never trap or leave the calendar).
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        lhs.shifted(byMicroseconds: rhs.wholeMicroseconds)
    }

    /// Subtracts a duration, saturating at `earliest` and `latest`.
    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        let micros = rhs.wholeMicroseconds
        return lhs.shifted(byMicroseconds: micros == .min ? .max : -micros)
    }

    /// The time moved by `delta` microseconds, saturating at `earliest` and `latest`.
    public func shifted(byMicroseconds delta: Int64) -> Timestamp {
        let (sum, overflow) = microseconds.addingReportingOverflow(delta)
        if overflow { return delta > 0 ? .latest : .earliest }
        return Timestamp(microseconds: Swift.min(Swift.max(sum, Self.earliest.microseconds), Self.latest.microseconds))
    }

    /// The time moved by `delta` microseconds, or nil when that leaves years 0000–9999.
    public func checkedShift(byMicroseconds delta: Int64) -> Timestamp? {
        let (sum, overflow) = microseconds.addingReportingOverflow(delta)
        guard !overflow, Self.representable.contains(Timestamp(microseconds: sum)) else { return nil }
        return Timestamp(microseconds: sum)
    }

    /// The wall-clock time now.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microseconds: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000)
    }

    /// RFC 3339 in UTC: `2026-11-20T10:15:30Z`, with `.ffffff` trimmed of trailing zeros
    /// when the time has a fraction.
    public var description: String { rfc3339 }

    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the RFC 3339 form to a byte buffer (used by the NDJSON writer's hot path).
    public func appendRFC3339(to out: inout [UInt8]) {
        let (secondsPart, micro) = microseconds.floorDivided(by: 1_000_000)
        let (days, secondOfDay) = secondsPart.floorDivided(by: 86_400)
        let civil = CivilDate(daysSinceEpoch: days)
        func two(_ v: Int64) { out.append(UInt8(48 + v / 10)); out.append(UInt8(48 + v % 10)) }
        let year = civil.year
        if year < 0 || year > 9999 {
            // Outside RFC 3339's range; still print something unambiguous.
            out.append(contentsOf: Array(String(year).utf8))
        } else {
            two(year / 100); two(year % 100)
        }
        out.append(UInt8(ascii: "-")); two(civil.month)
        out.append(UInt8(ascii: "-")); two(civil.day)
        out.append(UInt8(ascii: "T")); two(secondOfDay / 3600)
        out.append(UInt8(ascii: ":")); two(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":")); two(secondOfDay % 60)
        if micro != 0 {
            out.append(UInt8(ascii: "."))
            var digits = micro
            var count = 6
            while digits % 10 == 0 { digits /= 10; count -= 1 }
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 { out.append(UInt8(48 + digits / divisor % 10)); divisor /= 10 }
        }
        out.append(UInt8(ascii: "Z"))
    }
}

extension Duration {
    /// The duration in whole microseconds (truncated toward zero), saturating at Int64's
    /// range for durations beyond ±292,000 years.
    public var wholeMicroseconds: Int64 {
        let (s, atto) = components
        let (micros, overflow) = s.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return s < 0 ? .min : .max }
        let (total, overflow2) = micros.addingReportingOverflow(atto / 1_000_000_000_000)
        if overflow2 { return s < 0 ? .min : .max }
        return total
    }
}

extension Int64 {
    /// Floor division and the matching non-negative remainder.
    @inlinable
    public func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 { q -= 1; r += divisor }
        return (q, r)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
