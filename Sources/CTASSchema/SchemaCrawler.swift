import Foundation

/// Walks a source tree and scans every Rust and Swift file in it. Nothing stops the crawl:
/// unreadable files and directories, binary files, invalid UTF-8, syntax errors, symlink
/// loops and oversized files become diagnostics; build and vendor directories are skipped.
public enum SchemaCrawler {
    public struct Options: Sendable {
        /// Files larger than this are skipped with a note (generated code, mostly).
        public var maxFileBytes = 4 << 20
        /// The languages read (both by default).
        public var languages: Set<SourceLanguage> = [.rust, .swift]
        /// Directory names never entered.
        public var skippedDirectories: Set<String> = ["target", ".build", "vendor", ".git", "node_modules", ".hg", ".svn"]

        public init() {}
    }

    /// Everything a crawl found.
    public struct Result: Sendable {
        public var root: String
        public var types: [TypeInfo] = []
        /// Types declared inside bodies — Rust function, `impl` and `trait` bodies; Swift
        /// function, initializer, accessor, closure and statement bodies — (not the data
        /// model; listed, not analysed).
        public var localTypes: [LocalType] = []
        public var diagnostics: [SchemaDiagnostic] = []
        /// The files read, in crawl order.
        public var files: [String] = []
        public var filesScanned = 0
        public var filesSkipped = 0
        public var lines = 0
        public var bytes = 0
        public var seconds = 0.0
    }

    /// A type declared in a function or impl body.
    public struct LocalType: Codable, Sendable, Equatable {
        public var file: String
        public var line: Int
        public var name: String
        public var kind: String
        /// Swift `#if` clauses around it (as `TypeInfo.conditions`).
        public var conditions: [String] = []
    }

    public static func crawl(_ root: String, options: Options = Options()) -> Result {
        // The parsers recurse per nesting level (swift-syntax's lookahead has no limit of its
        // own): the crawl runs on a thread with a stack deep enough for any file the nesting
        // check lets through, whatever thread the caller is on.
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            outcome.result = crawlOnThisThread(root, options: options)
            done.signal()
        }
        thread.stackSize = 256 << 20
        thread.start()
        done.wait()
        return outcome.result ?? Result(root: root)
    }

    /// Hands the result from the crawl's thread to the caller (the semaphore orders the two).
    private final class Outcome: @unchecked Sendable {   // written by the crawl thread before the semaphore signals, read after it
        var result: Result?
    }

    static func crawlOnThisThread(_ root: String, options: Options) -> Result {
        let started = Date()
        var result = Result(root: root)
        var visited = Set<[UInt64]>()
        var extensions: [SwiftScanner.ExtensionConformance] = []

        func note(_ path: String, _ severity: SchemaDiagnostic.Severity, _ message: String, line: Int? = nil) {
            result.diagnostics.append(SchemaDiagnostic(file: path, line: line, severity: severity, message: message))
        }

        func scanFile(_ path: String, size: Int) {
            let isRust = path.hasSuffix(".rs") && options.languages.contains(.rust)
            let isSwift = path.hasSuffix(".swift") && options.languages.contains(.swift)
            guard isRust || isSwift else { return }
            guard size <= options.maxFileBytes else {
                result.filesSkipped += 1
                note(path, .note, "skipped: \(size) bytes, over the \(options.maxFileBytes)-byte limit (generated code?)")
                return
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                result.filesSkipped += 1
                note(path, .warning, "unreadable: \(String(cString: strerror(errno)))")
                return
            }
            let bytes = [UInt8](data)
            if bytes.prefix(8192).contains(0) {
                result.filesSkipped += 1
                note(path, .note, "skipped: binary (NUL bytes)")
                return
            }
            result.filesScanned += 1
            result.files.append(path)
            result.bytes += bytes.count
            result.lines += bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            if String(validating: bytes, as: UTF8.self) == nil {
                note(path, .warning, "invalid UTF-8; scanned with replacement characters")
            }
            if isRust {
                let found = RustScanner.scanAll(file: path, source: bytes)
                result.types += found.types
                result.diagnostics += found.diagnostics
                result.localTypes += found.local.map { LocalType(file: path, line: $0.line, name: $0.name, kind: $0.kind) }
            } else {
                let found = SwiftScanner.scan(file: path, source: String(decoding: bytes, as: UTF8.self))
                result.types += found.types
                extensions += found.extensions
                result.diagnostics += found.diagnostics
                result.localTypes += found.local.map {
                    LocalType(file: path, line: $0.line, name: $0.name, kind: $0.kind, conditions: $0.conditions)
                }
            }
        }

        func walk(_ path: String, depth: Int) {
            var info = stat()
            guard stat(path, &info) == 0 else {
                var link = stat()
                if lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                    note(path, .note, "skipped: broken symlink")
                } else {
                    note(path, .warning, "cannot read: \(String(cString: strerror(errno)))")
                }
                return
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                let identity = [UInt64(info.st_dev), UInt64(info.st_ino)]
                guard visited.insert(identity).inserted else {
                    note(path, .note, "skipped: already visited (symlink loop or repeated link)")
                    return
                }
                guard depth < 64 else {
                    note(path, .warning, "skipped: nested more than 64 directories deep")
                    return
                }
                let entries: [String]
                do {
                    entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
                } catch {
                    note(path, .warning, "cannot list: \(String(cString: strerror(EACCES)))")
                    return
                }
                for name in entries {
                    if options.skippedDirectories.contains(name) || name.hasPrefix(".build-") || name.hasPrefix(".build_") {
                        var child = stat()
                        if stat(path + "/" + name, &child) == 0, child.st_mode & S_IFMT == S_IFDIR { continue }
                    }
                    walk(path + "/" + name, depth: depth + 1)
                }
            } else if info.st_mode & S_IFMT == S_IFREG {
                scanFile(path, size: Int(info.st_size))
            }
        }

        walk(root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root, depth: 0)
        link(&result.types, extensions: extensions)
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// Adds extension conformances to their types and fills each field's references to
    /// other discovered types of the same language.
    static func link(_ types: inout [TypeInfo], extensions: [SwiftScanner.ExtensionConformance]) {
        var byName: [String: [Int]] = [:]
        for (i, t) in types.enumerated() {
            byName[t.name, default: []].append(i)
            if t.path.count > 0 { byName[t.qualifiedName, default: []].append(i) }
        }
        for e in extensions {
            for i in byName[e.extendedType] ?? byName[String(e.extendedType.split(separator: ".").last ?? "")] ?? [] where types[i].language == .swift {
                for c in e.conformances where !types[i].conformances.contains(c) { types[i].conformances.append(c) }
            }
        }
        let names: [SourceLanguage: Set<String>] = Dictionary(grouping: types, by: \.language).mapValues { Set($0.map(\.name)) }
        for i in types.indices {
            let known = names[types[i].language] ?? []
            func refs(_ f: FieldInfo) -> [String] {
                var seen = Set<String>()
                return TypeShape.names(in: f.type).filter { known.contains($0) && $0 != types[i].name && seen.insert($0).inserted }
            }
            for f in types[i].fields.indices { types[i].fields[f].references = refs(types[i].fields[f]) }
            for v in types[i].variants.indices {
                for f in types[i].variants[v].fields.indices {
                    types[i].variants[v].fields[f].references = refs(types[i].variants[v].fields[f])
                }
            }
        }
    }
}
