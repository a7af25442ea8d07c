/// A small, fast, seedable generator (xoshiro256**, seeded through SplitMix64), so a seed
/// gives the same feed on every machine and Swift version.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in 0..<bound.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Standard normal deviate (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Exponential deviate with the given mean.
    public mutating func exponential(mean: Double) -> Double { -log(max(1 - unit(), 1e-300)) * mean }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Samples ranks 0..<count with Zipf-like popularity: rank r is drawn with weight 1/(r+1)^s,
/// so a few values recur constantly and a long tail is rare, as indicators do in real feeds.
public struct ZipfSampler: Sendable {
    private let cumulative: [Double]

    public init(count: Int, exponent: Double = 1.1) {
        var total = 0.0
        var cdf: [Double] = []
        cdf.reserveCapacity(count)
        for r in 0..<max(count, 1) {
            total += 1 / pow(Double(r + 1), exponent)
            cdf.append(total)
        }
        cumulative = cdf.map { $0 / total }
    }

    public func sample(_ rng: inout SeededRandom) -> Int {
        let u = rng.unit()
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
