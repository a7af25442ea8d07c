import Testing
@testable import CTASEngine

/// The metrics pane's CPU figure is the use over the last five seconds, steady however
/// often snapshots come and however coarse the process's CPU clock is.
@Suite struct CPUWindowTests {
    @Test func aSteadyUseReadsSteadyThroughCoarseTicks() {
        var window = CPUWindow()
        // 5% of a core, the CPU clock advancing in 10 ms ticks, a snapshot every 100 ms.
        var shown: [Double] = []
        for step in 0...300 {
            let nanos = UInt64(step) * 100_000_000
            let used = (Double(step) * 0.005 * 100).rounded(.down) / 100   // whole ticks only
            shown.append(window.percent(cpuSeconds: used, at: nanos))
        }
        #expect(shown[0] == 0, "nothing to measure over yet")
        for value in shown[60...] { #expect(abs(value - 5) < 0.5, "\(value)") }
    }

    @Test func aBurstLeavesTheWindowOnceItIsOlderThanTheSpan() {
        var window = CPUWindow()
        var cpu = 0.0
        func tick(_ second: Double, use: Double) -> Double {
            cpu += use * 0.1
            return window.percent(cpuSeconds: cpu, at: UInt64(second * 1e9))
        }
        var last = 0.0
        for i in 1...100 { last = tick(Double(i) / 10, use: 1) }   // 10 s at a full core
        #expect(abs(last - 100) < 3)
        for i in 101...200 { last = tick(Double(i) / 10, use: 0) }  // 10 s idle
        #expect(last < 3, "\(last)")
        #expect(window.percent(cpuSeconds: cpu, at: 5_000_000_000) == 0, "a reading older than the last is no measure")
    }
}
