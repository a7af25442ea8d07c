/// Finds indicators of compromise in text: IPv4 and IPv6 addresses, domains, URLs, e-mail
/// addresses, MD5/SHA-1/SHA-256 hashes and CVE ids, written plainly or defanged (`[.]`,
/// `(dot)`, `hxxp`, `[:]`, `[://]`, `fxp`, `[@]`…), each in canonical form.
///
/// Precision matters as much as recall: dotted numbers that are not addresses (OIDs,
/// versions), names whose "TLD" is a file extension (`setup.py`), code identifiers
/// (`System.IO`) and names whose last label is no real TLD are left out. A value written
/// defanged or inside a URL is trusted as an indicator; the heuristics apply to plain text.
///
/// Foundation-free byte scanning; see `ctas bench ioc` for its throughput.
public struct IndicatorExtractor: Sendable {
    public init() {}

    /// Every indicator occurrence in `text`, in order.
    public func extract(from text: String) -> [ExtractedIndicator] {
        var text = text
        return text.withUTF8 { extract(from: $0) }
    }

    /// Every indicator occurrence in UTF-8 (or any) bytes, in order. Bytes that are not
    /// ASCII separate tokens, so invalid UTF-8 and binary data are scanned, never fatal.
    ///
    /// To scan a stream in pieces, cut it after a line break (no indicator spans one) and
    /// pass the piece's first line number and byte offset: lines and offsets then count
    /// from the start of the stream.
    public func extract(from bytes: UnsafeBufferPointer<UInt8>, firstLine: Int = 1, offset: Int = 0) -> [ExtractedIndicator] {
        var scanner = IndicatorScanner(mode: .text)
        scanner.scan(bytes, firstLine: firstLine)
        guard let base = bytes.baseAddress else { return [] }
        return scanner.found.map { f in
            let raw = UnsafeBufferPointer(start: base + f.rawStart, count: f.rawEnd - f.rawStart)
            // Most indicators are written exactly in canonical form: share the value's storage.
            var value = f.value
            let same = value.withUTF8 { $0.elementsEqual(raw) }
            let written = same ? f.value : String(decoding: raw, as: UTF8.self)
            return ExtractedIndicator(indicator: Indicator(f.kind, f.value), line: f.line, offset: offset + f.rawStart,
                                      written: written, defanged: f.defanged)
        }
    }

    /// The distinct indicators of `text` (running text: the heuristics apply).
    public func indicators(in text: String) -> [Indicator] {
        var scanner = IndicatorScanner(mode: .text)
        var text = text
        text.withUTF8 { scanner.scan($0) }
        return Self.distinct(scanner.found)
    }

    /// The indicators of a value a feed listed as one: taken at its word (no file-name or
    /// code heuristics), defanged forms read back. A value that matches no typed form is
    /// kept as `.other`, trimmed, so it still correlates by exact text.
    public func indicators(listed value: String) -> [Indicator] {
        var scanner = IndicatorScanner(mode: .listed)
        var text = value
        text.withUTF8 { scanner.scan($0) }
        if scanner.found.isEmpty {
            let trimmed = value.trimmingASCIIWhitespace()
            guard !trimmed.isEmpty, trimmed.utf8.count <= IndicatorScanner.maximumValueBytes else { return [] }
            return [Indicator(.other, trimmed)]
        }
        return Self.distinct(scanner.found)
    }

    /// The distinct indicators of an event: its listed values and its description.
    public func indicators(of event: Event) -> [Indicator] {
        let listed = event.indicators
        var out: [Indicator] = []
        out.reserveCapacity(listed.count + 4)
        var scanner = IndicatorScanner(mode: .listed)
        for value in listed {
            scanner.reset(mode: .listed)
            var text = value
            text.withUTF8 { scanner.scan($0) }
            if scanner.found.isEmpty {
                let trimmed = value.trimmingASCIIWhitespace()
                if !trimmed.isEmpty, trimmed.utf8.count <= IndicatorScanner.maximumValueBytes {
                    Self.appendDistinct(Indicator(.other, trimmed), to: &out)
                }
            }
            for f in scanner.found { Self.appendDistinct(Indicator(f.kind, f.value), to: &out) }
        }
        if let description = event.description {
            scanner.reset(mode: .text)
            var text = description
            text.withUTF8 { scanner.scan($0) }
            for f in scanner.found { Self.appendDistinct(Indicator(f.kind, f.value), to: &out) }
        }
        return out
    }

    /// Appends unless present: a linear search beats hashing for the handful an event holds.
    private static func appendDistinct(_ indicator: Indicator, to out: inout [Indicator]) {
        if out.count < 32 {
            for existing in out where existing == indicator { return }
        } else if out.contains(indicator) {
            return
        }
        out.append(indicator)
    }

    private static func distinct(_ found: [IndicatorScanner.Found]) -> [Indicator] {
        if found.count == 1 { return [Indicator(found[0].kind, found[0].value)] }
        var out: [Indicator] = []
        var seen: Set<Indicator> = []
        for f in found {
            let indicator = Indicator(f.kind, f.value)
            if seen.insert(indicator).inserted { out.append(indicator) }
        }
        return out
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    public func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        // Nothing to trim (nearly every value): the same string, not a copy of it.
        if first == startIndex && index(after: last) == endIndex { return self }
        return String(self[first...last])
    }
}
