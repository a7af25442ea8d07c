import CTASCore
import CTASFeeds
import Foundation

/// Runs the real `ctas` binary built next to the test bundle (or `CTAS_BINARY`).
enum CLI {
    static var binary: String {
        if let override = ProcessInfo.processInfo.environment["CTAS_BINARY"] { return override }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("ctas").path
    }

    struct Result {
        var status: Int32
        /// Raw bytes: a feed may hold invalid UTF-8 on purpose, which a String would repair.
        var output: Data
        var stderr: String
        var stdout: String { String(decoding: output, as: UTF8.self) }
    }

    /// Runs `ctas args…` to completion, feeding `input` on stdin.
    static func run(_ args: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        let writer = Thread {
            if let input { inPipe.fileHandleForWriting.write(input) }
            try? inPipe.fileHandleForWriting.close()
        }
        writer.start()
        let errReader = ReadAll(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: stdout, stderr: String(decoding: errReader.wait(), as: UTF8.self))
    }

    /// Starts `ctas args…` without waiting.
    static func start(_ args: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// Reads a handle to its end on a background thread.
final class ReadAll: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

func scratchDir(_ name: String = #function) -> String {
    let path = NSTemporaryDirectory() + "ctas-e2e-\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A generated feed written to disk, with what a correct ingest must end up holding.
struct GeneratedFeed {
    var path: String
    var ids: Set<String>
    var rejects: Int
    var bytes: Int

    init(dir: String, events: Int, seed: UInt64, malformed: Double) throws {
        var options = FeedGenerator.Options()
        options.seed = seed
        options.malformedRate = malformed
        var generator = FeedGenerator(options: options)
        var data: [UInt8] = []
        for _ in 0..<events { generator.appendNext(to: &data) }
        path = dir + "/feed.ndjson"
        try Data(data).write(to: URL(fileURLWithPath: path))
        bytes = data.count
        let counts = generator.counts
        rejects = FeedGenerator.Injection.allCases.filter(\.isRejected).reduce(0) { $0 + (counts[$1.rawValue] ?? 0) }
        // The ids a correct ingest stores: every valid event's, once.
        let reader = try FileFeedReader(path: path)
        var decoder = FeedDecoder(format: .ndjson, sourceName: path)
        var all = Set<String>()
        while case .lines(let batch) = try reader.read(maxBytes: 1 << 20) {
            for e in try decoder.decode(batch).events { all.insert(e.id) }
        }
        ids = all
    }
}

func json(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}
