import Foundation
import Testing
@testable import CTASConsole
import CTASTestSupport

@Suite struct ThemeTests {
    var themesDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Themes").standardized.path
    }

    @Test func builtInThemesAreTheThemesDirectory() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: themesDirectory).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(files.map { String($0.dropLast(5)) } == ThemeCatalog.builtInNames)
        for file in files {
            let text = try String(contentsOfFile: themesDirectory + "/" + file, encoding: .utf8)
            #expect(BuiltInThemes.files[String(file.dropLast(5))] == text, "\(file) is embedded as it is (run Generator/embed-themes.py)")
        }
        #expect(files.count >= 5)
    }

    @Test func everyBuiltInThemeLoadsAndDefinesEveryRole() throws {
        let catalog = ThemeCatalog(userDirectory: nil)
        for name in ThemeCatalog.builtInNames {
            let theme = try catalog.load(name)
            let text = BuiltInThemes.files[name] ?? ""
            for role in Role.allCases { #expect(text.contains("\n\(role.rawValue) = "), "\(name) defines \(role.rawValue)") }
            #expect(theme.name == name)
        }
        #expect(throws: ConfigError.self) { try catalog.load("no-such-theme") }
    }

    /// Legible maps: the hottest step is a colour (not white, which reads as empty on a dark
    /// screen and as nothing on a light one), the light theme paints its own background, and
    /// a theme without density colours (monochrome) is known as such (the map then draws glyphs).
    @Test func mapsStayLegibleInEveryTheme() throws {
        let catalog = ThemeCatalog(userDirectory: nil)
        for name in ThemeCatalog.builtInNames {
            let theme = try catalog.load(name)
            #expect(theme.hasDensityColours == (name != "monochrome"), "\(name)")
            if name != "monochrome" {
                // Its own text colours on its own background: legible on dark and light terminals alike.
                #expect(theme.background != .terminalDefault, "\(name) paints its own background")
                let hottest = theme.resolve(Style(.density9), depth: .colors256).foreground
                #expect(hottest != 15 && hottest != 231 && hottest != 255 && hottest != 230, "\(name): the hottest cell is white-ish (\(hottest))")
                let outline = theme.resolve(Style(.outline), depth: .colors256).foreground
                #expect(outline != theme.resolve(Style(.land), depth: .colors256).foreground, "\(name): outlines differ from the land")
            }
        }
        let light = try catalog.load("light")
        #expect(light.background != .terminalDefault, "the light theme sets its own background")
        #expect(light.resolve(Style(.text), depth: .colors256).background == light.resolve(Style(.muted), depth: .colors256).background)
    }

    @Test func colourDegradesToWhatTheTerminalHas() {
        let red = ThemeColor.rgb(0xD7, 0x00, 0x00)
        #expect(red.index(depth: .colors256) == 160)
        #expect(red.index(depth: .colors16) == 1)
        #expect(red.index(depth: .colors8) == 1)
        #expect(red.index(depth: .monochrome) == -1)
        #expect(ThemeColor.rgb(0xFF, 0xFF, 0xFF).index(depth: .colors256) == 231)
        #expect(ThemeColor.rgb(0x80, 0x80, 0x80).index(depth: .colors256) == 244)
        #expect(ThemeColor.indexed(208).index(depth: .colors8) == 1 || ThemeColor.indexed(208).index(depth: .colors8) == 3)
        #expect(ThemeColor.indexed(12).index(depth: .colors16) == 12)
        #expect(ThemeColor.terminalDefault.index(depth: .colors256) == -1)
        #expect(ThemeColor("#1C1C1C") == .rgb(0x1C, 0x1C, 0x1C))
        #expect(ThemeColor("color255") == .indexed(255))
        #expect(ThemeColor("bright-blue") == .indexed(12))
        #expect(ThemeColor("color256") == nil && ThemeColor("#12345") == nil && ThemeColor("chartreuse") == nil)
        let theme = ThemeCatalog.standard
        let critical = theme.resolve(Style(.severityCritical), depth: .colors8)
        #expect(critical.bold && critical.background >= 0 && critical.background < 8)
        let mono = theme.resolve(Style(.severityCritical), depth: .monochrome)
        #expect(mono.foreground == -1 && mono.background == -1 && mono.bold)
        // Half blocks: the background role's colour becomes the background.
        let pixel = theme.resolve(Style(.density9, background: .density0), depth: .colors256)
        #expect(pixel.foreground != pixel.background)
    }

    @Test func noColorChoosesMonochromeAndBadThemesNameFileAndKey() throws {
        let catalog = ThemeCatalog(userDirectory: nil)
        #expect(catalog.initial(requested: nil, environment: ["NO_COLOR": "1"]).0.name == "monochrome")
        #expect(catalog.initial(requested: nil, environment: [:]).0.name == "default")
        #expect(catalog.initial(requested: "light", environment: ["NO_COLOR": "1"]).0.name == "light", "an explicit theme wins")
        let dir = Scratch.path("themes")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "name = \"mine\"\n[colors]\ntext = \"#ff0000\"\n".write(toFile: dir + "/mine.toml", atomically: true, encoding: .utf8)
        try "name = \"bad\"\n[colors]\ntext = \"#ff0000\"\nsevrity-high = \"red\"\n".write(toFile: dir + "/bad.toml", atomically: true, encoding: .utf8)
        try "[colors]\nborder = \"#ff0000 blinking\"\n".write(toFile: dir + "/worse.toml", atomically: true, encoding: .utf8)
        let user = ThemeCatalog(userDirectory: dir)
        let mine = try user.load("mine")
        #expect(mine.roles[.text]?.foreground == .rgb(255, 0, 0))
        #expect(mine.roles[.border] == ThemeCatalog.standard.roles[.border], "missing roles come from the default")
        #expect(user.names.contains("mine") && user.names.contains("solarized-dark"))
        do {
            _ = try user.load("bad")
            Issue.record("loaded a bad theme")
        } catch {
            #expect(error.message.hasPrefix(dir + "/bad.toml:4:") && error.message.contains("'sevrity-high'"))
        }
        let (fallback, problem) = user.initial(requested: "worse", environment: [:])
        #expect(fallback.name == "default")
        #expect(problem?.contains("worse.toml:2") == true && problem?.contains("'blinking'") == true && problem?.contains("using the default") == true)
    }
}

