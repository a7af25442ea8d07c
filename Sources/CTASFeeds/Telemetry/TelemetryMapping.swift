import CTASCore

/// How telemetry records are read: what a timestamp without an offset means, and what was
/// odd about the records read so far (warnings: accepted, and counted in the summary).
public struct TelemetryOptions: Sendable, Equatable {
    /// The offset of timestamps that carry none (`--assume-tz`; UTC by default).
    public var assumedOffset: UTCOffset = .utc

    public init(assumedOffset: UTCOffset = .utc) { self.assumedOffset = assumedOffset }
}

/// Counts of what was odd about accepted records (`timestamp_without_offset`,
/// `unknown_priority`…): the record is stored, the summary says how many.
public struct ParseNotes: Sendable, Equatable {
    public var warnings: [String: Int] = [:]

    public init() {}

    public mutating func warn(_ key: String) { warnings[key, default: 0] += 1 }

    public mutating func merge(_ other: ParseNotes) {
        for (key, count) in other.warnings { warnings[key, default: 0] += count }
    }
}

/// What the telemetry formats share: which side of a connection is the internal host, type
/// names, text limits.
enum TelemetryMapping {
    /// The event's entity (the internal host) and the external address of a connection
    /// between `originator` and `responder`. Zeek's `local_orig`/`local_resp` decide when
    /// present; otherwise the address in private (RFC 1918, ULA, link-local, loopback, CGNAT)
    /// space is internal. Both internal: the originator is the entity, the responder external.
    /// Neither: the responder is the entity (the host under attack in an inbound alert is the
    /// one the sensor protects), the originator external.
    static func sides(originator: String?, responder: String?, localOriginator: Bool? = nil, localResponder: Bool? = nil)
        -> (entity: String?, external: String?) {
        if let localOriginator, let localResponder {
            switch (localOriginator, localResponder) {
            case (true, false): return (originator, responder)
            case (false, true): return (responder, originator)
            case (true, true): return (originator, responder)
            case (false, false): break
            }
        }
        let o = originator.flatMap { AddressScope(address: $0) }
        let r = responder.flatMap { AddressScope(address: $0) }
        switch (o?.isPublic, r?.isPublic) {
        case (false?, true?): return (originator, responder)
        case (true?, false?): return (responder, originator)
        case (false?, false?): return (originator, responder)
        case (true?, true?): return (responder, originator)
        case (nil, _): return (responder ?? originator, nil)
        case (_, nil): return (originator, nil)
        }
    }

