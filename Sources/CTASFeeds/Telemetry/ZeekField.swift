/// The Zeek fields the event mapping reads, resolved to columns once per schema
/// (`ZeekSchema.column(of:)`), so mapping a record looks no name up.
enum ZeekField: Int, CaseIterable {
    case systemName, addl, answers, arg, authSuccess, cc, certificateIssuer, certificateSubject
    case client, command, connState, connUids, cookie, direction, domainname, dst, duration
    case errorMsg, filename, fingerprint, from, host, hostname, ja3, ja3s, lastReply, mailfrom, md5, method
    case mimeType, msg, name, note, portNum, proto, qtypeName, query, rcodeName, rcptto, replyCode
    case replyMsg, requestType, result, rxHosts, sanDns, securityProtocol, seenIndicator
    case seenIndicatorType, seenBytes, server, serverName, service, sha1, sha256, softwareType
    case source, sources, src, statusCode, sub, subject, success, to, txHosts, unparsedVersion
    case uri, user, username, validationStatus, version, xOriginatingIp

    /// The field's name as Zeek writes it.
    var name: StaticString {
        switch self {
        case .systemName: "_system_name"
        case .addl: "addl"
        case .answers: "answers"
        case .arg: "arg"
        case .authSuccess: "auth_success"
        case .cc: "cc"
        case .certificateIssuer: "certificate.issuer"
        case .certificateSubject: "certificate.subject"
        case .client: "client"
        case .command: "command"
        case .connState: "conn_state"
        case .connUids: "conn_uids"
        case .cookie: "cookie"
        case .direction: "direction"
        case .domainname: "domainname"
        case .dst: "dst"
        case .duration: "duration"
        case .errorMsg: "error_msg"
        case .filename: "filename"
        case .fingerprint: "fingerprint"
        case .from: "from"
        case .host: "host"
        case .hostname: "hostname"
        case .ja3: "ja3"
        case .ja3s: "ja3s"
        case .lastReply: "last_reply"
        case .mailfrom: "mailfrom"
        case .md5: "md5"
        case .method: "method"
        case .mimeType: "mime_type"
        case .msg: "msg"
        case .name: "name"
        case .note: "note"
        case .portNum: "port_num"
        case .proto: "proto"
        case .qtypeName: "qtype_name"
        case .query: "query"
        case .rcodeName: "rcode_name"
        case .rcptto: "rcptto"
        case .replyCode: "reply_code"
        case .replyMsg: "reply_msg"
        case .requestType: "request_type"
        case .result: "result"
        case .rxHosts: "rx_hosts"
        case .sanDns: "san.dns"
        case .securityProtocol: "security_protocol"
        case .seenIndicator: "seen.indicator"
        case .seenIndicatorType: "seen.indicator_type"
        case .seenBytes: "seen_bytes"
        case .server: "server"
        case .serverName: "server_name"
        case .service: "service"
        case .sha1: "sha1"
        case .sha256: "sha256"
        case .softwareType: "software_type"
        case .source: "source"
        case .sources: "sources"
        case .src: "src"
        case .statusCode: "status_code"
        case .sub: "sub"
        case .subject: "subject"
        case .success: "success"
        case .to: "to"
        case .txHosts: "tx_hosts"
        case .unparsedVersion: "unparsed_version"
        case .uri: "uri"
        case .user: "user"
        case .username: "username"
        case .validationStatus: "validation_status"
        case .version: "version"
        case .xOriginatingIp: "x_originating_ip"
        }
    }
}
