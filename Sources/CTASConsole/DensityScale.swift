import Foundation
import CTASEngine
import H3

/// How a cell's value becomes a colour step on the map, and what each step stands for (the
/// legend). A cell is coloured only when it holds more than an even share of the events —
/// the total spread over every cell of the world at that resolution — so at the world view,
/// where background noise reaches every cell, the land shows through where nothing stands
/// out; at fine resolutions the share is below one event and every event shows. Above the
/// share, steps 1–9 follow a log scale up to the busiest cell.
public struct DensityScale: Sendable, Equatable {
    /// The even share: values at or below it are not coloured.
    public var threshold: Double
    public var maximum: Double

    public init(data: HeatmapData) {
        let total = data.tallies.values.reduce(0.0) { $0 + $1.value(data.query.weighting) }
        let cells = Double(H3.getNumCells(data.query.resolution))
        threshold = cells > 0 ? total / cells : 0
        maximum = data.maximum
    }

    public init(threshold: Double, maximum: Double) {
        self.threshold = threshold
        self.maximum = maximum
    }

    /// The colour step of a value, 1…9; nil when it is not coloured.
    public func level(of value: Double) -> Int? {
        guard value > 0, value > threshold, maximum > threshold else { return nil }
        let span = log1p(maximum - threshold)
        guard span > 0 else { return 9 }
        return min(9, max(1, 1 + Int(log1p(value - threshold) / span * 8.999)))
    }

    /// The smallest value drawn at a step (the legend's figures).
    public func lowerBound(of level: Int) -> Double {
        let step = Double(max(1, min(9, level)) - 1)
        return threshold + expm1(step / 8.999 * log1p(max(0, maximum - threshold)))
    }
}
