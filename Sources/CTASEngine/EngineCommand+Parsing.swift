import CTASCore

/// Why a line of the engine's command language was not understood.
public enum CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The verb is not one the engine knows.
    case unknownVerb(String)
    /// The verb is known but its argument is not what it takes.
    case badArgument(verb: String, argument: String, expected: String)

    public var description: String {
        switch self {
        case .unknownVerb(let verb):
            "unknown command '\(SafeText.sanitize(verb))'; expected \(EngineCommand.verbs.map(\.usage).joined(separator: ", "))"
        case .badArgument(let verb, let argument, let expected):
            "\(verb) '\(SafeText.sanitize(argument))': expected \(expected)"
        }
    }
}

extension EngineCommand {
    /// One verb of the engine's command language.
    public struct Verb: Sendable {
        /// The name and its aliases, all lower case.
        public var names: [String]
        /// How it is written, e.g. `speed N|max`.
        public var usage: String
        public var summary: String
    }

    /// The engine's command language, declared once: headless replay reads it from standard
    /// input (`ctas replay --headless --commands`), and the console's `:` line offers the same
    /// verbs (its own table adds the view's commands).
    public static let verbs: [Verb] = [
        Verb(names: ["pause"], usage: "pause", summary: "pause the replay"),
        Verb(names: ["resume", "play"], usage: "resume", summary: "resume the replay"),
        Verb(names: ["speed"], usage: "speed N|max", summary: "replay speed: a factor of event time (10, 0.5) or max"),
        Verb(names: ["seek"], usage: "seek TIME", summary: "jump to a time: 2026-11-20T10:00Z, 2026-11-20, or 2h back from the event clock"),
        Verb(names: ["stop", "quit"], usage: "stop", summary: "commit what is in flight and stop"),
    ]

    /// Parses one verb and its argument; nil when `verb` is not an engine verb (the console
    /// then tries its own). `eventClock` is what relative times count back from: the replay's
    /// event time when there is one, else the wall clock.
    public init?(verb: String, argument: String, eventClock: Timestamp) throws(CommandError) {
        let verb = verb.lowercased()
        switch verb {
        case "pause": self = .pause
        case "resume", "play": self = .resume
        case "stop", "quit": self = .stop
        case "speed":
            guard let speed = ReplaySpeed(argument) else {
                throw .badArgument(verb: verb, argument: argument, expected: "a factor such as 10 or 0.5, or max")
            }
            self = .speed(speed)
        case "seek":
            do throws(TimestampError) {
                self = .seek(try TimeArgument.parse(argument, now: eventClock))
            } catch {
                throw .badArgument(verb: verb, argument: argument, expected: "a time: \(error.message)")
            }
        default:
            return nil
        }
    }

    /// Parses a whole line (`speed 10`); throws for a verb the engine does not know.
    public init(line: String, eventClock: Timestamp) throws(CommandError) {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        let verb = words.first ?? ""
        let argument = words.count > 1 ? words[1].trimmingCharacters(in: " \t") : ""
        guard let command = try EngineCommand(verb: verb, argument: argument, eventClock: eventClock) else {
            throw .unknownVerb(verb)
        }
        self = command
    }
}
