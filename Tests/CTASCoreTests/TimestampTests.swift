import CTASTestSupport
import Foundation
import Testing
@testable import CTASCore

@Suite struct CivilDateTests {
    @Test func knownDates() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
        #expect(CivilDate(year: 1969, month: 12, day: 31).daysSinceEpoch == -1)
        #expect(CivilDate(year: 2026, month: 11, day: 20).daysSinceEpoch == 20_777)
        #expect(CivilDate(year: 0, month: 1, day: 1).daysSinceEpoch == -719_528)
    }

    @Test func roundTripsEveryDayOfFiveCenturies() async throws {
        try await onOwnThread { Self.roundTrip() }
    }

    static func roundTrip() {
        var previous = CivilDate(daysSinceEpoch: -200_000)
        for day in Int64(-199_999)...Int64(200_000) {
            let date = CivilDate(daysSinceEpoch: day)
            #expect(date.daysSinceEpoch == day)
            // Consecutive days advance the calendar by exactly one day.
            if date.day != 1 {
                #expect(date.day == previous.day + 1 && date.month == previous.month)
            } else {
                #expect(previous.day == CivilDate.daysInMonth(year: previous.year, month: previous.month))
            }
            previous = date
        }
    }

    @Test func leapYears() {
        #expect(CivilDate.isLeapYear(2000))
        #expect(!CivilDate.isLeapYear(1900))
        #expect(CivilDate.isLeapYear(2024))
        #expect(!CivilDate.isLeapYear(2026))
        #expect(CivilDate.daysInMonth(year: 2024, month: 2) == 29)
        #expect(CivilDate.daysInMonth(year: 2100, month: 2) == 28)
    }
}

@Suite struct RFC3339Tests {
    func parse(_ s: String) -> Timestamp? { try? RFC3339.parse(s) }

    @Test func acceptsTheForms() throws {
        let base = try RFC3339.parse("2026-11-20T10:15:30Z")
        #expect(base.microseconds == 1_795_169_730_000_000)
        #expect(parse("2026-11-20t10:15:30z") == base)
        #expect(parse("2026-11-20 10:15:30Z") == base)
        #expect(parse("2026-11-20T10:15:30") == base, "no offset reads as UTC")
        #expect(parse("2026-11-20T12:15:30+02:00") == base)
        #expect(parse("2026-11-20T12:15:30+0200") == base)
        #expect(parse("2026-11-20T04:15:30-06:00") == base)
        #expect(parse("2026-11-20T10:15:30.123Z")?.microseconds == base.microseconds + 123_000)
        #expect(parse("2026-11-20T10:15:30.123456Z")?.microseconds == base.microseconds + 123_456)
        #expect(parse("2026-11-20T10:15:30.1234567891Z")?.microseconds == base.microseconds + 123_456, "truncated past µs")
        #expect(parse("2026-11-20T10:15:30.5+01:00")?.microseconds == base.microseconds - 3_600_000_000 + 500_000)
        #expect(parse("2024-02-29T00:00:00Z") != nil)
        #expect(parse("2016-12-31T23:59:60Z") == parse("2017-01-01T00:00:00Z"), "leap second lands on the next second")
        #expect(parse("1969-12-31T23:59:59.5Z")?.microseconds == -500_000)
    }

    @Test(arguments: [
        ("", "empty"), ("2026-11-20", "too short"), ("2026-13-20T10:15:30Z", "month 13"), ("2026-00-20T10:15:30Z", "month 0"),
        ("2026-02-29T10:15:30Z", "day 29"), ("2026-04-31T10:15:30Z", "day 31"), ("2026-11-20T24:00:00Z", "hour 24"),
        ("2026-11-20T10:60:00Z", "minute 60"), ("2026-11-20T10:15:61Z", "second 61"), ("2026-11-20T10:15:30.Z", "digits after"),
        ("2026-11-20T10:15:30+25:00", "offset"), ("2026-11-20T10:15:30+02", "offset"), ("2026-11-20T10:15:30Zjunk", "unexpected"),
        ("2026/11/20T10:15:30Z", "'-'"), ("20261120T101530Z", "too short"), ("2026-11-20X10:15:30Z", "'T'"), ("２０２６-11-20T10:15:30Z", "year"),
        ("2026-11-20T10:15:30 Z", "expected 'Z'"), ("-026-11-20T10:15:30Z", "year"),
    ])
    func rejectsWithAReason(input: String, reason: String) {
        do {
            _ = try RFC3339.parse(input)
            Issue.record("accepted \(input)")
        } catch {
            #expect(error.message.contains(reason), "\(input): \(error.message)")
        }
    }

