import Foundation

/// The console's config file, `$XDG_CONFIG_HOME/ctas/config.toml` (else
/// `~/.config/ctas/config.toml`):
///
/// ```toml
/// [console]
/// theme = "solarized-dark"
/// fps = 15
/// mouse = true
///
/// [keys]            # global bindings: action = key or [keys]
/// quit = ["q", "ctrl-q"]
/// pause = "space"
///
/// [keys.feed]       # bindings while the feed pane has focus
/// open = "o"
///
/// [geoip]           # MaxMind DB files that place events by IP address (ingest, replay, console)
/// database = ["/usr/share/GeoIP/GeoLite2-City.mmdb", "/usr/share/GeoIP/GeoLite2-ASN.mmdb"]
/// ```
public struct ConsoleConfig: Sendable {
    public var keymap = Keymap.standard
    public var theme: String?
    public var framesPerSecond: Int?
    public var mouse: Bool?
    /// `[geoip] database`: one path or a list; relative paths are read from the config
    /// file's directory.
    public var geoipDatabases: [String] = []
    /// Where it was read from (nil: no file).
    public var path: String?

    public init() {}

    public static func path(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/ctas/config.toml" }
        return environment["HOME"].map { $0 + "/.config/ctas/config.toml" }
    }

    /// Reads the config file if there is one. A bad file gives its error (file, line, key)
    /// and the defaults.
    public static func load(environment: [String: String]) -> (ConsoleConfig, String?) {
        guard let path = path(environment: environment), FileManager.default.fileExists(atPath: path) else {
            return (ConsoleConfig(), nil)
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return (ConsoleConfig(), "\(path): cannot read the config file as UTF-8 text (using defaults)")
        }
        do throws(ConfigError) {
            return (try ConsoleConfig(text: text, origin: path), nil)
        } catch {
            return (ConsoleConfig(), error.message + " (using defaults)")
        }
    }

    public init(text: String, origin: String) throws(ConfigError) {
        let doc = try TOMLDocument(text: text, origin: origin)
        path = origin
        try keymap.apply(doc)
        for entry in doc.entries where !(entry.table == "keys" || entry.table.hasPrefix("keys.")) {
            func fail(_ message: String) -> ConfigError { ConfigError("\(origin):\(entry.line): \(message)") }
            switch (entry.table, entry.key, entry.value) {
            case ("console", "theme", .string(let name)): theme = name
            case ("console", "fps", .integer(let n)):
                guard (1...60).contains(n) else { throw fail("'fps' must be 1–60, found \(n)") }
                framesPerSecond = n
            case ("console", "mouse", .bool(let on)): mouse = on
            case ("geoip", "database", .string(let file)): geoipDatabases = [Self.resolve(file, origin: origin)]
            case ("geoip", "database", .array(let items)):
                let files = items.compactMap(\.string)
                guard files.count == items.count, !files.isEmpty else {
                    throw fail("'database' in [geoip] must be a path or a list of paths, e.g. database = [\"GeoLite2-City.mmdb\", \"GeoLite2-ASN.mmdb\"]")
                }
                geoipDatabases = files.map { Self.resolve($0, origin: origin) }
            case ("geoip", "database", _):
                throw fail("'database' in [geoip] must be a path or a list of paths")
            case ("console", let key, _) where ["theme", "fps", "mouse"].contains(key):
                throw fail("'\(key)' has the wrong type; expected theme = \"name\", fps = 10, mouse = true")
            default:
                throw fail("unknown key '\(entry.key)'\(entry.table.isEmpty ? "" : " in [\(entry.table)]"); expected [console] theme/fps/mouse, [keys] tables and [geoip] database")
            }
        }
    }

    /// A path from the file: absolute, `~/…`, or relative to the file's directory.
    static func resolve(_ path: String, origin: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] { return home + path.dropFirst() }
        let directory = (origin as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : directory + "/" + path
    }
}
