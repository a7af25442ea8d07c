import CTASCore
import CTASFeeds
import Foundation
import CTASTestSupport

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

    /// Runs `ctas args…` to completion, feeding `input` on stdin. Never blocks a thread of
    /// the cooperative pool (the engine tests running alongside need it): pipes are read on
    /// threads of their own and the exit is awaited.
    static func run(_ args: [String], input: Data? = nil, environment: [String: String] = [:]) async throws -> Result {
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
        let exit = ExitWaiter(process)
        try process.run()
        let writer = Thread {
            if let input { inPipe.fileHandleForWriting.write(input) }
            try? inPipe.fileHandleForWriting.close()
        }
        writer.start()
        let stdout = ReadAll(out.fileHandleForReading)
        let stderr = ReadAll(err.fileHandleForReading)
        let status = await exit.status()
        return Result(status: status, output: await stdout.data(), stderr: String(decoding: await stderr.data(), as: UTF8.self))
    }

    /// Starts `ctas args…` without waiting; `ExitWaiter` awaits it.
    static func start(_ args: [String]) throws -> (Process, ExitWaiter) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exit = ExitWaiter(process)
        try process.run()
        return (process, exit)
    }
}

/// Sends `signal` to `process` after `seconds`, timed on a thread of its own (a sleeping
/// task on a busy cooperative pool may wake late). Returns whether it was still running.
func signal(_ process: Process, _ signal: Int32, after seconds: Double) async -> Bool {
    await withCheckedContinuation { c in
        Thread {
            Thread.sleep(forTimeInterval: seconds)
            let running = process.isRunning
            if running { kill(process.processIdentifier, signal) }
            c.resume(returning: running)
        }.start()
    }
}

/// Awaits a process's exit without blocking a thread.
final class ExitWaiter: @unchecked Sendable {   // state only touched under `lock`
    private let lock = NSLock()
    private var code: Int32?
    private var waiter: CheckedContinuation<Int32, Never>?

    init(_ process: Process) {
        process.terminationHandler = { [self] p in
            lock.lock()
            code = p.terminationStatus
            let w = waiter
            waiter = nil
            lock.unlock()
            w?.resume(returning: p.terminationStatus)
        }
    }

    func status() async -> Int32 {
        await withCheckedContinuation { c in
            lock.lock()
            if let code {
                lock.unlock()
                c.resume(returning: code)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }
}

/// Reads a handle to its end on a thread of its own; `data()` awaits the result.
final class ReadAll: @unchecked Sendable {   // state only touched under `lock`
    private let lock = NSLock()
    private var result: Data?
    private var waiter: CheckedContinuation<Data, Never>?

    init(_ handle: FileHandle) {
        Thread { [self] in
            let data = handle.readDataToEndOfFile()
            lock.lock()
            result = data
            let w = waiter
            waiter = nil
            lock.unlock()
            w?.resume(returning: data)
        }.start()
    }

    func data() async -> Data {
        await withCheckedContinuation { c in
            lock.lock()
            if let result {
                lock.unlock()
                c.resume(returning: result)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }
}

func scratchDir(_ name: String = #function) -> String {
    return Scratch.directory("e2e-\(name.filter { $0.isLetter })")
}

/// Writes `events` events of a feed generated with `options` to `path`; returns the
/// generator, which knows what it planted.
@discardableResult
func writeFeed(_ options: FeedGenerator.Options, events: Int, to path: String) throws -> FeedGenerator {
    var generator = FeedGenerator(options: options)
    var data: [UInt8] = []
    for _ in 0..<events { generator.appendNext(to: &data) }
    try Data(data).write(to: URL(fileURLWithPath: path))
    return generator
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
