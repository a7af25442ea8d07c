import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASFeeds

/// Decodes `text` as one source would (framing included) with the given format.
func decodeAll(_ text: String, format: FeedFormat = .auto, name: String = "feed", options: TelemetryOptions = TelemetryOptions(),
               chunks: [Int] = [1 << 20]) throws -> DecodedBatch {
    var framer = RecordFramer()
    var batch = LineBatch()
    let bytes = Array(text.utf8)
    var i = 0
    var k = 0
    bytes.withUnsafeBufferPointer { all in
        while i < all.count {
            let n = min(chunks[k % chunks.count], all.count - i)
            framer.frame(UnsafeBufferPointer(rebasing: all[i..<(i + n)]), into: &batch)
            i += n
            k += 1
        }
        framer.finish(into: &batch)
    }
    var decoder = FeedDecoder(format: format, sourceName: name, options: options)
    var out = try decoder.decode(batch)
    let tail = decoder.finish()
    out.rejects += tail.rejects
    return out
}

let eveAlert = #"{"timestamp":"2015-03-29T11:01:38.221126-0600","flow_id":1959620435402694,"in_iface":"eth0","event_type":"alert","src_ip":"222.186.56.46","src_port":4904,"dest_ip":"192.168.0.2","dest_port":22,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2001219,"rev":20,"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","severity":2}}"#

