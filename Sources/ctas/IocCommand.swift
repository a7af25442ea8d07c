import ArgumentParser
import CTASCore
import CTASFeeds
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
            Finds IPv4/IPv6 addresses, domains, URLs, e-mail addresses, MD5/SHA-1/SHA-256 hashes and CVE ids, plain or \
            defanged ([.], (dot), hxxp, [:], [://], fxp, [@]…), in canonical form (refanged, lower case where the type \
            is case-insensitive). Any bytes are accepted: invalid UTF-8 and binary data are scanned, never fatal. \
            An unreadable file is reported on stderr and the others are still read (exit code 1 at the end).
            """)


    @Argument(help: "Files to read; - or nothing reads stdin.")
    var files: [String] = []

    @Option(help: "Output: text, json or ndjson.")
    var format: IndicatorListWriter.Format = .text

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
        let output = IndicatorListWriter(format: format, showFile: files.count > 1, sanitize: isTerminal(1))
        var failures = 0
        var seen: [Indicator: Int] = [:]
        var firstSeen: [(String, ExtractedIndicator)] = []
        output.begin()
        for file in files.isEmpty ? ["-"] : files {
            do {
                try IndicatorFileScanner.scan(path: file) { found in
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
                StandardStreams.writeError("ctas ioc extract: \(SafeText.sanitize(file)): \(error)\n")
            }
        }
        for (file, item) in firstSeen { output.write(item, file: file, count: seen[item.indicator]) }
        output.end()
        if failures > 0 { throw ExitCode(1) }
    }
}

extension IndicatorListWriter.Format: ExpressibleByArgument {}
