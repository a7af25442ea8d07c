import CTASCore
import CTASFeeds
import Foundation

/// `ctas bench ioc`: indicator-extraction throughput on report-like text, and in the same
/// run two references on the same bytes: a plain pass that only counts line breaks (the
/// floor any scanner pays) and a regular-expression extractor of the kind an analyst would
/// script (`NSRegularExpression`, the usual IPv4/domain/hash/URL patterns).
public enum ExtractionBenchmark {
    public struct Result: Codable, Sendable {
        public var corpus: String
        public var corpusBytes: Int
        public var indicatorsPerPass: Int
        public var megabytesPerSecond: Double
        public var lineCountMegabytesPerSecond: Double
        public var regexMegabytesPerSecond: Double
        /// CTAS over the regular-expression reference, same bytes, this run.
        public var speedupOverRegex: Double
        public var regexMatchesPerPass: Int
        public var lines: Int
    }

    /// Runs on `corpus` (the text) repeated to about `targetBytes`; best of `rounds`.
    public static func run(corpus: [UInt8], name: String, targetBytes: Int = 64 << 20, rounds: Int = 5) -> Result {
        var text: [UInt8] = []
        text.reserveCapacity(targetBytes + corpus.count)
        while text.count < targetBytes && !corpus.isEmpty { text += corpus }
        let extractor = IndicatorExtractor()

        var found = 0
        let ours = best(rounds) {
            text.withUnsafeBufferPointer { found = extractor.extract(from: $0).count }
        }
        var lines = 0
        let floor = best(rounds) {
            text.withUnsafeBufferPointer { bytes in
                var n = 0
                for b in bytes where b == 0x0A { n += 1 }
                lines = n
            }
        }
        // The regular expressions are slow: time them on a slice and scale.
        let slice = Array(text.prefix(max(corpus.count, 4 << 20)))
        var matches = 0
        let regex = best(max(1, rounds / 2)) { matches = regexCount(slice) }
        let mb = Double(text.count) / 1e6
        let sliceMB = Double(slice.count) / 1e6
        return Result(corpus: name, corpusBytes: text.count, indicatorsPerPass: found,
                      megabytesPerSecond: mb / ours, lineCountMegabytesPerSecond: mb / floor,
                      regexMegabytesPerSecond: sliceMB / regex, speedupOverRegex: (mb / ours) / (sliceMB / regex),
                      regexMatchesPerPass: matches, lines: lines)
    }

    /// Report-like text without ../shared: prose, bullet lists of defanged and plain
    /// indicators, hash tables and version strings, from the feed generator's values.
    public static func syntheticReport(bytes: Int, seed: UInt64 = 11) -> [UInt8] {
        var options = FeedGenerator.Options()
        options.seed = seed
        var generator = FeedGenerator(options: options)
        var out = ""
        var n = 0
        while out.utf8.count < bytes {
            let e = generator.nextEvent()
            n += 1
            out += "== \(e.type) observed on \(e.entity ?? "host") (section 4.\(n % 9).\(n % 7).1)\n\n"
            out += (e.description ?? "No description.") + " The loader (version 2.\(n % 10).0.\(n % 300)) reads its"
            out += " configuration from config.json and drops setup.py next to System.IO helpers; see OID 1.3.6.1.4.1.311.\(n % 99).\n\n"
            for (i, value) in e.indicators.enumerated() {
                out += i % 2 == 0 ? "* `\(value)`\n" : "* \(Defang.defang(value, style: n + i))\n"
            }
            out += "\n"
        }
        return Array(out.utf8)
    }

    private static func best(_ rounds: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = MonotonicClock.nanoseconds()
            body()
            best = min(best, Double(MonotonicClock.nanoseconds() - start) / 1e9)
        }
        return best
    }

    private static func regexCount(_ bytes: [UInt8]) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        let patterns = [
            #"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"#,
            #"\b(?:[a-z0-9-]+(?:\.|\[\.\]))+[a-z]{2,24}\b"#,
            #"\b[a-f0-9]{32}(?:[a-f0-9]{8})?(?:[a-f0-9]{24})?\b"#,
            #"\bh(?:tt|xx)ps?(?::|\[:\])//[^\s"'<>`]+"#,
            #"\bCVE-\d{4}-\d{4,7}\b"#,
        ]
        var count = 0
        let range = NSRange(text.startIndex..., in: text)
        for p in patterns {
            guard let re = try? NSRegularExpression(pattern: p, options: [.caseInsensitive]) else { continue }
            count += re.numberOfMatches(in: text, range: range)
        }
        return count
    }
}
