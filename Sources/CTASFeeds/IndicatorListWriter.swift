import CTASCore

/// Writes extracted indicators as text columns, a JSON array or JSON lines.
public struct IndicatorListWriter {
    /// How the list is written.
    public enum Format: String, Sendable, CaseIterable { case text, json, ndjson }

    public var format: Format
    /// Prefix each text line with the file name (several files).
    public var showFile: Bool
    /// Show control characters escaped (output to a terminal).
    public var sanitize: Bool
    private let out = BufferedOutput()

    public init(format: Format, showFile: Bool, sanitize: Bool) {
        self.format = format
        self.showFile = showFile
        self.sanitize = sanitize
    }

    public func begin() { if format == .json { out.write("[") } }

    public func end() {
        if format == .json { out.write(out.written > 1 ? "\n]\n" : "]\n") }
        out.flush()
    }

    public func write(_ item: ExtractedIndicator, file: String, count: Int?) {
        switch format {
        case .text:
            var line = showFile ? "\(file):\(item.line)\t" : "\(item.line)\t"
            line += "\(item.kind.name)\t\(item.value)"
            if item.written != item.value { line += "\t\(item.written)" }
            if let count { line += "\t×\(count)" }
            out.write((sanitize ? SafeText.sanitize(line) : line) + "\n")
        case .json, .ndjson:
            var bytes: [UInt8] = []
            if format == .json { bytes.append(contentsOf: (out.written > 1 ? ",\n " : "\n ").utf8) }
            bytes.append(contentsOf: #"{"file":"#.utf8)
            JSONString.append(file, to: &bytes)
            bytes.append(contentsOf: #","line":\#(item.line),"offset":\#(item.offset),"type":"#.utf8)
            JSONString.append(item.kind.name, to: &bytes)
            bytes.append(contentsOf: #","value":"#.utf8)
            JSONString.append(item.value, to: &bytes)
            bytes.append(contentsOf: #","written":"#.utf8)
            JSONString.append(item.written, to: &bytes)
            bytes.append(contentsOf: #","defanged":\#(item.defanged)"#.utf8)
            if let count { bytes.append(contentsOf: #","count":\#(count)"#.utf8) }
            bytes.append(contentsOf: (format == .ndjson ? "}\n" : "}").utf8)
            out.write(bytes)
        }
    }
}
