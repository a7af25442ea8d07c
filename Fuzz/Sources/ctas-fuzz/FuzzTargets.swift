import CTASConsole
import CTASCore
import CTASFeeds
import CTASStore
#if canImport(Glibc)
import Glibc
#endif

/// Every parser of outside bytes, each a function of the fuzzer's input. A target must never
/// trap, hang or leak: bad input is a thrown error or a counted reject.
enum FuzzTarget: String, CaseIterable {
    case ndjson, feed, csv, rfc3339, ioc, rules, warninglist, filter, toml, theme, config, timeArgument

    func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .ndjson:
            _ = try? NDJSONEventParser().parse(bytes)
        case .feed, .csv:
            // Framed into lines and decoded as a source would be (format detection included).
            var framer = LineFramer(maxLineBytes: 4096)
            var batch = LineBatch()
            framer.frame(bytes, into: &batch)
            framer.finish(into: &batch)
            var decoder = FeedDecoder(format: self == .csv ? .csv : .auto, sourceName: "fuzz")
            _ = try? decoder.decode(batch)
            _ = decoder.finish()
        case .rfc3339:
            _ = try? RFC3339.parse(bytes)
        case .ioc:
            _ = IndicatorExtractor().extract(from: bytes)
        case .rules:
            _ = try? RoutingRules(text: text, origin: "fuzz")
        case .warninglist:
            _ = try? Warninglist(text: text, origin: "fuzz")
        case .filter:
            if let filter = try? EventFilter(parsing: text) {
                _ = filter.matches(Event(id: text, timestamp: Timestamp(microseconds: 0), type: text, severity: Severity(5), entity: text,
                                         indicators: [text], description: text))
            }
        case .toml:
            _ = try? TOMLDocument(text: text, origin: "fuzz")
        case .theme:
            _ = try? Theme(toml: text, origin: "fuzz", base: nil)
        case .config:
            _ = try? ConsoleConfig(text: text, origin: "fuzz")
        case .timeArgument:
            _ = try? TimeArgument.parse(text, now: Timestamp(microseconds: 1_795_169_730_000_000))
        }
    }

    /// The target named by `CTAS_FUZZ_TARGET` (read once).
    static let selected: FuzzTarget = {
        let name = getenv("CTAS_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            let message = "set CTAS_FUZZ_TARGET to one of: \(names)\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            exit(2)
        }
        return target
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.selected.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
