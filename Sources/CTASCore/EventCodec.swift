/// A compact binary record of one event, encoded once per event: the warm tier binds its
/// text columns straight from it and the hot tier keeps the record bytes as they are, so an
/// event is neither re-encoded nor held as objects.
///
/// Layout (little-endian): ts Int64, flags UInt8 (bit 0 severity, 1 priority, 2 location,
/// 3 ASN, 4 risk), severity UInt8, priority UInt8, [lat, lon Float64 when bit 2], [asn UInt32
/// when bit 3], [risk total UInt8 and parts UInt32 when bit 4], then the text columns id,
/// type, source, entity, indicators (a JSON array),
/// description, tags (a JSON array), original, flow, country, geo origin, each as a UInt32
/// length (0xFFFF_FFFF when absent) and its UTF-8 bytes.
public enum EventCodec {
    /// Text columns per record, in order: id, type, source, entity, indicators, description,
    /// tags, original, flow, country, geo origin.
    public static let textColumns = 11
    static let absent: UInt32 = 0xFFFF_FFFF

    /// Appends the record for `e`.
    public static func append(_ e: Event, to out: inout [UInt8]) {
        var ignored: [Int32] = []
        append(e, to: &out, spans: &ignored, recordSpans: false)
    }

    /// Appends the record for `e` and, per text column, its (offset, length) in `out`
    /// (length −1 when absent).
    public static func append(_ e: Event, to out: inout [UInt8], spans: inout [Int32]) {
        append(e, to: &out, spans: &spans, recordSpans: true)
    }

    private static func append(_ e: Event, to out: inout [UInt8], spans: inout [Int32], recordSpans: Bool) {
        appendInteger(UInt64(bitPattern: e.timestamp.microseconds), bytes: 8, to: &out)
        var flags: UInt8 = 0
        if e.severity != nil { flags |= 1 }
        if e.priority != nil { flags |= 2 }
        let location = e.location
        if location != nil { flags |= 4 }
        let details = e.details
        if details?.asn != nil { flags |= 8 }
        if e.risk != nil { flags |= 16 }
        out.append(flags)
        out.append(e.severity?.value ?? 0)
        out.append(UInt8(e.priority?.rawValue ?? 0))
        if let p = location {
            appendInteger(p.latitude.bitPattern, bytes: 8, to: &out)
            appendInteger(p.longitude.bitPattern, bytes: 8, to: &out)
        }
        if let asn = details?.asn { appendInteger(UInt64(asn), bytes: 4, to: &out) }
        if let risk = e.risk {
            out.append(risk.total)
            appendInteger(UInt64(risk.packedParts), bytes: 4, to: &out)
        }
        func text(_ s: String?) {
            guard let s else {
                appendInteger(UInt64(absent), bytes: 4, to: &out)
                if recordSpans { spans.append(0); spans.append(-1) }
                return
            }
            var text = s
            text.withUTF8 { utf8 in
                appendInteger(UInt64(utf8.count), bytes: 4, to: &out)
                if recordSpans { spans.append(Int32(out.count)); spans.append(Int32(utf8.count)) }
                out.append(contentsOf: utf8)
            }
        }
        func list(_ values: [String]) {
            guard !values.isEmpty else {
                appendInteger(UInt64(absent), bytes: 4, to: &out)
                if recordSpans { spans.append(0); spans.append(-1) }
                return
            }
            let lengthAt = out.count
            appendInteger(0, bytes: 4, to: &out)
            let start = out.count
            JSONString.appendArray(values, to: &out)
            let length = out.count - start
            for k in 0..<4 { out[lengthAt + k] = UInt8(truncatingIfNeeded: length >> (8 * k)) }
            if recordSpans { spans.append(Int32(start)); spans.append(Int32(length)) }
        }
        text(e.id)
        text(e.type)
        text(e.source)
        text(e.entity)
        list(e.indicators)
        text(e.description)
        list(e.tags)
        text(details?.original)
        text(details?.flow)
        text(details?.country)
        text(details?.geoOrigin)
    }

