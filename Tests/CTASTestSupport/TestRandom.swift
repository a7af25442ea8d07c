import Foundation

/// A small seeded generator (SplitMix64) for reproducible test series.
public struct TestRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound (0 when the bound is not positive).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    /// A number in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A Poisson draw (Knuth's method in chunks of mean 30, so large means stay exact).
    public mutating func poisson(_ mean: Double) -> Int {
        var remaining = max(0, mean)
        var total = 0
        while remaining > 0 {
            let chunk = min(remaining, 30)
            remaining -= chunk
            let limit = exp(-chunk)
            var product = Double.random(in: 0..<1, using: &self)
            while product > limit {
                total += 1
                product *= Double.random(in: 0..<1, using: &self)
            }
        }
        return total
    }
}