@Suite struct EVETests {
    @Test func anAlertMapsToAnEvent() throws {
        let out = try decodeAll(eveAlert + "\n")
        #expect(out.rejects.isEmpty)
        let e = try #require(out.events.first)
        #expect(e.timestamp == (try RFC3339.parse("2015-03-29T17:01:38.221126Z")), "-0600 without a colon is an offset")
        #expect(e.type == "attempted_information_leak")
        #expect(e.severity == Severity(5), "EVE severity 2 → 5")
        #expect(e.source == "suricata@eth0")
        #expect(e.entity == "192.168.0.2", "the private side is the internal host")
        #expect(e.indicators == ["222.186.56.46", "192.168.0.2"])
        #expect(e.description == "ET SCAN Potential SSH Scan [1:2001219:20] allowed")
        #expect(e.flow == "1959620435402694")
        #expect(e.original == eveAlert, "the record is kept whole")
        #expect(e.id.hasPrefix("eve-") && e.id.count == 36)
        #expect(try decodeAll(eveAlert + "\n").events.first?.id == e.id, "the same record, the same id")
        var changed = eveAlert.replacingOccurrences(of: "2001219", with: "2001220")
        #expect(try decodeAll(changed + "\n").events.first?.id != e.id, "another signature, another id")
        changed = eveAlert.replacingOccurrences(of: #""flow_id":1959620435402694,"#, with: "")
        #expect(try decodeAll(changed + "\n").events.first?.id != e.id)
    }

    @Test func everyEventTypeIsReadAndDescribed() throws {
        let lines = [
            #"{"timestamp":"2026-11-20T10:00:00.000000+0000","event_type":"dns","src_ip":"10.0.0.5","dest_ip":"8.8.8.8","dns":{"type":"answer","rrname":"evil.example.org","rrtype":"A","answers":[{"rrname":"evil.example.org","rrtype":"A","rdata":"203.0.113.9"}]}}"#,
            #"{"timestamp":"2026-11-20T10:00:01.000000+0000","event_type":"http","src_ip":"10.0.0.5","dest_ip":"198.51.100.7","http":{"hostname":"bad.example.net","url":"/x.php?a=1","http_method":"GET","status":200,"http_user_agent":"curl/8"}}"#,
            #"{"timestamp":"2026-11-20T10:00:02.000000+0000","event_type":"tls","src_ip":"10.0.0.5","dest_ip":"198.51.100.7","tls":{"sni":"c2.example.com","version":"TLS 1.3","ja3":{"hash":"e7d705a3286e19ea42f587b344ee6865"}}}"#,
            #"{"timestamp":"2026-11-20T10:00:03.000000+0000","event_type":"fileinfo","src_ip":"198.51.100.7","dest_ip":"10.0.0.5","fileinfo":{"filename":"a.exe","sha256":"2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","size":12}}"#,
            #"{"timestamp":"2026-11-20T10:00:04.000000+0000","event_type":"flow","src_ip":"10.0.0.5","src_port":1,"dest_ip":"198.51.100.7","dest_port":443,"proto":"TCP","flow":{"state":"closed","reason":"timeout"}}"#,
            #"{"timestamp":"2026-11-20T10:00:05.000000+0000","event_type":"anomaly","anomaly":{"type":"decode","event":"ipv4.trunc_pkt","layer":"ipv4"}}"#,
            #"{"timestamp":"2026-11-20T10:00:06.000000+0000","event_type":"ssh","src_ip":"10.0.0.5","dest_ip":"198.51.100.7","ssh":{"client":{"software_version":"OpenSSH_9"},"server":{"software_version":"dropbear"}}}"#,
            #"{"timestamp":"2026-11-20T10:00:07.000000+0000","event_type":"smtp","src_ip":"10.0.0.5","dest_ip":"198.51.100.7","smtp":{"helo":"mx","mail_from":"<a@evil.example.com>","rcpt_to":["<b@corp.example>"]},"email":{"subject":"invoice"}}"#,
            #"{"timestamp":"2026-11-20T10:00:08.000000+0000","event_type":"stats","stats":{"uptime":5}}"#,
        ]
        let out = try decodeAll(lines.joined(separator: "\n") + "\n")
        #expect(out.rejects.isEmpty, "\(out.rejects.map(\.message))")
        let byType = Dictionary(uniqueKeysWithValues: out.events.map { ($0.type, $0) })
        #expect(Set(byType.keys) == ["dns", "http", "tls", "fileinfo", "flow", "anomaly", "ssh", "smtp", "stats"])
        #expect(byType["dns"]?.indicators.contains("evil.example.org") == true && byType["dns"]?.indicators.contains("203.0.113.9") == true)
        #expect(byType["dns"]?.description?.contains("evil.example.org A → 203.0.113.9") == true)
        #expect(byType["http"]?.indicators.contains("http://bad.example.net/x.php?a=1") == true)
        #expect(byType["http"]?.indicators.contains { $0.contains("curl") } == false, "user agents are context, not indicators")
        #expect(byType["tls"]?.indicators.contains("e7d705a3286e19ea42f587b344ee6865") == true)
        #expect(byType["fileinfo"]?.indicators.contains("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae") == true)
        #expect(byType["anomaly"]?.severity == Severity(3))
        #expect(byType["smtp"]?.indicators.contains("a@evil.example.com") == true)
        #expect(byType["flow"]?.description?.contains("10.0.0.5:1 → 198.51.100.7:443") == true)
        #expect(byType["stats"] != nil, "any other event_type is a generic event")
    }

    /// A URL is made only of a host that can be one and a path: a hostile Host header (seen in
    /// the Suricata samples: `"hostname": "/gpsoqmpo.htm"`, an ambiguous-host alert) or a
    /// CONNECT's `host:port` target is listed as it came, never as a made-up URL.
    @Test func urlsAreMadeOnlyOfAHostAndAPath() throws {
        func http(_ host: String, _ url: String, method: String = "GET") -> String {
            #"{"timestamp":"2026-11-20T10:00:01.000000+0000","event_type":"http","src_ip":"10.0.0.5","dest_ip":"198.51.100.7","http":{"hostname":"\#(host)","url":"\#(url)","http_method":"\#(method)"}}"#
        }
        let cases: [(line: String, url: String?, listed: String)] = [
            (http("/gpsoqmpo.htm", "/gpSoQmpo.htm"), nil, "/gpsoqmpo.htm"),
            (http("a b.example", "/x"), nil, "a b.example"),
            (http("evil.example/..", "/x"), nil, "evil.example/.."),
            (http("proxy.example:8080", "tunnel.example:443", method: "CONNECT"), nil, "proxy.example:8080"),
            (http("h.example", "*", method: "OPTIONS"), nil, "h.example"),
            (http("h.example:8080", "/p?q=1"), "http://h.example:8080/p?q=1", "h.example:8080"),
            (http("[2001:db8::1]", "/p"), "http://[2001:db8::1]/p", "[2001:db8::1]"),
            (http("10.1.2.3", "/"), "http://10.1.2.3/", "10.1.2.3"),
            (http("ignored.example", "https://abs.example/a"), "https://abs.example/a", "ignored.example"),
        ]
        for c in cases {
            let out = try decodeAll(c.line + "\n")
            let e = try #require(out.events.first, "\(c.line)")
            #expect(e.indicators.contains(c.listed), "\(c.listed): \(e.indicators)")
            let urls = e.indicators.filter { $0.contains("://") }
            #expect(urls == (c.url.map { [$0] } ?? []), "\(c.line): \(e.indicators)")
        }
        let zeek = "#separator \\x09\n#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\n"
            + "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\n"
            + "1763632800.0\tC1\t10.0.0.1\t5\t198.51.100.2\t80\tGET\t/gpsoqmpo.htm\t/gpSoQmpo.htm\n"
        let event = try #require(try decodeAll(zeek, name: "http.log").events.first)
        #expect(!event.indicators.contains { $0.contains("://") }, "\(event.indicators)")
    }

    @Test func timestampsWithoutOffsetAreUTCOrTheAssumedOffsetAndCounted() throws {
        let line = #"{"timestamp":"2026-11-20T10:00:00.5","event_type":"flow"}"# + "\n"
        let utc = try decodeAll(line)
        #expect(utc.events.first?.timestamp == (try RFC3339.parse("2026-11-20T10:00:00.5Z")))
        #expect(utc.warnings["timestamp_without_offset"] == 1)
        let shifted = try decodeAll(line, options: TelemetryOptions(assumedOffset: try #require(UTCOffset("+02:00"))))
        #expect(shifted.events.first?.timestamp == (try RFC3339.parse("2026-11-20T08:00:00.5Z")))
        for bad in ["+15:00", "Europe/Paris", "+2:75", "", "--"] { #expect(UTCOffset(bad) == nil, "\(bad)") }
        #expect(UTCOffset("-0600")?.seconds == -21_600 && UTCOffset("+5")?.seconds == 18_000 && UTCOffset("utc") == .utc)
    }

    @Test func badRecordsAreRejectedByReason() throws {
        let lines = [
            #"{"event_type":"alert"}"#,
            #"{"timestamp":"2026-11-20T10:00:00Z"}"#,
            #"{"timestamp":"yesterday","event_type":"dns"}"#,
            #"{"timestamp":7,"event_type":"dns"}"#,
            #"{"timestamp":"2026-11-20T10:00:00Z","event_type":"dns","dns":{"rrname":"a","rrname":"b"}}"#,
            #"{"timestamp":"2026-11-20T10:00:00Z","event_type":"dns""#,
        ]
        let out = try decodeAll(lines.joined(separator: "\n") + "\n", format: .eve)
        #expect(out.events.isEmpty)
        #expect(out.rejects.map(\.reasonKey) == ["missing_field:timestamp", "missing_field:event_type", "bad_timestamp:timestamp",
                                                 "wrong_type:timestamp", "duplicate_key:rrname", "truncated_json"])
        #expect(out.rejects.map(\.line) == [1, 2, 3, 4, 5, 6])
    }

    /// Suricata's own counters read as what they say; a record without a flow keeps its id
    /// when pretty-printed (white space outside strings is no part of it), and one Suricata
    /// wrote (no white space) keeps the id its bytes always gave it.
    @Test func statsAreDescribedAndFlowlessIdsIgnoreWhiteSpace() throws {
        let stats = #"{"timestamp":"2026-11-20T10:00:00.000000+0000","event_type":"stats","stats":{"uptime":8,"capture":{"kernel_packets":100,"kernel_drops":3},"decoder":{"pkts":100}}}"#
        let line = try decodeAll(stats + "\n")
        let event = try #require(line.events.first)
        #expect(event.description == "stats uptime 8s 100 packets 3 dropped")
        #expect(event.type == "stats" && event.entity == nil && event.indicators.isEmpty)
        var bytesHash = StableHash128()
        Array(stats.utf8).withUnsafeBufferPointer { bytesHash.combine($0) }
        #expect(event.id == bytesHash.hex(prefixedBy: "eve-"), "the id a compact record always had")
        // As `jq .` prints it (keys in their order).
        let pretty = """
        {
          "timestamp": "2026-11-20T10:00:00.000000+0000",
          "event_type": "stats",
          "stats": {
            "uptime": 8,
            "capture": {
              "kernel_packets": 100,
              "kernel_drops": 3
            },
            "decoder": {
              "pkts": 100
            }
          }
        }
        """
        let reread = try decodeAll(pretty + "\n" + pretty.replacingOccurrences(of: "\n", with: "\r\n") + "\n")
        #expect(reread.events.count == 2 && reread.rejects.isEmpty)
        #expect(reread.events.allSatisfy { $0.id == event.id })
        // Spaces inside strings are content.
        let spaced = stats.replacingOccurrences(of: "\"stats\",", with: "\"stats \",")
        #expect(try decodeAll(spaced + "\n").events.first?.id != event.id)
        // A record with no endpoints says only its type.
        let bare = try decodeAll(#"{"timestamp":"2026-11-20T10:00:00Z","event_type":"netflow_v9"}"# + "\n")
        #expect(bare.events.first?.description == "netflow_v9")
    }

    /// Exported arrays: elements framed one by one, numbered by the line they start on,
    /// resumable at an element's end; a cut-off array rejects only its last element.
    @Test func jsonArraysAreFramedElementByElement() throws {
        let pretty = "[\n  " + [eveAlert, eveAlert.replacingOccurrences(of: "2001219", with: "7")].joined(separator: ",\n  ") + "\n]\n"
        for chunks in [[1 << 20], [1], [7, 3, 50]] {
            let out = try decodeAll(pretty, chunks: chunks)
            #expect(out.events.count == 2 && out.rejects.isEmpty, "chunks \(chunks)")
            #expect(out.eventEnds.map(\.line) == [2, 3])
        }
        let cut = String(pretty.dropLast(40))
        let out = try decodeAll(cut)
        #expect(out.events.count == 1 && out.rejects.count == 1)
        #expect(out.rejects.first?.problem.code == "truncated_json")
        // Resuming after the first element reads exactly the second.
        let first = try decodeAll(pretty).eventEnds[0]
        var framer = RecordFramer(start: first, layout: .array)
        var batch = LineBatch()
        Array(pretty.utf8)[Int(first.offset)...].withUnsafeBufferPointer { framer.frame($0, into: &batch) }
        framer.finish(into: &batch)
        #expect(batch.lines.count == 1)
        #expect(lines(batch).first?.contains("\"signature_id\":7") == true)
    }

    /// A 50 MB array on one line costs one element of memory at a time.
    @Test func aFiftyMegabyteOneLineArrayIsFramedWithBoundedMemory() {
        var framer = RecordFramer(maxLineBytes: 1 << 20)
        var total = 0
        var largest = 0
        let element = Array((eveAlert + ",").utf8)
        var chunk: [UInt8] = []
        for _ in 0..<(1 << 20) / element.count { chunk += element }
        let rounds = (50 << 20) / chunk.count
        var first = true
        for _ in 0..<rounds {
            var batch = LineBatch()
            (first ? [UInt8(ascii: "[")] + chunk : chunk).withUnsafeBufferPointer { framer.frame($0, into: &batch) }
            first = false
            total += batch.lines.count
            largest = max(largest, batch.lines.map(\.count).max() ?? 0)
        }
        var batch = LineBatch()
        Array("]".utf8).withUnsafeBufferPointer { framer.frame($0, into: &batch) }
        framer.finish(into: &batch)
        #expect(framer.layout == .array)
        #expect(total == rounds * (chunk.count / element.count))
        #expect(largest == element.count - 1)
        #expect(framer.pendingBytes == 0)
    }

    @Test func mixedEVEAndNativeLinesInOneFileAreBothRead() throws {
        let native = #"{"id":"n1","ts":"2026-11-20T10:00:00Z","type":"c2_beacon"}"#
        let zeek = #"{"_path":"conn","ts":1763632800.5,"uid":"CAbc","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"198.51.100.1","id.resp_p":80,"proto":"tcp"}"#
        let out = try decodeAll([native, eveAlert, zeek, native.replacingOccurrences(of: "n1", with: "n2")].joined(separator: "\n") + "\n")
        #expect(out.rejects.isEmpty, "\(out.rejects.map(\.message))")
        #expect(out.events.map(\.id).filter { $0.hasPrefix("n") } == ["n1", "n2"])
        #expect(out.events.contains { $0.id.hasPrefix("eve-") } && out.events.contains { $0.id.hasPrefix("zeek-") })
        // Forced to one format, the others are rejected by what they lack.
        let forced = try decodeAll([native, eveAlert].joined(separator: "\n") + "\n", format: .ndjson)
        #expect(forced.rejects.map(\.reasonKey) == ["missing_field:id"])
    }
}

let zeekConn = """
#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2026-11-20-10-00-00
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\tlocal_orig\tlocal_resp\ttunnel_parents\thistory\tnote_x
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tbool\tbool\tset[string]\tstring\tvector[count]
1763632800.123456\tCAbc1\t10.0.0.1\t51000\t198.51.100.9\t443\ttcp\tssl\t1.5\tT\tF\t(empty)\tShAD\t1,2,3
1763632801.000000\tCAbc2\t198.51.100.9\t4444\t10.0.0.1\t22\ttcp\t-\t-\tF\tT\tA\\x2cB,C\tS\\x09x\t-
#close\t2026-11-20-11-00-00

"""

@Suite struct ZeekTests {
    @Test func tsvRowsMapWithTheirHeader() throws {
        let out = try decodeAll(zeekConn, name: "/logs/conn.log")
        #expect(out.rejects.isEmpty, "\(out.rejects.map(\.message))")
        #expect(out.events.count == 2)
        let a = out.events[0], b = out.events[1]
        #expect(a.timestamp.microseconds == 1_763_632_800_123_456)
        #expect(a.type == "conn" && a.source == "zeek/conn")
        #expect(a.entity == "10.0.0.1" && b.entity == "10.0.0.1", "local_orig / local_resp decide")
        #expect(a.flow == "CAbc1")
        #expect(a.description == "conn tcp ssl 10.0.0.1:51000 → 198.51.100.9:443 1.5s")
        let original = try #require(b.original)
        #expect(original.contains(#""tunnel_parents":["A,B","C"]"#), "escapes undone, sets as arrays: \(original)")
        #expect(original.contains(#""history":"S\tx""#) || original.contains(#""history":"S\u0009x""#), "\(original)")
        #expect(!original.contains("\"service\""), "unset fields are left out")
        #expect(original.contains(#""local_orig":false"#) && original.contains(#""id.orig_p":4444"#))
    }

    @Test func theTSVAndJSONFormsOfARecordGetTheSameId() throws {
        let tsv = try decodeAll(zeekConn, name: "conn.log").events
        let json = [
            #"{"_path":"conn","_write_ts":"2026-11-20T10:00:00.2Z","ts":"2024-11-20T10:00:00.123456Z","uid":"CAbc1","id.orig_h":"10.0.0.1","id.orig_p":51000,"id.resp_h":"198.51.100.9","id.resp_p":443,"proto":"tcp","service":"ssl","duration":1.5,"local_orig":true,"local_resp":false,"tunnel_parents":[],"history":"ShAD","note_x":[1,2,3]}"#,
            #"{"_path":"conn","ts":1763632801.0,"uid":"CAbc2","id.orig_h":"198.51.100.9","id.orig_p":4444,"id.resp_h":"10.0.0.1","id.resp_p":22,"proto":"tcp","local_orig":false,"local_resp":true,"tunnel_parents":["C","A,B"],"history":"S\tx"}"#,
        ]
        let fromJSON = try decodeAll(json.joined(separator: "\n") + "\n", name: "conn.json").events
        #expect(fromJSON.count == 2)
        #expect(fromJSON[1].id == tsv[1].id, "epoch ts, reordered set, no unset fields: the same record")
        #expect(fromJSON[0].timestamp.microseconds == 1_763_632_800_123_456 - 31_536_000_000_000)
        #expect(fromJSON[0].id != tsv[0].id, "a different time is a different record")
    }

    @Test func badRowsAndHeadersAreRejectedByReasonTheRestRead() throws {
        var lines = zeekConn.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.insert("1763632802.0\tCshort\t10.0.0.1", at: 9)                          // too few columns
        lines.insert(lines[8] + "\textra", at: 10)                                    // too many
        let text = lines.joined(separator: "\n")
        let out = try decodeAll(text, name: "conn.log")
        #expect(out.events.count == 2)
        #expect(out.rejects.map(\.reasonKey) == ["wrong_column_count:#fields", "wrong_column_count:#fields"])
        #expect(out.rejects.map(\.line) == [10, 11])
        // A second header block in the middle of a file starts afresh; an unknown type is read as text.
        let second = zeekConn + "#separator \\x09\n#fields\tts\tuid\tblob\n#types\ttime\tstring\tfunky[type]\n1763632900.0\tCx\tzz\n"
        let both = try decodeAll(second, name: "conn.log")
        #expect(both.events.count == 3 && both.rejects.isEmpty)
        #expect(both.warnings["unknown_zeek_type"] == 1)
        #expect(both.events[2].original?.contains(#""blob":"zz""#) == true)
        // Rows before any header, and a bad separator line.
        let headless = try decodeAll("#path\tconn\n1763632900.0\tCx\n#separator nonsense\n", format: .zeek, name: "conn.log")
        #expect(headless.rejects.map(\.reasonKey) == ["bad_header:#fields", "bad_header:#separator"])
    }

    /// Found by fuzzing (the `zeek` target): a row under an incomplete block (7 fields, 5 types)
    /// made the decoder work out the block's columns; a refused `#fields` line (a name twice)
    /// then changed the fields without the decoder noticing, and the next row — 5 columns, now
    /// "complete" — was hashed with the 7-column schema: an index past its cells, a trap.
    /// A refused header line now leaves no block (rows refused until a complete one), and a
    /// row is never read with columns of another block.
    @Test func aRefusedFieldsLineLeavesNoBlockAndNoStaleColumns() throws {
        let text = """
        #separator \\x09
        #fields\tts\tuid\tid.orig_h\tnote\tmsg\tone\ttwo
        #types\ttime\tstring\taddr\tstring\tstring
        1763632800.0\tC0\t10.0.0.1\tScan::Port_Scan\thello
        #fields\tts\tuid\tts\tnote\tmsg
        1763632801.0\tC1\t10.0.0.1\tScan::Port_Scan\thello
        #fields\tts\tuid
        #types\ttime\tstring
        1763632803.0\tC3

        """
        let out = try decodeAll(text, format: .zeek, name: "notice.log")
        #expect(out.events.map(\.flow) == ["C3"])
        #expect(out.rejects.map(\.reasonKey) == ["bad_header:#fields", "bad_header:#fields", "bad_header:#fields"],
                "a row under an incomplete block, the refused line, a row under no block")
        #expect(out.rejects.map(\.line) == [4, 5, 6])
    }

    /// A Zeek JSON reader keeps the last record's column names and reuses them when the next
    /// record's keys hash alike; it must still compare the names. The two long keys below
    /// have the same key hash (they differ in a byte the hash does not read), and escaped
    /// keys all hash as 0: a record read after its look-alike is read exactly as it is alone.
    @Test func aRecordWhoseKeysHashLikeTheLastOnesIsReadByItsOwnNames() throws {
        let (a, b) = ("f_abcdefXghijklmnopqrstuvwxyz", "f_abcdefYghijklmnopqrstuvwxyz")
        #expect(Self.keyHash(a) == Self.keyHash(b), "the pair must collide for this test to mean anything")
        let pairs = [
            (#"{"_path":"custom","ts":1763632800.0,"\#(a)":"192.0.2.1"}"#, #"{"_path":"custom","ts":1763632800.0,"\#(b)":"192.0.2.1"}"#),
            (#"{"_path":"custom","ts":1763632800.0,"f_\u0061":"192.0.2.1"}"#, #"{"_path":"custom","ts":1763632800.0,"f_\u0062":"192.0.2.1"}"#),
        ]
        for (first, second) in pairs {
            let alone = try decodeAll(second + "\n", name: "custom.json").events
            let after = try decodeAll(first + "\n" + second + "\n", name: "custom.json").events
            #expect(alone.count == 1 && after.count == 2)
            #expect(after.last?.id == alone.first?.id, "\(second) after \(first)")
            #expect(after.first?.id != after.last?.id)
        }
    }

    /// A parser keeps hash steps for a bounded number of column names and hashes further
    /// names byte by byte: a record's id is the same either way.
    @Test func idsAreTheSameWhetherNamesAreHashedByStepOrByByte() throws {
        let dns = #"{"_path":"dns","ts":1763632800.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":5,"id.resp_h":"198.51.100.2","id.resp_p":53,"query":"evil.example.org","answers":["203.0.113.5","x.example"],"TTLs":[60.0,30.0],"rejected":false}"#
        let alone = try decodeAll(dns + "\n", format: .zeekJSON, name: "dns.json").events
        let filler = (0..<(ZeekLogParser.keptNameSteps + 10)).map { #"{"_path":"x","ts":1763632800.0,"k\#($0)":1}"# }
        let after = try decodeAll((filler + [dns]).joined(separator: "\n") + "\n", format: .zeekJSON, name: "dns.json").events
        #expect(after.count == filler.count + 1)
        #expect(after.last?.id == alone.first?.id && alone.count == 1)
    }

    static func keyHash(_ key: String) -> UInt32 {
        var key = key
        return key.withUTF8 { JSONTape.keyHash($0) }
    }

    /// A Zeek JSON reader reads a record in one pass when its keys are the last record's;
    /// whatever the last record was, each record reads exactly as it does alone: the same
    /// event, or the same refusal. Records are drawn from look-alikes that differ in one
    /// way each (a key escaped, renamed, added, dropped or reordered; `_path` escaped, null,
    /// a number, another log, absent; a value that is an object).
    @Test func eachRecordReadsAsItDoesAloneWhateverCameBefore() throws {
        let tail = #""uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":5,"id.resp_h":"198.51.100.2","id.resp_p":53,"query":"evil.example.org","answers":["203.0.113.5"]"#
        let shapes = [
            #"{"_path":"dns","ts":1763632800.5,"# + tail + "}",
            #"{"_path":"dns","ts":1763632801.5,"# + tail + "}",
            #"{"_path":"dns","ts":1763632800.5,"# + tail + "}",
            #"{"_path":null,"ts":1763632800.5,"# + tail + "}",
            #"{"_path":7,"ts":1763632800.5,"# + tail + "}",
            #"{"_path":"dnz","ts":1763632800.5,"# + tail + "}",
            #"{"ts":1763632800.5,"# + tail + "}",
            #"{"ts":1763632800.5,"_path":"dns","# + tail + "}",
            #"{"_path":"dns","ts":1763632800.5,"# + tail + "}",
            #"{"_path":"dns","tz":1763632800.5,"# + tail + "}",
            #"{"_path":"dns","ts":1763632800.5,"# + tail + #","extra":"x"}"#,
            #"{"_path":"dns","ts":1763632800.5,"uid":"C1"}"#,
            #"{"_path":"dns","ts":1763632800.5,"# + tail.replacingOccurrences(of: #""query":"evil.example.org""#, with: #""query":{"a":1}"#) + "}",
            #"{"_path":"dns","ts":{"s":1},"# + tail + "}",
            #"{"_path":"dns","ts":1763632800.5,"# + tail.replacingOccurrences(of: "10.0.0.1", with: "8.8.8.8") + "}",
        ]
        func summary(_ out: DecodedBatch) -> [String] {
            out.events.map { "\($0.id) \($0.type) \($0.source ?? "-") \($0.entity ?? "-") \($0.indicators) \($0.description ?? "-") \($0.flow ?? "-")" }
                + out.rejects.map { "reject \($0.reasonKey)" }
        }
        let alone = try shapes.map { try summary(decodeAll($0 + "\n", format: .zeekJSON, name: "dns.json")) }
        #expect(Set(alone).count >= 8, "the look-alikes read in several ways: \(Set(alone))")
        var random = SeededRandom(seed: 41)
        for _ in 0..<40 {
            let order = (0..<30).map { _ in Int(random.next() % UInt64(shapes.count)) }
            let together = try summary(decodeAll(order.map { shapes[$0] }.joined(separator: "\n") + "\n", format: .zeekJSON, name: "dns.json"))
            let expected = order.map { alone[$0] }
            // Events first, then rejects, as `summary` lists them.
            let events = expected.flatMap { $0.filter { !$0.hasPrefix("reject ") } }
            let rejects = expected.flatMap { $0.filter { $0.hasPrefix("reject ") } }
            #expect(together == events + rejects, "order \(order)")
        }
    }

    @Test func everyNamedLogGetsItsDescriptionAndIndicators() throws {
        func row(_ path: String, _ fields: [(String, String, String)]) -> String {
            "#separator \\x09\n#path\t\(path)\n#fields\t" + fields.map(\.0).joined(separator: "\t") + "\n#types\t"
                + fields.map(\.1).joined(separator: "\t") + "\n" + fields.map(\.2).joined(separator: "\t") + "\n"
        }
        let ts = ("ts", "time", "1763632800.0")
        let ids = [("uid", "string", "C1"), ("id.orig_h", "addr", "10.0.0.1"), ("id.orig_p", "port", "5"), ("id.resp_h", "addr", "198.51.100.2"), ("id.resp_p", "port", "53")]
        let logs: [(String, [(String, String, String)], String, String)] = [
            ("dns", [ts] + ids + [("query", "string", "evil.example.org"), ("qtype_name", "string", "A"), ("answers", "vector[string]", "203.0.113.5,203.0.113.6,203.0.113.7,203.0.113.8,203.0.113.9")], "evil.example.org",
             "dns evil.example.org A → 203.0.113.5, 203.0.113.6, 203.0.113.7, 203.0.113.8"),
            ("http", [ts] + ids + [("method", "string", "GET"), ("host", "string", "h.example.net"), ("uri", "string", "/p"), ("user_agent", "string", "UA")], "http://h.example.net/p", "http GET http://h.example.net/p"),
            ("ssl", [ts] + ids + [("server_name", "string", "s.example.com"), ("version", "string", "TLSv13")], "s.example.com", "tls TLSv13 s.example.com"),
            ("files", [ts, ("fuid", "string", "F1"), ("tx_hosts", "set[addr]", "198.51.100.2"), ("rx_hosts", "set[addr]", "10.0.0.1"), ("md5", "string", "d41d8cd98f00b204e9800998ecf8427e"), ("mime_type", "string", "text/plain")], "d41d8cd98f00b204e9800998ecf8427e", "file text/plain"),
            ("intel", [ts] + ids + [("seen.indicator", "string", "evil.example.org"), ("seen.indicator_type", "enum", "Intel::DOMAIN"), ("sources", "set[string]", "feedA,feedB")], "evil.example.org",
             "intel match evil.example.org (Intel::DOMAIN) from feedA, feedB"),
            ("smtp", [ts] + ids + [("mailfrom", "string", "m@y.example"), ("rcptto", "set[string]", "a@x.example,b@x.example,c@x.example,d@x.example")],
             "d@x.example", "smtp m@y.example → a@x.example, b@x.example, c@x.example"),
            ("weird", [ts] + ids + [("name", "string", "bad_TCP_checksum")], "198.51.100.2", "weird bad_TCP_checksum 10.0.0.1:5 → 198.51.100.2:53"),
            ("custom_log", [ts, ("peer", "addr", "192.0.2.44"), ("what", "string", "x")], "192.0.2.44", "custom_log"),
        ]
        for (path, fields, indicator, description) in logs {
            let out = try decodeAll(row(path, fields), name: path + ".log")
            #expect(out.rejects.isEmpty, "\(path): \(out.rejects.map(\.message))")
            let e = try #require(out.events.first, "\(path)")
            #expect(e.indicators.contains(indicator), "\(path): \(e.indicators)")
            #expect(e.description == description, "\(path): \(e.description ?? "-")")
        }
        let intel = try decodeAll(row("intel", [ts] + ids + [("seen.indicator", "string", "x.example")]), name: "intel.log").events.first
        #expect(intel?.severity == Severity(8) && intel?.type == "intel_match")
    }
}

@Suite struct PriorityWordsTests {
    @Test func theUsualWordsMapAndUnknownOnesAreKeptUnrated() throws {
        let cases: [(String, Priority?)] = [("\"normal\"", .medium), ("\"informational\"", .low), ("\"Urgent\"", .high), ("\"P1\"", .critical),
                                             ("\"p5\"", .low), ("2", .high), ("\"moderate\"", .medium), ("\"crit\"", .critical)]
        for (value, expected) in cases {
            let out = try decodeAll(#"{"id":"a","ts":"2026-11-20T10:00:00Z","type":"t","priority":\#(value)}"# + "\n")
            #expect(out.events.first?.priority == expected, "\(value)")
            #expect(out.warnings.isEmpty, "\(value)")
        }
        let odd = try decodeAll(#"{"id":"a","ts":"2026-11-20T10:00:00Z","type":"t","priority":"whenever"}"# + "\n")
        #expect(odd.events.first?.priority == nil && odd.events.first?.tags == ["priority:whenever"])
        #expect(odd.warnings == ["unknown_priority": 1])
        let csv = try decodeAll("id,ts,type,priority\na,2026-11-20T10:00:00Z,t,normal\nb,2026-11-20T10:00:00Z,t,??\n")
        #expect(csv.events.map(\.priority) == [.medium, nil] && csv.warnings == ["unknown_priority": 1])
        #expect(try decodeAll(#"{"id":"a","ts":"2026-11-20T10:00:00Z","type":"t","priority":9}"# + "\n").rejects.first?.reasonKey == "out_of_range:priority")
    }
}

@Suite struct GzipTests {
    func gzip(_ path: String) throws {
        let tool = try requireTool("gzip")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-f", path]
        try p.run()
        p.waitUntilExit()
    }

    @Test func gzipFilesAreReadResumedAndTruncationIsAReject() throws {
        let dir = temporaryDirectory()
        let text = (0..<5000).map { #"{"id":"g\#($0)","ts":"2026-11-20T10:00:00Z","type":"t"}"# }.joined(separator: "\n") + "\n"
        try text.write(toFile: dir + "/f.ndjson", atomically: true, encoding: .utf8)
        try gzip(dir + "/f.ndjson")
        let reader = try FileFeedReader(path: dir + "/f.ndjson.gz", chunkBytes: 4096)
        #expect(reader.compressed)
        let all = try readAll(reader, limit: 100_000)
        #expect(all.count == 5000 && all.first?.contains("\"g0\"") == true && all.last?.contains("\"g4999\"") == true)
        // Resume in the middle: the uncompressed offset after line 1000.
        let offset = Int64(text.split(separator: "\n").prefix(1000).reduce(0) { $0 + $1.utf8.count + 1 })
        let resumed = try FileFeedReader(path: dir + "/f.ndjson.gz", start: SourcePosition(offset: offset, line: 1000), chunkBytes: 4096)
        let rest = try readAll(resumed, limit: 100_000)
        #expect(rest.count == 4000 && rest.first?.contains("\"g1000\"") == true)
        // Two members concatenated (cat a.gz b.gz) read as one stream.
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/f.ndjson.gz"))
        try (data + data).write(to: URL(fileURLWithPath: dir + "/double.ndjson.gz"))
        #expect(try readAll(try FileFeedReader(path: dir + "/double.ndjson.gz"), limit: 100_000).count == 10_000)
        // Cut off: the lines before the cut are read, the cut is one counted reject.
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: dir + "/cut.ndjson.gz"))
        let cut = try FileFeedReader(path: dir + "/cut.ndjson.gz")
        var decoder = FeedDecoder(format: .auto, sourceName: "cut")
        var events = 0
        var rejects: [Rejection] = []
        loop: for _ in 0..<1000 {
            switch try cut.read(maxBytes: 1 << 20) {
            case .lines(let batch):
                let out = try decoder.decode(batch)
                events += out.events.count
                rejects += out.rejects
            case .idle, .end: break loop
            }
        }
        #expect(events > 0 && events < 5000)
        #expect(rejects.contains { $0.problem.code == "truncated_gzip" }, "\(rejects.map(\.message))")
        #expect(rejects.count <= 2, "the cut line and the stream's end: \(rejects.map(\.message))")
        // Not gzip at all behind a gzip magic number.
        try Data([0x1F, 0x8B] + Array("not really gzip".utf8)).write(to: URL(fileURLWithPath: dir + "/fake.gz"))
        var fakeDecoder = FeedDecoder(format: .auto, sourceName: "fake")
        if case .lines(let batch) = try FileFeedReader(path: dir + "/fake.gz").read(maxBytes: 1 << 20) {
            #expect(try fakeDecoder.decode(batch).rejects.first?.problem.code == "truncated_gzip")
        } else {
            Issue.record("a corrupt gzip file must be reported, not read as empty")
        }
    }
}