    /// `Attempted Information Leak` → `attempted_information_leak`; `SSL::Invalid_Server_Cert`
    /// → `ssl_invalid_server_cert`: a type the filter language takes without quotes.
    static func snake(_ text: String, limit: Int = 80) -> String {
        var copy = text
        return copy.withUTF8 { bytes -> String in
            // Already a snake-case name (`dns`, `flow`, `tls_store`): itself.
            if bytes.count <= limit, let first = bytes.first, let last = bytes.last, first != UInt8(ascii: "_"), last != UInt8(ascii: "_") {
                var plain = true
                var previous: UInt8 = 0
                for b in bytes {
                    let lowerOrDigit = (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                    if !(lowerOrDigit || (b == UInt8(ascii: "_") && previous != UInt8(ascii: "_"))) { plain = false; break }
                    previous = b
                }
                if plain { return text }
            }
            // Letters and digits (ASCII) kept, lower-cased; every run of anything else is one
            // underscore between them.
            var out: [UInt8] = []
            out.reserveCapacity(min(bytes.count, limit))
            var pendingUnderscore = false
            for b in bytes {
                let upper = b >= 0x41 && b <= 0x5A
                let alnum = upper || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                if alnum {
                    if pendingUnderscore && !out.isEmpty { out.append(UInt8(ascii: "_")) }
                    pendingUnderscore = false
                    out.append(upper ? b + 0x20 : b)
                    if out.count >= limit { break }
                } else {
                    pendingUnderscore = true
                }
            }
            return out.isEmpty ? "unnamed" : String(decoding: out, as: UTF8.self)
        }
    }

    /// The parts given, space-separated (a description); nil parts left out.
    static func joined(_ parts: String?...) -> String { joined(parts) }

    static func joined(_ parts: [String?]) -> String { assembled(parts, separator: UInt8(ascii: " ")) }

    /// The parts back to back (`host:port → host:port`), made in one allocation.
    /// (Parts typed optional: a `[String]` passed on would be converted element by element.)
    static func concatenated(_ parts: String?...) -> String { assembled(parts, separator: nil) }

    /// The non-nil parts, with `separator` between any two once text has begun, written
    /// straight into one string of the right size (appending part by part grows and checks
    /// the string at every step).
    private static func assembled(_ parts: [String?], separator: UInt8?) -> String {
        var capacity = 1
        for part in parts { capacity += (part?.utf8.count ?? 0) + 1 }
        return String(unsafeUninitializedCapacity: capacity) { out in
            var at = 0
            for part in parts {
                guard var part else { continue }
                if at > 0, let separator {
                    out[at] = separator
                    at += 1
                }
                part.withUTF8 { bytes in
                    guard let from = bytes.baseAddress, let to = out.baseAddress else { return }
                    (to + at).update(from: from, count: bytes.count)
                    at += bytes.count
                }
            }
            return at
        }
    }

    /// `lead` and the first `limit` of `values` with `separator` between them (`→ a, b`),
    /// written straight into one string of the right size (no array of parts: a DNS
    /// record's answers are listed for every record read); nil when there are none.
    static func listed(_ values: [String], lead: String, separator: String = ", ", limit: Int = .max) -> String? {
        guard !values.isEmpty else { return nil }
        let shown = values.prefix(limit)
        var lead = lead, separator = separator
        let separatorBytes = separator.utf8.count
        var capacity = lead.utf8.count + 1
        for value in shown { capacity += value.utf8.count + separatorBytes }
        return String(unsafeUninitializedCapacity: capacity) { out in
            guard let to = out.baseAddress else { return 0 }
            var at = 0
            func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                guard let from = bytes.baseAddress else { return }
                (to + at).update(from: from, count: bytes.count)
                at += bytes.count
            }
            lead.withUTF8(put)
            for (i, value) in shown.enumerated() {
                if i > 0 { separator.withUTF8(put) }
                var value = value
                value.withUTF8(put)
            }
            return at
        }
    }

    /// Cuts `text` to at most `limit` bytes on a character boundary.
    static func clipped(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        for character in text {
            if out.utf8.count + character.utf8.count > limit { break }
            out.append(character)
        }
        return out
    }

    /// A host name or an address as an indicator value worth listing (not empty, not `-`).
    static func useful(_ value: String?) -> String? {
        guard let value else { return nil }
        // By length first: most values are neither placeholder, and comparing costs more.
        switch value.utf8.count {
        case 0, (EventLimits.indicatorBytes + 1)...: return nil
        case 1: return value == "-" ? nil : value
        case 7: return value == "(empty)" ? nil : value
        default: return value
        }
    }

    /// `http://host/path` from a host and a request target (absolute targets kept as they are).
    ///
    /// Only a path (`/…`) is joined to the host, and only a host that can be one (a name or an
    /// address, with a port or not): a hostile or broken Host header (`/x.htm`, `a b`) or a
    /// CONNECT's `host:port` target makes no URL (`http:///x.htm/x.htm`), which would
    /// correlate as one. The host is listed on its own either way.
    static func url(host: String?, target: String?, scheme: String = "http") -> String? {
        guard let target = useful(target) else { return nil }
        if target.hasPrefix("http://") || target.hasPrefix("https://") { return target }
        guard target.hasPrefix("/"), let host = useful(host), isHostLike(host) else { return nil }
        return scheme + "://" + host + target
    }

    /// Whether `text` can be a URL's host: letters, digits, `.-_`, and `:[]` for a port or an
    /// IPv6 literal, with at least one letter or digit.
    static func isHostLike(_ text: String) -> Bool {
        var alphanumeric = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                alphanumeric = true
            case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
                continue
            default:
                return false
            }
        }
        return alphanumeric
    }

    /// Adds `value` to `list` once (indicators keep the order they were found in).
    static func add(_ value: String?, to list: inout [String]) {
        guard let value = useful(value), !list.contains(value), list.count < EventLimits.indicatorCount else { return }
        list.append(value)
    }
}
