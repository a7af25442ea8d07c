import ArgumentParser
import CTASCore
import Foundation

struct IocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ioc",
        abstract: "Indicators of compromise in text.",
        subcommands: [IocExtractCommand.self])
}

struct IocExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Print every indicator in files or stdin: type, canonical value, line, and the text as written.",
        discussion: """
            Finds IPv4/IPv6 addresses, domains, URLs, e-mail addresses, MD5/SHA-1/SHA-256 hashes and CVE ids, plain or
            defanged ([.], (dot), hxxp, [:], [://], fxp, [@]…), in canonical form (refanged, lower case where the type
            is case-insensitive). Any bytes are accepted: invalid UTF-8 and binary data are scanned, never fatal.
            An unreadable file is reported on stderr and the others are still read (exit code 1 at the end).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, ndjson }

    @Argument(help: "Files to read; - or nothing reads stdin.")
    var files: [String] = []

    @Option(help: "Output: text, json or ndjson.")
    var format: Format = .text

    @Option(help: "Only indicators of this type (repeatable): ipv4, ipv6, domain, url, email, md5, sha1, sha256, cve.")
    var type: [String] = []

    @Flag(help: "Each value once (its first occurrence), with how many times it occurs.")
    var unique = false

    func validate() throws {
        for name in type where IndicatorKind(name: name) == nil || name == "other" {
            throw ValidationError("--type \(name): expected one of ipv4, ipv6, domain, url, email, md5, sha1, sha256, cve")
        }
    }

    func run() throws {
        let kinds = Set(type.compactMap(IndicatorKind.init(name:)))
        let output = IocOutput(format: format, showFile: files.count > 1, sanitize: isTerminal(1))
        var failures = 0
        var seen: [Indicator: Int] = [:]
        var firstSeen: [(String, ExtractedIndicator)] = []
        output.begin()
        for file in files.isEmpty ? ["-"] : files {
            do {
                try IocFileReader.scan(path: file) { found in
                    for item in found where kinds.isEmpty || kinds.contains(item.kind) {
                        if unique {
                            if let n = seen[item.indicator] { seen[item.indicator] = n + 1 } else {
                                seen[item.indicator] = 1
                                firstSeen.append((file, item))
                            }
                        } else {
                            output.write(item, file: file, count: nil)
                        }
                    }
                }
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("ctas ioc extract: \(SafeText.sanitize(file)): \(error)\n".utf8))
            }
        }
        for (file, item) in firstSeen { output.write(item, file: file, count: seen[item.indicator]) }
        output.end()
        if failures > 0 { throw ExitCode(1) }
    }
}

/// Reads a file (or stdin) in pieces cut after a line break and hands each piece's
/// indicators on, with lines and offsets counted from the start of the file.
enum IocFileReader {
    struct ReadError: Error, CustomStringConvertible {
        var description: String
    }

    static let chunkBytes = 4 << 20

    static func scan(path: String, _ body: ([ExtractedIndicator]) -> Void) throws {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(description: String(cString: strerror(errno))) }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw ReadError(description: "is a directory") }
        let extractor = IndicatorExtractor()
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var filled = 0
        var line = 1
        var offset = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + filled, raw.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: String(cString: strerror(errno)))
            }
            let atEnd = n == 0
            filled += n
            // Scan up to the last line break (everything at the end of input). A full buffer
            // without one (binary data, one huge line) is cut after a byte that always
            // separates tokens, else where it ends: no indicator is megabytes long.
            var cut = filled
            if !atEnd {
                if let lastBreak = buffer[0..<filled].lastIndex(of: 0x0A) {
                    cut = lastBreak + 1
                } else if filled < buffer.count {
                    continue
                } else if let separator = buffer[0..<filled].lastIndex(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == 0x22 || $0 == 0x3C || $0 == 0x3E }) {
                    cut = separator + 1
                }
            }
            if cut > 0 {
                let found = buffer.withUnsafeBufferPointer { all in
                    extractor.extract(from: UnsafeBufferPointer(rebasing: all[0..<cut]), firstLine: line, offset: offset)
                }
                body(found)
                line += buffer[0..<cut].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                offset += cut
                buffer.removeSubrange(0..<cut)
                buffer.append(contentsOf: [UInt8](repeating: 0, count: cut))
                filled -= cut
            }
            if atEnd { return }
        }
    }
}

/// Writes extracted indicators as text columns, a JSON array or JSON lines.
struct IocOutput {
    var format: IocExtractCommand.Format
    var showFile: Bool
    var sanitize: Bool
    private let out = BufferedOutput()

    init(format: IocExtractCommand.Format, showFile: Bool, sanitize: Bool) {
        self.format = format
        self.showFile = showFile
        self.sanitize = sanitize
    }

    func begin() { if format == .json { out.write("[") } }

    func end() {
        if format == .json { out.write(out.written > 1 ? "\n]\n" : "]\n") }
        out.flush()
    }

    func write(_ item: ExtractedIndicator, file: String, count: Int?) {
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

/// Standard output with a buffer (one write per 64 KiB instead of one per line).
final class BufferedOutput {
    private var buffer: [UInt8] = []
    private(set) var written = 0

    func write(_ text: String) { write(Array(text.utf8)) }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        written += bytes.count
        if buffer.count >= 65_536 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
