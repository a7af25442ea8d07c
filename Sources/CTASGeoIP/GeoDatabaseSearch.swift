import Foundation

/// Which MaxMind DB files to use, and why: the files given with `--geoip` (in order), else
/// `[geoip] database` in config.toml, else the usual places — every `*.mmdb` in
/// `$XDG_DATA_HOME/ctas/` (else `~/.local/share/ctas/`), then `GeoLite2-City.mmdb` in
/// `/usr/share/GeoIP/` and `/var/lib/GeoIP/` (with the `GeoLite2-ASN.mmdb` beside it when
/// present). The first of these that names a file wins; `ctas geoip info` shows the choice.
public struct GeoDatabaseSearch: Sendable, Equatable {
    /// Where the choice came from.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        case commandLine
        case configFile(String)
        case usualPlace(String)
        case demo

        public var description: String {
            switch self {
            case .commandLine: "given on the command line"
            case .configFile(let path): "[geoip] database in \(path)"
            case .usualPlace(let place): "found in \(place)"
            case .demo: "the demo's bundled database"
            }
        }
    }

    public var paths: [String]
    public var origin: Origin

    public init(paths: [String], origin: Origin) {
        self.paths = paths
        self.origin = origin
    }

    /// The places searched when nothing is given, in order.
    public static func usualPlaces(environment: [String: String]) -> [String] {
        var places: [String] = []
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            places.append(xdg + "/ctas")
        } else if let home = environment["HOME"] {
            places.append(home + "/.local/share/ctas")
        }
        places.append("/usr/share/GeoIP")
        places.append("/var/lib/GeoIP")
        return places
    }

    /// Chooses the databases (nil: none given and none found).
    public static func choose(given: [String], configured: [String], configFile: String?,
                              environment: [String: String], fileManager: FileManager = .default) -> GeoDatabaseSearch? {
        if !given.isEmpty { return GeoDatabaseSearch(paths: given, origin: .commandLine) }
        if !configured.isEmpty { return GeoDatabaseSearch(paths: configured, origin: .configFile(configFile ?? "config.toml")) }
        for (index, place) in usualPlaces(environment: environment).enumerated() {
            if index == 0 {
                // The user's own directory: every database there, city/country ones first.
                let names = ((try? fileManager.contentsOfDirectory(atPath: place)) ?? [])
                    .filter { $0.hasSuffix(".mmdb") }
                    .sorted { (rank($0), $0) < (rank($1), $1) }
                let paths = names.map { place + "/" + $0 }.filter { fileManager.isReadableFile(atPath: $0) }
                if !paths.isEmpty { return GeoDatabaseSearch(paths: paths, origin: .usualPlace(place)) }
                continue
            }
            let city = place + "/GeoLite2-City.mmdb"
            guard fileManager.isReadableFile(atPath: city) else { continue }
            var paths = [city]
            let asn = place + "/GeoLite2-ASN.mmdb"
            if fileManager.isReadableFile(atPath: asn) { paths.append(asn) }
            return GeoDatabaseSearch(paths: paths, origin: .usualPlace(place))
        }
        return nil
    }

    /// Databases that place addresses come before those that only name their network's owner.
    private static func rank(_ name: String) -> Int {
        let lower = name.lowercased()
        if lower.contains("city") { return 0 }
        if lower.contains("country") { return 1 }
        if lower.contains("asn") || lower.contains("isp") { return 3 }
        return 2
    }
}
