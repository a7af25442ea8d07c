/// A compact binary encoding of one event, for in-memory stores that hold many of them:
/// about the size of its text, no per-field allocations, decoded only when read.
///
/// Layout (little-endian): ts Int64, flags UInt8 (bit 0 severity, 1 priority, 2 location),
/// severity UInt8, priority UInt8, [lat, lon Float64], then the strings id, type, source,
/// entity, description, each as a UInt32 length (0xFFFF_FFFF for absent) and UTF-8 bytes,
/// then indicators and tags, each as a UInt16 count and length-prefixed strings.
public enum EventCodec {
    public static func append(_ e: Event, to out: inout [UInt8]) {
        appendInteger(UInt64(bitPattern: e.timestamp.microseconds), to: &out)
        var flags: UInt8 = 0
        if e.severity != nil { flags |= 1 }
        if e.priority != nil { flags |= 2 }
        if e.location != nil { flags |= 4 }
        out.append(flags)
        out.append(e.severity?.value ?? 0)
        out.append(UInt8(e.priority?.rawValue ?? 0))
        if let p = e.location {
            appendInteger(p.latitude.bitPattern, to: &out)
            appendInteger(p.longitude.bitPattern, to: &out)
        }
        appendString(e.id, to: &out)
        appendString(e.type, to: &out)
        appendString(e.source, to: &out)
        appendString(e.entity, to: &out)
        appendString(e.description, to: &out)
        appendList(e.indicators, to: &out)
        appendList(e.tags, to: &out)
    }

    /// Decodes the event starting at `offset`; nil when the bytes are not a whole record.
    public static func decode(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Event? {
        var i = offset
        func integer(_ size: Int) -> UInt64? {
            guard i + size <= b.count else { return nil }
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(b[i + k]) << (8 * k) }
            i += size
            return v
        }
        func string() -> String?? {
            guard let length = integer(4) else { return nil }
            if length == 0xFFFF_FFFF { return .some(nil) }
            let n = Int(length)
            guard i + n <= b.count else { return nil }
            defer { i += n }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + n)]), as: UTF8.self))
        }
        func list() -> [String]? {
            guard let count = integer(2) else { return nil }
            var values: [String] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let s = string(), let value = s else { return nil }
                values.append(value)
            }
            return values
        }
        guard let ts = integer(8), let flags = integer(1), let severity = integer(1), let priority = integer(1) else { return nil }
        var location: GeoPoint?
        if flags & 4 != 0 {
            guard let lat = integer(8), let lon = integer(8) else { return nil }
            location = GeoPoint(latitude: Double(bitPattern: lat), longitude: Double(bitPattern: lon))
        }
        guard let id = string(), let type = string(), let source = string(), let entity = string(),
              let description = string(), let indicators = list(), let tags = list() else { return nil }
        return Event(id: id ?? "", timestamp: Timestamp(microseconds: Int64(bitPattern: ts)), type: type ?? "",
                     severity: flags & 1 != 0 ? Severity(Int(severity)) : nil, source: source, location: location,
                     entity: entity, priority: flags & 2 != 0 ? Priority(rawValue: Int(priority)) : nil,
                     indicators: indicators, description: description, tags: tags)
    }

    /// The id of the record at `offset` without decoding the rest (for index checks).
    public static func id(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> Substring? {
        guard offset + 11 <= b.count else { return nil }
        let flags = b[offset + 8]
        var i = offset + 11 + (flags & 4 != 0 ? 16 : 0)
        guard i + 4 <= b.count else { return nil }
        var n = 0
        for k in 0..<4 { n |= Int(b[i + k]) << (8 * k) }
        i += 4
        guard n != 0xFFFF_FFFF, i + n <= b.count else { return nil }
        return Substring(String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + n)]), as: UTF8.self))
    }

    @inline(__always)
    static func appendInteger(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func appendString(_ s: String?, to out: inout [UInt8]) {
        guard let s else {
            withUnsafeBytes(of: UInt32(0xFFFF_FFFF).littleEndian) { out.append(contentsOf: $0) }
            return
        }
        withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: s.utf8)
    }

    static func appendList(_ values: [String], to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt16(min(values.count, Int(UInt16.max))).littleEndian) { out.append(contentsOf: $0) }
        for v in values.prefix(Int(UInt16.max)) { appendString(v, to: &out) }
    }
}