    @Test func formatsAndParsesBack() async throws {
        try await onOwnThread { try Self.formatAndParse() }
    }

    static func formatAndParse() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let micros = Int64.random(in: -62_135_596_800_000_000...253_402_300_799_999_999, using: &rng)
            let t = Timestamp(microseconds: micros)
            #expect(try RFC3339.parse(t.rfc3339) == t, "\(t.rfc3339)")
        }
        #expect(Timestamp(microseconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(Timestamp(microseconds: 1_500_000).rfc3339 == "1970-01-01T00:00:01.5Z")
        #expect(Timestamp(microseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
    }

    /// The hand parser agrees with Foundation's ISO 8601 parser on a large random corpus.
    @Test func agreesWithFoundation() throws {
        var rng = SystemRandomNumberGenerator()
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<5_000 {
            let year = Int.random(in: 1971...2099, using: &rng)
            let month = Int.random(in: 1...12, using: &rng)
            let day = Int.random(in: 1...Int(CivilDate.daysInMonth(year: Int64(year), month: Int64(month))), using: &rng)
            let hour = Int.random(in: 0...23, using: &rng), minute = Int.random(in: 0...59, using: &rng)
            let second = Int.random(in: 0...59, using: &rng)
            let millis = Int.random(in: 0...999, using: &rng)
            let offset = [0, 60, -300, 330, 545, -600, 840].randomElement(using: &rng) ?? 0
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let zone = offset == 0 ? "Z" : (offset < 0 ? "-" : "+") + two(abs(offset) / 60) + ":" + two(abs(offset) % 60)
            let withFraction = Bool.random(using: &rng)
            let fractionText = withFraction ? "." + String(1000 + millis).dropFirst() : ""
            let text = "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))\(fractionText)\(zone)"
            let ours = try RFC3339.parse(text)
            let theirs = try #require((withFraction ? fractional : plain).date(from: text), "Foundation rejected \(text)")
            #expect(abs(ours.seconds - theirs.timeIntervalSince1970) < 1e-6, "\(text)")
        }
    }
}

@Suite struct TimeArgumentTests {
    @Test func forms() throws {
        let now = try RFC3339.parse("2026-11-21T12:00:00Z")
        #expect(try TimeArgument.parse("2026-11-20T10:00Z", now: now) == RFC3339.parse("2026-11-20T10:00:00Z"))
        #expect(try TimeArgument.parse("2026-11-20T10:00+01:00", now: now) == RFC3339.parse("2026-11-20T09:00:00Z"))
        #expect(try TimeArgument.parse("2026-11-20", now: now) == RFC3339.parse("2026-11-20T00:00:00Z"))
        #expect(try TimeArgument.parse("24h", now: now) == RFC3339.parse("2026-11-20T12:00:00Z"))
        #expect(try TimeArgument.parse("-15m", now: now) == RFC3339.parse("2026-11-21T11:45:00Z"))
        #expect(try TimeArgument.parse("2026-11-20T10:15:30.5Z", now: now).microseconds % 1_000_000 == 500_000)
        #expect(throws: TimestampError.self) { try TimeArgument.parse("yesterday", now: now) }
        #expect(throws: TimestampError.self) { try TimeArgument.parse("2026-11-20T25:00Z", now: now) }
    }
}
