import CTASCore

/// Maps a Zeek record (TSV or JSON) to an event. Named logs get their own description and
/// indicators (conn, dns, http, ssl, x509, files, notice, weird, intel, smtp, ssh, rdp, ntlm,
/// kerberos, ftp, software, known_services); any other log is read generically, driven by its
/// types (every `addr` field is an indicator).
///
/// Mapping (README, "Zeek logs"):
/// - `type`: the log path (`conn`, `dns`…); a notice's note in snake case
///   (`ssl_invalid_server_cert`);
/// - `severity`: intel matches 8, notices 6 (by note: scans 5, invalid certificates 4,
///   password guessing 7, SQL injection and malware hashes 8, capture loss 2), weirds 2,
///   other logs unrated;
/// - `source`: `<_system_name or zeek>/<path>`;
/// - `entity`: the local side (`local_orig`/`local_resp`, else private address space);
/// - `flow`: `uid` (events of one connection are found together);
/// - id: `zeek-` and the record's content hash (the same for its TSV and JSON forms).
enum ZeekEventMapper {
    static func event(_ record: ZeekRecord, notes: inout ParseNotes, options: TelemetryOptions, original: String?) throws(LineProblem) -> Event {
        let schema = record.schema
        guard let tsColumn = schema.ts, record.hasText(at: tsColumn) else {
            throw LineProblem("missing_field", field: "ts", "field \"ts\" is missing; expected the record's time (epoch seconds or ISO 8601)")
        }
        let timestamp = try time(record, column: tsColumn, options: options, notes: &notes)
        let path = record.path
        let orig = schema.origH.flatMap(record.text(at:)), resp = schema.respH.flatMap(record.text(at:))
        var sides = TelemetryMapping.sides(originator: orig, responder: resp,
                                           localOriginator: schema.localOrig.flatMap(record.bool(at:)),
                                           localResponder: schema.localResp.flatMap(record.bool(at:)))
        var indicators: [String] = []
        indicators.reserveCapacity(8)
        var type = schema.eventType
        var severity: Severity?
        var description: String?
        func t(_ field: ZeekField) -> String? { TelemetryMapping.useful(record.text(field)) }
        func endpoints() -> String {
            TelemetryMapping.concatenated(orig ?? "?", ":", schema.origP.flatMap(record.text(at:)) ?? "?", " → ",
                                          resp ?? "?", ":", schema.respP.flatMap(record.text(at:)) ?? "?")
        }
        func joined(_ parts: String?...) -> String { TelemetryMapping.joined(parts) }

        switch path {
        case "conn":
            description = joined("conn", t(.proto), t(.service), endpoints(), t(.connState), t(.duration).map { $0 + "s" })
        case "dns":
            let answers = record.list(.answers)
            let query = t(.query)
            TelemetryMapping.add(query, to: &indicators)
            for answer in answers.prefix(50) where answer.utf8.contains(UInt8(ascii: ".")) || answer.utf8.contains(UInt8(ascii: ":")) {
                TelemetryMapping.add(answer, to: &indicators)
            }
            description = joined("dns", query, t(.qtypeName), t(.rcodeName), TelemetryMapping.listed(answers, lead: "→ ", limit: 4))
        case "http":
            let url = TelemetryMapping.url(host: t(.host), target: t(.uri))
            TelemetryMapping.add(t(.host), to: &indicators)
            TelemetryMapping.add(url, to: &indicators)
            description = joined("http", t(.method), url ?? t(.host), t(.statusCode))
        case "ssl":
            TelemetryMapping.add(t(.serverName), to: &indicators)
            TelemetryMapping.add(t(.ja3), to: &indicators)
            TelemetryMapping.add(t(.ja3s), to: &indicators)
            description = joined("tls", t(.version), t(.serverName), t(.validationStatus))
        case "x509":
            TelemetryMapping.add(t(.fingerprint), to: &indicators)
            for name in record.list(.sanDns).prefix(50) { TelemetryMapping.add(name, to: &indicators) }
            description = joined("x509", t(.certificateSubject), t(.certificateIssuer).map { "issued by " + $0 })
        case "files":
            for key: ZeekField in [.md5, .sha1, .sha256] { TelemetryMapping.add(t(key), to: &indicators) }
            let tx = record.list(.txHosts), rx = record.list(.rxHosts)
            if orig == nil { sides = TelemetryMapping.sides(originator: tx.first, responder: rx.first) }
            description = joined("file", t(.mimeType), t(.filename), t(.seenBytes).map { $0 + " bytes" }, t(.source).map { "via " + $0 })
        case "notice":
            let note = t(.note) ?? "notice"
            type = TelemetryMapping.snake(note)
            severity = Severity(noticeSeverity(note))
            if orig == nil { sides = TelemetryMapping.sides(originator: t(.src), responder: t(.dst)) }
            description = joined(note + ":", t(.msg), t(.sub).map { "(" + $0 + ")" })
        case "weird":
            severity = Severity(2)
            description = joined("weird", t(.name), t(.addl), endpoints())
        case "intel":
            severity = Severity(8)
            type = "intel_match"
            TelemetryMapping.add(t(.seenIndicator), to: &indicators)
            description = joined("intel match", t(.seenIndicator), t(.seenIndicatorType).map { "(" + $0 + ")" },
                                 TelemetryMapping.listed(record.list(.sources), lead: "from "))
        case "smtp":
            for key: ZeekField in [.mailfrom, .from] { TelemetryMapping.add(t(key).map(EVEEventParser.bareAddress), to: &indicators) }
            for key: ZeekField in [.rcptto, .to, .cc] { for to in record.list(key).prefix(50) { TelemetryMapping.add(EVEEventParser.bareAddress(to), to: &indicators) } }
            TelemetryMapping.add(t(.xOriginatingIp), to: &indicators)
            description = joined("smtp", t(.mailfrom) ?? t(.from), TelemetryMapping.listed(record.list(.rcptto), lead: "→ ", limit: 3),
                                 t(.subject).map { "subject " + $0 }, t(.lastReply))
        case "ssh":
            let success = record.bool(.authSuccess).map { $0 ? "auth ok" : "auth failed" }
            description = joined("ssh", t(.client), "→", t(.server), success, t(.direction))
        case "rdp":
            description = joined("rdp", t(.cookie), t(.result), t(.securityProtocol))
        case "ntlm":
            let user = [t(.domainname), t(.username)].compactMap { $0 }.joined(separator: "\\")
            description = joined("ntlm", user.isEmpty ? nil : user, t(.hostname).map { "on " + $0 }, record.bool(.success).map { $0 ? "success" : "failed" })
        case "kerberos":
            description = joined("kerberos", t(.requestType), t(.client), "→", t(.service), record.bool(.success).map { $0 ? "success" : "failed" }, t(.errorMsg))
        case "ftp":
            description = joined("ftp", t(.user), t(.command), t(.arg), t(.replyCode), t(.replyMsg))
        case "software":
            if orig == nil { sides = TelemetryMapping.sides(originator: t(.host), responder: nil) }
            description = joined("software", t(.softwareType), t(.name), t(.unparsedVersion), t(.host).map { "on " + $0 })
        case "known_services", "known_hosts":
            if orig == nil { sides = TelemetryMapping.sides(originator: t(.host), responder: nil) }
            description = joined(path.replacingOccurrences(of: "_", with: " "), t(.host), t(.portNum).map { "port " + $0 }, record.list(.service).joined(separator: ","))
        default:
            description = joined(path, orig == nil ? nil : endpoints())
        }
        TelemetryMapping.add(sides.external, to: &indicators)
        TelemetryMapping.add(sides.entity, to: &indicators)
        var addresses = 0
        record.forEachAddress { address in
            guard addresses < 50 else { return }
            addresses += 1
            TelemetryMapping.add(address, to: &indicators)
        }

        let source = t(.systemName).map { TelemetryMapping.clipped($0 + "/" + path, EventLimits.sourceBytes) } ?? schema.defaultSource
        let flow = TelemetryMapping.useful(schema.uid.flatMap(record.text(at:))) ?? record.list(.connUids).first
        var event = Event(id: record.contentHash().hex(prefixedBy: "zeek-"), timestamp: timestamp,
                          type: TelemetryMapping.clipped(type, EventLimits.typeBytes), severity: severity, source: source,
                          entity: sides.entity.map { TelemetryMapping.clipped($0, EventLimits.entityBytes) },
                          indicators: indicators, description: description.map { TelemetryMapping.clipped($0, EventLimits.descriptionBytes) })
        let kept = original.flatMap { $0.utf8.count <= EventLimits.originalBytes ? $0 : nil }
        event.details = Event.Details(original: kept, flow: flow.map { TelemetryMapping.clipped($0, EventLimits.flowBytes) })
        return event
    }

