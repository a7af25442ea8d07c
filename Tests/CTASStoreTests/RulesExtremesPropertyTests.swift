import CTASStore
import PropertyBased
import Testing

/// Durations and sizes in a rules file: any number with any unit is a value in range or a
/// clear error, never a trap.
@Suite struct RulesExtremesPropertyTests {
    @Test func anyDurationIsInRangeOrAnError() async {
        await propertyCheck(count: 3000, input: Gen.int64(in: 1...Int64.max), Gen.element(of: ["s", "m", "h", "d", "w", "y"])) { n, unit in
            let text = "\(n)\(unit ?? "s")"
            do throws(StoreError) {
                let d = try RoutingRules.duration(text) { .condition($0) }
                #expect(d.components.seconds <= RoutingRules.maximumDurationSeconds)
            } catch {
                #expect(error.description.contains("out of range"), "\(text): \(error)")
            }
        }
    }

    @Test func anySizeIsInRangeOrAnError() async {
        await propertyCheck(count: 3000, input: Gen.int(in: 0...Int.max), Gen.element(of: ["B", "KB", "KiB", "MB", "MiB", "GB", "GiB", ""])) { n, unit in
            let text = "\(n)\(unit ?? "")"
            do throws(StoreError) {
                let bytes = try RoutingRules.byteSize(text) { .condition($0) }
                #expect((0...RoutingRules.maximumBytes).contains(bytes))
            } catch {
                #expect(error.description.contains("out of range"), "\(text): \(error)")
            }
        }
    }
}
