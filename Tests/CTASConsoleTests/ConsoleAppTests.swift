import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASConsole

@Suite struct ConsoleAppTests {
    init() { _ = utf8Locale }

    func feedEngine(events: Int) throws -> Engine {
        let dir = Scratch.path("console")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var generator = FeedGenerator(options: FeedGenerator.Options())
        var bytes: [UInt8] = []
        for _ in 0..<events { generator.appendNext(to: &bytes) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/feed.ndjson"))
        var c = Engine.Configuration(sources: [.file(dir + "/feed.ndjson")], dataDirectory: DataDirectory(path: dir + "/data"))
        c.holdAtEnd = true
        c.publishInterval = .milliseconds(20)
        return try Engine(c)
    }

    @MainActor
    @Test func runsDrawsAnswersKeysAndQuitsCleanly() async throws {
        let engine = try feedEngine(events: 3000)
        let terminal = MemoryTerminal(width: 140, height: 40)
        var options = ConsoleOptions()
        options.framesPerSecond = 30
        let app = ConsoleApp(engine: engine, terminal: terminal, options: options, keymap: .standard, theme: ThemeCatalog.standard,
                             catalog: ThemeCatalog(userDirectory: nil))
        let driver = Task { @MainActor in
            // Wait until everything is in, then drive the keys an analyst would press; each
            // step waits for its frame (30 s at most: a loaded machine schedules slowly).
            @MainActor func frame(showing text: String) async -> String {
                #expect(await waitFor { terminal.lastFrame?.text.contains(text) == true }, "a frame showing \(text)")
                return terminal.lastFrame?.text ?? ""
            }
            #expect(await waitFor(300) { engine.snapshot.totals.accepted == 3000 })
            _ = await frame(showing: "3,000")
            terminal.pending = [.key(.character("?"))]
            let help = await frame(showing: "Help (esc closes")
            terminal.pending = [.key(.escape), .key(.character("/"))] + "sev>=9".map { .key(.character($0)) } + [.key(.enter)]
            let filtered = await frame(showing: "filter sev>=9")
            terminal.pending = [.key(.character(":"))] + "theme solarized-dark".map { .key(.character($0)) } + [.key(.enter)]
            #expect(await waitFor { app.theme.name == "solarized-dark" })
            terminal.width = 40
            terminal.height = 10
            terminal.pending = [.resize]
            let tiny = await frame(showing: "terminal too small")
            terminal.width = 140
            terminal.height = 40
            terminal.pending = [.resize, .key(.character("q"))]
            return (help, filtered, tiny)
        }
        let summary = await app.run()
        let (help, filtered, tiny) = await driver.value
        #expect(summary.accepted == 3000)
        #expect(terminal.shutDown, "the terminal is restored")
        #expect(help.contains("Help (esc closes"))
        #expect(filtered.contains("filter sev>=9"))
        let rows = filtered.split(separator: "\n").filter { $0.contains("│") && $0.range(of: #"\d\d:\d\d:\d\d +\d+ "#, options: .regularExpression) != nil }
        #expect(!rows.isEmpty)
        for row in rows {
            let sev = row.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            #expect(sev >= 9, "row shown under sev>=9: \(row)")
        }
        #expect(app.theme.name == "solarized-dark")
        #expect(tiny.contains("terminal too small"))
        #expect(app.frames.frames > 5)
    }
}
