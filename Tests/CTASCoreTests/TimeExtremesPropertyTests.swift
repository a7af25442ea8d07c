import CTASCore
import PropertyBased
import Testing

/// Extremes swept by property-based tests: every time, duration and relative time from
/// outside either works or is refused, never traps, and a stored time reads back.
@Suite struct TimeExtremesPropertyTests {
    static let anyMicros = Gen.int64(in: Int64.min...Int64.max)
    static let representable = Gen.int64(in: Timestamp.earliest.microseconds...Timestamp.latest.microseconds)

    @Test func addingAnyDurationSaturatesInsideTheCalendar() async {
        await propertyCheck(count: 2000, input: Self.representable, Gen.int64(in: Int64.min...Int64.max)) { start, seconds in
            let t = Timestamp(microseconds: start)
            let later = t + .seconds(seconds)
            let earlier = t - .seconds(seconds)
            #expect(later.isRepresentable && earlier.isRepresentable)
            if seconds >= 0 { #expect(later >= t && earlier <= t) } else { #expect(later <= t && earlier >= t) }
        }
    }

    @Test func checkedShiftIsExactOrNil() async {
        await propertyCheck(count: 2000, input: Self.representable, Self.anyMicros) { start, delta in
            let t = Timestamp(microseconds: start)
            if let moved = t.checkedShift(byMicroseconds: delta) {
                #expect(moved.microseconds == start + delta && moved.isRepresentable)
            } else {
                let (sum, overflow) = start.addingReportingOverflow(delta)
                #expect(overflow || !Timestamp(microseconds: sum).isRepresentable)
            }
        }
    }

    @Test func everyStorableTimeReadsBackAsRFC3339() async {
        await propertyCheck(count: 3000, input: Self.representable) { micros in
            let t = Timestamp(microseconds: micros)
            #expect((try? RFC3339.parse(t.rfc3339)) == t, "\(t.rfc3339)")
        }
        for edge in [Timestamp.earliest, .latest, Timestamp(microseconds: 0), Timestamp(microseconds: -1)] {
            #expect((try? RFC3339.parse(edge.rfc3339)) == edge, "\(edge.rfc3339)")
        }
    }

    @Test func secondsFromAnyDoubleNeverTraps() async {
        await propertyCheck(count: 2000, input: Gen.double(in: -1e300...1e300)) { seconds in
            #expect(Timestamp(seconds: seconds).isRepresentable)
        }
        for special in [Double.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude] {
            #expect(Timestamp(seconds: special).isRepresentable)
        }
    }

    @Test func relativeTimesOfAnySizeAreATimeOrAnError() async {
        await propertyCheck(count: 3000, input: Gen.uint64(in: 0...UInt64.max), Gen.element(of: ["s", "m", "h", "d", "w"])) { n, unit in
            let text = "\(n)\(unit ?? "s")"
            do throws(TimestampError) {
                let t = try TimeArgument.parse(text, now: Timestamp(microseconds: 1_795_169_730_000_000))
                #expect(t.isRepresentable, "\(text)")
            } catch {
                #expect(error.message.contains("at most"), "\(text): \(error.message)")
            }
        }
    }

    @Test func offsetsAtTheCalendarEdgesAreRefusedNotWrapped() {
        #expect((try? RFC3339.parse("0000-01-01T00:00:00+01:00")) == nil)
        #expect((try? RFC3339.parse("9999-12-31T23:59:59-01:00")) == nil)
        #expect((try? RFC3339.parse("0000-01-01T00:00:00Z")) == Timestamp.earliest)
    }
}
