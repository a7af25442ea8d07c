import CTASBehaviour
import CTASConsole
import CTASCore
import CTASFeeds
import CTASStore
import CTASEngine
import CTASGeoIP
import CTASIntel
#if canImport(Glibc)
import Glibc
#endif

/// Every parser of outside bytes, each a function of the fuzzer's input. A target must never
/// trap, hang or leak: bad input is a thrown error or a counted reject.
enum FuzzTarget: String, CaseIterable {
    case ndjson, feed, csv, rfc3339, ioc, rules, warninglist, filter, toml, theme, config, timeArgument
    case eve, zeek, zeekJSON = "zeek-json", jsonArray = "json-array", jsonStream = "json-stream", original, mmdb
    case intelDocument = "intel-document"
    case misp, stix, pattern, atlas, episodes, evidence
    case storedActivity = "stored-activity"
    case savedMonitor = "saved-monitor"

    func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .ndjson:
            _ = try? NDJSONEventParser().parse(bytes)
        case .feed, .csv, .zeek, .jsonArray, .jsonStream:
            // Framed (lines, a JSON array's elements, pretty-printed values) and decoded as a
            // source would be, format detection included; the input split in two to exercise
            // state across reads.
            var framer = RecordFramer(layout: self == .jsonStream ? .values : nil, maxLineBytes: 4096)
            var batch = LineBatch()
            let half = bytes.count / 2
            framer.frame(UnsafeBufferPointer(rebasing: bytes[0..<half]), into: &batch)
            framer.frame(UnsafeBufferPointer(rebasing: bytes[half...]), into: &batch)
            framer.finish(into: &batch)
            let format: FeedFormat = switch self {
            case .csv: .csv
            case .zeek: .zeek
            case .jsonArray: .eve
            default: .auto
            }
            var decoder = FeedDecoder(format: format, sourceName: "fuzz.log", options: TelemetryOptions(assumedOffset: UTCOffset(seconds: 3600)))
            _ = try? decoder.decode(batch)
            _ = decoder.finish()
        case .eve:
            var notes = ParseNotes()
            var parser = EVEEventParser()
            _ = try? parser.parse(bytes, notes: &notes)
        case .zeekJSON:
            var notes = ParseNotes()
            var parser = ZeekLogParser(pathFromFileName: "conn")
            _ = try? parser.parseJSON(bytes, notes: &notes)
        case .intelDocument:
            _ = IntelligenceDocument.recognize(bytes)
        case .original:
            _ = OriginalRecord.fields(text)
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
        case .episodes:
            // A looping replay's rewriting of listed indicators and running text, for a few
            // passes including huge ones: never indexes past the text, never traps.
            let listed = text.split(separator: "\n").prefix(8).map(String.init)
            var event = Event(id: "fuzz", timestamp: Timestamp(microseconds: 0), type: "fuzz", indicators: listed, description: text)
            let episodes = LoopEpisodes(warninglist: .builtIn())
            for pass in [1, 2, 261, 65_535, 65_536, Int.max] { episodes.rewrite(&event, pass: pass) }
        case .atlas:
            if let atlas = try? WorldAtlas(text: text, origin: "fuzz") {
                _ = atlas.places(named: String(text.prefix(12)))
                _ = atlas.nearestCity(lat: 48.85, lng: 2.35)
            }
        case .theme:
            _ = try? Theme(toml: text, origin: "fuzz", base: nil)
        case .config:
            _ = try? ConsoleConfig(text: text, origin: "fuzz")
        case .mmdb:
            // A MaxMind DB: opened, verified whole, looked up, its records decoded and read
            // field by field as enrichment does.
            guard let database = try? MaxMindDatabase(bytes: Array(bytes), name: "fuzz.mmdb") else { break }
            _ = try? database.verifyTree()
            let locator = GeoLocator(databases: [database])
            for text in ["1.1.1.1", "81.2.69.160", "0.0.0.0", "255.255.255.255", "::", "2001:db8::1", "ffff::1", "::ffff:1.2.3.4"] {
                _ = try? locator.locate(text)
                if let address = IPBytes(text), let offset = try? database.lookup(address).dataOffset {
                    _ = (try? database.value(at: offset))?.json
                }
            }
        case .misp:
            _ = MISPEventReader().read(bytes, file: "fuzz.json")
        case .stix:
            _ = STIXBundleReader().read(bytes, file: "fuzz.json")
        case .pattern:
            _ = try? STIXPattern(text)
        case .evidence:
            // The intelligence snapshot, cut into pieces of a size the first byte picks (as
            // SQLite hands a stored one over), then looked up in.
            guard let first = bytes.first else { return }
            let piece = Int(first) + 1
            let body = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.dropFirst()))
            let pieces = stride(from: 0, to: body.count, by: piece).map { UnsafeRawBufferPointer(rebasing: body[$0..<min($0 + piece, body.count)]) }
            if let index = IntelEvidenceIndex.read(snapshot: pieces) {
                for value in ["198.51.100.7", "example.net"] { _ = index.evidence(for: Indicator(.domain, value)) }
            }
        case .storedActivity:
            // A stored indicator list as the behaviour monitor's history reads it (a damaged
            // store's too): never traps, and a list in the form the warm tier writes gets the
            // extractor's kinds, read once and again from the cache.
            var decoder = StoredActivityDecoder(cacheCapacity: 4)
            let listed = UnsafeRawBufferPointer(bytes)
            let time = Timestamp(microseconds: 0)
            let first = decoder.activity(time: time, type: "t", entity: "e", country: nil, asn: nil, listed: listed).indicatorKinds
            let again = decoder.activity(time: time, type: "t", entity: "e", country: nil, asn: nil, listed: listed).indicatorKinds
            if first != again { fatalError("stored-activity: \(first) then \(again) for \(text.debugDescription)") }
            if let values = JSONString.decodeArray(text), JSONString.array(values) == text {
                var expected: [IndicatorKind] = []
                let extractor = IndicatorExtractor()
                for value in values {
                    for indicator in extractor.indicators(listed: value) where !expected.contains(indicator.kind) { expected.append(indicator.kind) }
                }
                if first != expected { fatalError("stored-activity: \(first) for \(text.debugDescription); the extractor finds \(expected)") }
            }
        case .savedMonitor:
            // The file a run leaves for the next (damaged, cut, or another program's): read
            // or refused, never a trap; what is read judges more activity and saves again,
            // and saved again it reads back to the same bytes.
            guard let saved = try? SavedMonitor(decoding: Array(bytes), options: .init()) else { return }
            let again = saved.encoded()
            guard let reread = try? SavedMonitor(decoding: again, options: .init()), reread.encoded() == again else {
                fatalError("saved-monitor: a monitor read from \(bytes.count) bytes does not read back from its own")
            }
            var monitor = saved.monitor
            let hour: Int64 = 3_600_000_000
            _ = monitor.observe([LiveAnomalyMonitor.Activity(time: Timestamp(microseconds: 1_795_132_800_000_000), type: "t", entity: "fuzz",
                                                             country: "DE", asn: 1, indicators: ["198.51.100.7"]),
                                 LiveAnomalyMonitor.Activity(time: Timestamp(microseconds: 1_795_132_800_000_000 + 30 * hour), type: "u", entity: "fuzz")])
            _ = SavedMonitor(throughSeq: saved.throughSeq, idAtSeq: saved.idAtSeq, monitor: monitor, risks: saved.risks).encoded()
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
