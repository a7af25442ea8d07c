import ArgumentParser
import CTASConsole
import CTASCore
import CTASGeoIP
import Foundation

/// Which MaxMind DB files place events by address: `--geoip FILE` (repeatable), else
/// `[geoip] database` in config.toml, else the usual places; `--no-geoip` turns it off.
struct GeoIPOptions: ParsableArguments {
    @Option(name: .customLong("geoip"), help: ArgumentHelp(
        "A MaxMind DB file (GeoLite2/GeoIP2/DB-IP City, Country or ASN) that places events by IP address (repeatable; see `ctas geoip info`).",
        valueName: "file"))
    var files: [String] = []

    @Flag(name: .customLong("no-geoip"), help: "Do not place events by IP address, even when a database is found.")
    var disabled = false

    /// The databases chosen (nil: off, or none found).
    func search(environment: [String: String]) -> GeoDatabaseSearch? {
        disabled ? nil : Self.search(files: files, environment: environment)
    }

    static func search(files: [String], environment: [String: String]) -> GeoDatabaseSearch? {
        let (config, _) = ConsoleConfig.load(environment: environment)
        return GeoDatabaseSearch.choose(given: files, configured: config.geoipDatabases, configFile: config.path,
                                        environment: environment)
    }

    /// Opens the chosen databases.
    func locator(environment: [String: String]) throws -> GeoLocator? {
        guard let search = search(environment: environment) else { return nil }
        return try GeoLocator(paths: search.paths)
    }
}

struct GeoIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geoip",
        abstract: "Place IP addresses with MaxMind DB files (GeoLite2, GeoIP2, DB-IP), as ingest does.",
        discussion: """
            Databases: --db FILE (repeatable), else [geoip] database in config.toml, else every *.mmdb in \
            $XDG_DATA_HOME/ctas (else ~/.local/share/ctas), else GeoLite2-City.mmdb (and GeoLite2-ASN.mmdb) in \
            /usr/share/GeoIP or /var/lib/GeoIP. Each field comes from the first database that has it.
            """,
        subcommands: [Lookup.self, Info.self])

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    struct Databases: ParsableArguments {
        @Option(name: .customLong("db"), help: ArgumentHelp("A MaxMind DB file (repeatable).", valueName: "file"))
        var files: [String] = []

        func search() throws -> GeoDatabaseSearch {
            let environment = ProcessInfo.processInfo.environment
            guard let search = GeoIPOptions.search(files: files, environment: environment) else {
                let places = GeoDatabaseSearch.usualPlaces(environment: environment).joined(separator: ", ")
                throw ValidationError("no MaxMind DB file given or found; pass --db FILE (searched: config.toml [geoip], \(places))")
            }
            return search
        }
    }

    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where addresses are: country, city, coordinates, accuracy, AS number and organisation, network.",
            discussion: """
                Give addresses as arguments, or - to read one per line from standard input. JSON output is one object \
                per line: ip, found, country, city, lat, lon, accuracyKm, asn, org, network (null when unknown). A bad \
                address is reported (an "error" member in JSON) and the exit status is 1.
                """)

        @Argument(help: "IPv4 or IPv6 addresses, or - for standard input.") var addresses: [String] = []
        @OptionGroup var databases: Databases
        @Option(help: "Output: text or json (one object per line).") var format: Format = .text

        func validate() throws {
            if addresses.isEmpty { throw ValidationError("give one or more addresses, or - to read them from standard input") }
        }

        func run() throws {
            let locator = try GeoLocator(paths: try databases.search().paths)
            let out = BufferedOutput(fd: 1)
            var bad = 0
            func answer(_ text: String) {
                let address = text.trimmingCharacters(in: .whitespaces)
                guard !address.isEmpty else { return }
                do throws(GeoIPError) {
                    let location = try locator.locate(address)
                    out.write(format == .json ? location.json : location.text)
                } catch {
                    bad += 1
                    if format == .json {
                        out.write("{\"ip\":\(JSONString.quoted(address)),\"error\":\(JSONString.quoted(error.description))}")
                    } else {
                        out.write(SafeText.sanitize(address) + "  error: " + SafeText.sanitize(error.description))
                    }
                }
                out.write("\n")
            }
            for argument in addresses {
                if argument == "-" {
                    while let line = readLine(strippingNewline: true) { answer(line) }
                } else {
                    answer(argument)
                }
            }
            out.flush()
            if bad > 0 {
                StandardStreams.writeError("\(bad) address(es) could not be looked up\n")
                throw ExitCode.failure
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which databases are used and why; each one's type, build date, languages, node count, record size.",
            discussion: "--verify walks every node of each search tree and checks where its records point.")

        @OptionGroup var databases: Databases
        @Option(help: "Output: text or json.") var format: Format = .text
        @Flag(help: "Check every search tree record (slower).") var verify = false

        func run() throws {
            let search = try databases.search()
            var objects: [String] = []
            var lines: [String] = ["databases: \(search.origin)"]
            for path in search.paths {
                let database = try MaxMindDatabase(path: path)
                let m = database.metadata
                // A build time past year 9999 is reported, not converted (it would overflow).
                let built = m.buildEpoch <= 253_402_300_799
                    ? Timestamp(microseconds: Int64(m.buildEpoch) * 1_000_000).rfc3339 : "out of range (epoch \(m.buildEpoch))"
                var reached: Int?
                if verify { reached = try database.verifyTree() }
                let description = m.description["en"] ?? m.description.values.sorted().first ?? ""
                lines.append("")
                lines.append("file         \(SafeText.sanitize(path))")
                lines.append("type         \(SafeText.sanitize(m.databaseType))")
                lines.append("description  \(SafeText.sanitize(description))")
                lines.append("built        \(built)")
                lines.append("languages    \(SafeText.sanitize(m.languages.joined(separator: " ")))")
                lines.append("ip version   \(m.ipVersion)")
                lines.append("nodes        \(m.nodeCount)")
                lines.append("record size  \(m.recordSize) bits")
                lines.append("format       \(m.majorVersion).\(m.minorVersion)")
                if let reached { lines.append("verified     every node; \(reached) records point into the data section") }
                var object = "{\"file\":\(JSONString.quoted(path)),\"type\":\(JSONString.quoted(m.databaseType))"
                object += ",\"buildEpoch\":\(m.buildEpoch),\"built\":\(JSONString.quoted(built))"
                object += ",\"languages\":\(JSONString.array(m.languages)),\"ipVersion\":\(m.ipVersion)"
                object += ",\"nodeCount\":\(m.nodeCount),\"recordSize\":\(m.recordSize)"
                object += ",\"formatVersion\":\"\(m.majorVersion).\(m.minorVersion)\",\"description\":\(m.all["description"]?.json ?? "{}")"
                if let reached { object += ",\"verifiedRecords\":\(reached)" }
                objects.append(object + "}")
            }
            if format == .json {
                print("{\"origin\":\(JSONString.quoted(search.origin.description)),\"databases\":[\(objects.joined(separator: ","))]}")
            } else {
                print(lines.joined(separator: "\n"))
            }
        }
    }
}
