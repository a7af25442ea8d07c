import Foundation

/// Finds themes: built-in ones (Themes/*.toml, embedded in the binary), user themes in
/// `$XDG_CONFIG_HOME/ctas/themes/NAME.toml` (else `~/.config/ctas/themes`), or a path.
public struct ThemeCatalog: Sendable {
    public let userDirectory: String?

    public init(userDirectory: String?) { self.userDirectory = userDirectory }

    /// The user theme directory from the environment.
    public static func userDirectory(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/ctas/themes" }
        return environment["HOME"].map { $0 + "/.config/ctas/themes" }
    }

    public static let builtInNames = BuiltInThemes.files.keys.sorted()

    /// The default theme (always loads: a test checks every built-in theme parses).
    public static let standard: Theme = (try? Theme(toml: BuiltInThemes.files["default"] ?? "", origin: "Themes/default.toml", base: nil))
        ?? Theme(name: "default", background: .terminalDefault, roles: [:])

    /// Every theme name available: built-in and user.
    public var names: [String] {
        var all = Set(Self.builtInNames)
        if let userDirectory, let files = try? FileManager.default.contentsOfDirectory(atPath: userDirectory) {
            for f in files where f.hasSuffix(".toml") { all.insert(String(f.dropLast(5))) }
        }
        return all.sorted()
    }

    /// Loads a theme by name or path. A user theme of the same name wins over a built-in one.
    public func load(_ nameOrPath: String) throws(ConfigError) -> Theme {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            return try loadFile(nameOrPath)
        }
        if let userDirectory {
            let path = userDirectory + "/" + nameOrPath + ".toml"
            if FileManager.default.fileExists(atPath: path) { return try loadFile(path) }
        }
        if let text = BuiltInThemes.files[nameOrPath] {
            return try Theme(toml: text, origin: "Themes/\(nameOrPath).toml", base: Self.standard)
        }
        throw ConfigError("theme '\(nameOrPath)' not found; available: \(names.joined(separator: ", "))")
    }

    private func loadFile(_ path: String) throws(ConfigError) -> Theme {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot read theme file") }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path): theme file is not UTF-8 text") }
        return try Theme(toml: text, origin: path, base: Self.standard)
    }

    /// The theme to start with: an explicit choice, else monochrome under NO_COLOR, else the
    /// default. A theme that fails to load gives its error and the default theme is used.
    public func initial(requested: String?, environment: [String: String]) -> (Theme, String?) {
        let name = requested ?? ((environment["NO_COLOR"].map { !$0.isEmpty } ?? false) ? "monochrome" : "default")
        do throws(ConfigError) {
            return (try load(name), nil)
        } catch {
            return (Self.standard, error.message + " (using the default theme)")
        }
    }
}
