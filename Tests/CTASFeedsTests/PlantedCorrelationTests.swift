import CTASCore
import Testing
@testable import CTASFeeds

@Suite struct PlantedCorrelationTests {
    private func lines(seed: UInt64, plant: Int, events: Int) -> (text: [String], generator: FeedGenerator) {
        var options = FeedGenerator.Options()
        options.seed = seed
        options.plantedCampaigns = plant
        var generator = FeedGenerator(options: options)
        var out: [UInt8] = []
        for _ in 0..<events { generator.appendNext(to: &out) }
        return (String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init), generator)
    }

    @Test func plantingIsReproducibleAndLeavesTheRestOfTheFeedAlone() {
        let plain = lines(seed: 9, plant: 0, events: 3_000)
        let planted = lines(seed: 9, plant: 8, events: 3_000)
        #expect(plain.generator.planted == nil)
        #expect(planted.text == lines(seed: 9, plant: 8, events: 3_000).text, "same seed, same feed")
        let changed = zip(plain.text, planted.text).filter { $0 != $1 }.count
        let truth = planted.generator.planted!
        let members = Set(truth.campaigns.flatMap(\.events) + truth.overcorrelated.events)
        #expect(changed == members.count, "only planted events differ")
        #expect(truth.overcorrelated.events.count == 25)
        #expect(truth.campaigns.count == 8 && truth.campaigns.allSatisfy { (3...6).contains($0.events.count) })
    }

    /// Each planted value appears (plain or defanged) in exactly its campaign's events.
    @Test func plantedValuesOccurOnlyInTheirEvents() {
        let (text, generator) = lines(seed: 4, plant: 6, events: 2_000)
        let extractor = IndicatorExtractor()
        let parsed: [(id: String, values: Set<String>)] = text.compactMap { line in
            guard let start = line.range(of: "\"id\":\""), let end = line[start.upperBound...].firstIndex(of: "\"") else { return nil }
            let values = Set(extractor.extract(from: line).map(\.value))
            return (String(line[start.upperBound..<end]), values)
        }
        for campaign in generator.planted!.campaigns {
            for value in campaign.indicators {
                let holders = parsed.filter { $0.values.contains(value) }.map(\.id)
                #expect(Set(holders) == Set(campaign.events), "\(campaign.name) \(value)")
            }
        }
    }
}