@Suite struct ConfigTests {
    @Test func keysRebindAndConsoleSettings() throws {
        let config = try ConsoleConfig(text: """
            # my console
            [console]
            theme = "light"
            fps = 20
            mouse = true

            [keys]
            quit = ["x", "ctrl-q"]
            pause = "space"

            [keys.feed]
            open = "o"
            """, origin: "config.toml")
        #expect(config.theme == "light" && config.framesPerSecond == 20 && config.mouse == true)
        #expect(config.keymap.action(for: .character("x"), in: .global) == .quit)
        #expect(config.keymap.action(for: .control("q"), in: .feed) == .quit)
        #expect(config.keymap.action(for: .character("q"), in: .global) == nil, "the old key is unbound")
        #expect(config.keymap.action(for: .character(" "), in: .global) == .pause)
        #expect(config.keymap.action(for: .character("o"), in: .feed) == .open)
        #expect(config.keymap.helpLines(for: .global).contains { $0.keys == "x ctrl-q" && $0.summary.hasPrefix("quit") })
    }

    @Test(arguments: [
        ("[keys]\nfly = \"f\"", "config.toml:2: unknown action 'fly'"),
        ("[keys]\nquit = \"notakey\"", "config.toml:2: 'quit': 'notakey' is not a key"),
        ("[keys.sidebar]\nquit = \"q\"", "config.toml:2: unknown table [keys.sidebar]"),
        ("[console]\nfps = 500", "config.toml:2: 'fps' must be 1–60"),
        ("[console]\nmouse = \"yes\"", "config.toml:2: 'mouse' has the wrong type"),
        ("[console]\ncolour = 3", "config.toml:2: unknown key 'colour'"),
        ("[keys\nquit = \"q\"", "config.toml:1: expected ']'"),
        ("quit \"q\"", "config.toml:1: expected '=' after key 'quit'"),
        ("[keys]\nquit = \"q", "config.toml:2: unclosed string"),
        ("[keys]\nquit = [\"q\",", "config.toml:2: unclosed array"),
        ("[keys]\nquit = q", "config.toml:2: 'q' is not a value"),
        ("[keys]\nquit = \"q\"\nquit = \"x\"", "config.toml:3: key 'quit' is given twice"),
    ])
    func badConfigNamesLineAndKey(text: String, expected: String) {
        do {
            _ = try ConsoleConfig(text: text, origin: "config.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.hasPrefix(expected), "\(error.message)")
        }
    }

    /// Nested arrays are refused past a fixed depth instead of recursing until the stack runs
    /// out (the fuzzer's `e = [[[[…` of 6,900 brackets overflowed it).
    @Test func deeplyNestedArraysAreRefusedNotRecursedInto() throws {
        let limit = TOMLDocument.maximumArrayDepth
        let deepest = try TOMLDocument(text: "e = " + String(repeating: "[", count: limit) + String(repeating: "]", count: limit),
                                       origin: "deep.toml")
        var value = try #require(deepest.entries.first?.value)
        var depth = 0
        while case .array(let items) = value, let inner = items.first { value = inner; depth += 1 }
        #expect(depth == limit - 1)
        for brackets in [limit + 1, 100_000] {
            do {
                _ = try TOMLDocument(text: "\n\n\ne = " + String(repeating: "[", count: brackets), origin: "deep.toml")
                Issue.record("accepted \(brackets) nested arrays")
            } catch {
                #expect(error.message == "deep.toml:4: arrays nested deeper than \(limit) in the value of 'e'")
            }
        }
    }

    @Test func missingOrBadFileFallsBackToDefaults() throws {
        let dir = Scratch.path("config")
        try FileManager.default.createDirectory(atPath: dir + "/ctas", withIntermediateDirectories: true)
        var (config, problem) = ConsoleConfig.load(environment: ["XDG_CONFIG_HOME": dir])
        #expect(problem == nil && config.path == nil)
        try "[keys]\nquit = 5\n".write(toFile: dir + "/ctas/config.toml", atomically: true, encoding: .utf8)
        (config, problem) = ConsoleConfig.load(environment: ["XDG_CONFIG_HOME": dir])
        #expect(problem?.contains("config.toml:2") == true && problem?.contains("using defaults") == true)
        #expect(config.keymap.action(for: .character("q"), in: .global) == .quit)
    }
}