    /// Severity of a notice by its note (README table).
    static func noticeSeverity(_ note: String) -> Int {
        if note.hasPrefix("Intel::") || note.hasPrefix("TeamCymruMalwareHashRegistry::") || note.utf8.starts(with: "HTTP::SQL_Injection".utf8) { return 8 }
        if note.hasPrefix("SSH::Password_Guessing") { return 7 }
        if note.hasPrefix("Scan::") { return 5 }
        if note.hasPrefix("SSL::Invalid_Server_Cert") || note.hasPrefix("SSL::Certificate_Expire") { return 4 }
        if note.hasPrefix("CaptureLoss::") || note.hasPrefix("Weird::") || note.hasPrefix("PacketFilter::") { return 2 }
        return 6
    }

    /// Zeek's `ts`: epoch seconds (`1521911720.629574`) or ISO 8601. Epoch seconds are read
    /// from the cell's bytes (no string made).
    static func time(_ record: ZeekRecord, column: Int, options: TelemetryOptions, notes: inout ParseNotes) throws(LineProblem) -> Timestamp {
        if let micros = record.micros(at: column) {
            let t = Timestamp(microseconds: micros)
            guard t.isRepresentable else {
                let text = record.text(at: column) ?? ""
                throw LineProblem("out_of_range", field: "ts", "field \"ts\" = \(SafeText.sanitize(String(text.prefix(40)))); expected a time in years 0000–9999")
            }
            return t
        }
        return try EVEEventParser.time(record.text(at: column) ?? "", field: "ts", options: options, notes: &notes)
    }
}