    /// Decodes the record at `offset`; nil when the bytes are not a whole, valid record.
    public static func decode(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Event? {
        var i = offset
        guard let ts = integer(b, &i, 8), let flags = integer(b, &i, 1), let severity = integer(b, &i, 1),
              let priority = integer(b, &i, 1) else { return nil }
        var location: GeoPoint?
        if flags & 4 != 0 {
            guard let lat = integer(b, &i, 8), let lon = integer(b, &i, 8) else { return nil }
            location = GeoPoint(latitude: Double(bitPattern: lat), longitude: Double(bitPattern: lon))
        }
        var asn: UInt32?
        if flags & 8 != 0 {
            guard let value = integer(b, &i, 4) else { return nil }
            asn = UInt32(truncatingIfNeeded: value)
        }
        var risk: RiskScore?
        if flags & 16 != 0 {
            guard let total = integer(b, &i, 1), let parts = integer(b, &i, 4) else { return nil }
            risk = RiskScore(total: Int64(total), packedParts: Int64(parts))
        }
        var texts: [String?] = []
        texts.reserveCapacity(textColumns)
        for _ in 0..<textColumns {
            guard let length = integer(b, &i, 4) else { return nil }
            if length == UInt64(absent) { texts.append(nil); continue }
            let n = Int(length)
            guard i + n <= b.count else { return nil }
            texts.append(String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + n)]), as: UTF8.self))
            i += n
        }
        guard let id = texts[0], let type = texts[1] else { return nil }
        let indicators = texts[4].map { JSONString.decodeArray($0) ?? [] } ?? []
        let tags = texts[6].map { JSONString.decodeArray($0) ?? [] } ?? []
        let details = Event.Details(original: texts[7], flow: texts[8], country: texts[9], asn: asn, geoOrigin: texts[10])
        return Event(id: id, timestamp: Timestamp(microseconds: Int64(bitPattern: ts)), type: type,
                     severity: flags & 1 != 0 ? Severity(Int(severity)) : nil, source: texts[2], location: location,
                     entity: texts[3], priority: flags & 2 != 0 ? Priority(rawValue: Int(priority)) : nil,
                     indicators: indicators, description: texts[5], tags: tags, details: details, risk: risk)
    }

    /// The record's event time, read without decoding the rest.
    public static func timestamp(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int64? {
        var i = offset
        return integer(b, &i, 8).map { Int64(bitPattern: $0) }
    }

    /// The byte range of the record's id, read without decoding the rest.
    public static func idRange(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Range<Int>? {
        guard offset + 11 <= b.count else { return nil }
        let flags = b[offset + 8]
        var i = offset + 11 + (flags & 4 != 0 ? 16 : 0) + (flags & 8 != 0 ? 4 : 0) + (flags & 16 != 0 ? 5 : 0)
        guard let length = integer(b, &i, 4), length != UInt64(absent), i + Int(length) <= b.count else { return nil }
        return i..<(i + Int(length))
    }

    /// The record's id as a string.
    public static func id(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Substring? {
        guard let range = idRange(b, at: offset) else { return nil }
        return Substring(String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self))
    }

    @inline(__always)
    static func integer(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ size: Int) -> UInt64? {
        guard i + size <= b.count else { return nil }
        var v: UInt64 = 0
        for k in 0..<size { v |= UInt64(b[i + k]) << (8 * k) }
        i += size
        return v
    }

    @inline(__always)
    static func appendInteger(_ v: UInt64, bytes: Int, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<bytes])) }
    }
}

/// FNV-1a, 64-bit: a quick hash of short keys such as event ids.
public enum FNV1a64 {
    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    public static func hash(_ s: String) -> UInt64 {
        var copy = s
        return copy.withUTF8 { hash($0) }
    }
}
