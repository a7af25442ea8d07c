import CNCurses
import CTASCore
import CTASEngine
import Foundation

/// Starts the console for the command line: locale and glyphs, config and theme, the
/// engine, signal handling (before ncurses, so it takes neither quitting nor Ctrl-Z for itself),
/// the terminal, the loop; and restores the terminal whatever happens.
public enum ConsoleLauncher {
    public struct Request {
        public var engine: Engine.Configuration
        public var theme: String?
        public var ascii = false
        public var framesPerSecond: Int?
        public var mouse: Bool?
        public var demo = false

        public init(engine: Engine.Configuration) { self.engine = engine }
    }

    /// Whether the locale can show Unicode (after `setlocale`).
    public static func localeIsUTF8() -> Bool {
        guard let codeset = cn_codeset() else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }

    /// Runs the console; returns the exit status (0 after a clean stop, also on SIGTERM or
    /// SIGHUP; 1 when it cannot start).
    @MainActor
    public static func run(_ request: Request, environment: [String: String]) async -> Int32 {
        setlocale(LC_ALL, "")
        let ascii = request.ascii || !localeIsUTF8()
        var messages: [String] = []
        let (config, configProblem) = ConsoleConfig.load(environment: environment)
        if let configProblem { messages.append(configProblem) }
        let catalog = ThemeCatalog(userDirectory: ThemeCatalog.userDirectory(environment: environment))
        let requestedTheme = request.theme ?? config.theme
        var (theme, themeProblem) = catalog.initial(requested: requestedTheme, environment: environment)
        if let themeProblem { messages.append(themeProblem) }

        let framesPerSecond = max(1, min(60, request.framesPerSecond ?? config.framesPerSecond ?? ConsoleOptions.defaultFramesPerSecond))
        // No snapshot the console would not draw: the engine publishes at the frame rate (at
        // most its own ten a second).
        var engineConfiguration = request.engine
        engineConfiguration.publishInterval = max(engineConfiguration.publishInterval, .milliseconds(1000 / framesPerSecond))
        let engine: Engine
        do throws(EngineError) {
            engine = try Engine(engineConfiguration)
        } catch {
            StandardStreams.writeError("ctas: \(error.message)\n")
            return 1
        }

        // Signals: flush, checkpoint, restore the terminal, exit 0; Ctrl-Z suspends between
        // frames. Caught before ncurses starts, so it leaves all four alone (see `signalSources`).
        let quit = AppRelay { $0.requestQuit() }
        let suspend = AppRelay { $0.requestSuspend() }
        let sources = signalSources(quit: quit, suspend: suspend)
        defer { sources.forEach { $0.cancel() } }

        let terminal: NCursesTerminal
        do throws(TerminalError) {
            terminal = try NCursesTerminal(mouse: request.mouse ?? config.mouse ?? false, environment: environment)
        } catch {
            StandardStreams.writeError("ctas: \(error.message)\n")
            _ = await engine.stop()
            return 1
        }
        if terminal.colorDepth == .monochrome && requestedTheme == nil, let mono = try? catalog.load("monochrome") {
            theme = mono
        }
        var options = ConsoleOptions()
        options.ascii = ascii
        options.demo = request.demo
        options.framesPerSecond = framesPerSecond
        options.mouse = request.mouse ?? config.mouse ?? false
        var landMask: LandMask?
        if let path = LandMask.findBundled(environment: environment, executable: CommandLine.arguments.first ?? "ctas") {
            do throws(LandMask.LoadError) { landMask = try LandMask(path: path) } catch { messages.append(error.message) }
        }
        var atlas: WorldAtlas?
        if let path = WorldAtlas.findBundled(environment: environment, executable: CommandLine.arguments.first ?? "ctas") {
            do throws(WorldAtlas.LoadError) { atlas = try WorldAtlas(path: path) } catch { messages.append(error.message) }
        }
        let app = ConsoleApp(engine: engine, terminal: terminal, options: options, keymap: config.keymap, theme: theme,
                             catalog: catalog, landMask: landMask, atlas: atlas, startupMessage: messages.isEmpty ? nil : messages.joined(separator: "; "))
        quit.target = app
        suspend.target = app
        app.watchInput(fileDescriptor: terminal.keyDescriptor)
        let summary = await app.run()
        let line = "ctas: accepted \(summary.accepted), rejected \(summary.rejected), duplicates \(summary.duplicates)"
            + (summary.dropped > 0 ? ", dropped \(summary.dropped)" : "") + "; data in \(summary.dataDirectory)\n"
        StandardStreams.writeError(line)
        if let failure = summary.failure {
            StandardStreams.writeError("ctas: \(failure)\n")
            return 1
        }
        return 0
    }
}

/// SIGINT, SIGTERM and SIGHUP (quit) and SIGTSTP (suspend between frames) handled on a
/// dispatch queue. Built outside the main actor so the handlers are not isolated to it.
///
/// Installed before ncurses starts: ncurses takes over a signal only while it is left at its
/// default action. Had it taken SIGTSTP, every screen update would set the signal to be
/// ignored and then put back what it found: a Ctrl-Z during an update was lost (0.2% of the
/// time in the demo), and a handler installed while an update ran was overwritten.
nonisolated func signalSources(quit: AppRelay, suspend: AppRelay) -> [DispatchSourceSignal] {
    let signals = [(SIGINT, quit), (SIGTERM, quit), (SIGHUP, quit), (SIGTSTP, suspend)]
    let sources = signals.map { signo, relay in
        signal(signo, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
        source.setEventHandler { @Sendable in relay.fire() }
        source.resume()
        return source
    }
    SignalTrap.waitForHandlers(signals.map(\.0))   // ignored, not caught, until then
    return sources
}

/// Forwards a signal's request (quit, suspend) to the app once it exists: one caught before
/// is delivered when the app is set.
final class AppRelay: @unchecked Sendable {   // its state is only touched under `lock`
    private let lock = NSLock()
    private var fired = false
    private weak var app: ConsoleApp?
    private let request: @Sendable (ConsoleApp) -> Void

    init(_ request: @escaping @Sendable (ConsoleApp) -> Void) { self.request = request }

    var target: ConsoleApp? {
        get { lock.withLock { app } }
        set {
            let fire = lock.withLock { () -> Bool in
                app = newValue
                return fired
            }
            if fire, let newValue { request(newValue) }
        }
    }

    func fire() {
        let current = lock.withLock { () -> ConsoleApp? in
            fired = true
            return app
        }
        if let current { request(current) }
    }
}
