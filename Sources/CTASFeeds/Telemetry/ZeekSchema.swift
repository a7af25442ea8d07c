import CTASCore

/// The columns of a Zeek log, worked out once per header block (TSV) or per distinct key
/// sequence (JSON): names, types when the log says them, the order fields are hashed in, and
/// what every row needs of them in flat form (column shapes, name bytes, the JSON key text,
/// a name table), so reading a row touches no dictionary, no enum payload and no nested array.
final class ZeekSchema: Sendable {
    /// What a column's type means for reading a value (the element's, for a container).
    struct Shape: Sendable {
        /// TSV: the column has a Zeek type (JSON columns have none; their values say).
        var typed = false
        var container = false
        var bool = false
        /// Written as a JSON number by Zeek (times, intervals, ports, counts, ints, doubles).
        var numeric = false
    }

    let path: String
    let names: [String]
    /// Zeek types (TSV); nil per column in JSON, whose values carry their own kind.
    let types: [ZeekType?]
    let shapes: [Shape]
    /// Every column's name bytes, back to back (`nameRanges[i]` is column i's).
    let nameBytes: [UInt8]
    let nameRanges: [Range<Int>]
    /// Every column's `,"name":` as the JSON original writes it (`jsonKeyRanges[i]`).
    let jsonKeys: [UInt8]
    let jsonKeyRanges: [Range<Int>]
    /// The `_path` column, which the original writes first from `path`.
    let pathColumn: Int?
    /// Columns in name order (byte-wise), format fields (`_path`, `_write_ts`…) left out.
    let hashOrder: [Int]
    let ts: Int?, uid: Int?, origH: Int?, origP: Int?, respH: Int?, respP: Int?, localOrig: Int?, localResp: Int?
    /// Columns holding addresses (`addr`, `set[addr]`, `vector[addr]`); JSON: nil (values are checked).
    let addressColumns: [Int]?
    /// Open-addressed name table: column + 1 per slot (0: empty), by an FNV-1a hash of the name.
    private let slots: [Int32]
    /// The column of each field the mapping reads (`ZeekField`'s raw value; -1: absent).
    private let fieldColumns: [Int32]

    /// The content hash's step for each column's name, flat (`StableHashStep.flatCount`
    /// words per column; empty: names hashed byte by byte, the same hash). A column without
    /// a step (format fields) has zeros: a step's first word, a power of an odd prime, never is.
    let nameSteps: [UInt64]

    /// The log's event type (`TelemetryMapping.snake(path)`) and its source when the record
    /// names no system (`zeek/<path>`, clipped): worked out once, not per record.
    let eventType: String
    let defaultSource: String

    /// TSV: the header's set separator and empty-container marker (a JSON log's records
    /// need neither; the defaults are Zeek's).
    let setSeparator: [UInt8]
    let emptyField: [UInt8]

    init(path: String, names: [String], types: [ZeekType?], setSeparator: [UInt8] = [UInt8(ascii: ",")],
         emptyField: [UInt8] = Array("(empty)".utf8), nameSteps: [StableHashStep?] = []) {
        self.path = path
        if nameSteps.count == names.count, nameSteps.contains(where: { $0 != nil }) {
            var flat = [UInt64](repeating: 0, count: names.count * StableHashStep.flatCount)
            flat.withUnsafeMutableBufferPointer { out in
                guard let base = out.baseAddress else { return }
                for (i, step) in nameSteps.enumerated() { step?.write(into: base + i * StableHashStep.flatCount) }
            }
            self.nameSteps = flat
        } else {
            self.nameSteps = []
        }
        eventType = TelemetryMapping.snake(path)
        defaultSource = TelemetryMapping.clipped("zeek/" + path, EventLimits.sourceBytes)
        self.names = names
        self.types = types
        self.setSeparator = setSeparator
        self.emptyField = emptyField
        var shapes: [Shape] = []
        var nameBytes: [UInt8] = [], nameRanges: [Range<Int>] = []
        var jsonKeys: [UInt8] = [], jsonKeyRanges: [Range<Int>] = []
        for (i, name) in names.enumerated() {
            let type = i < types.count ? types[i] : nil
            let element = type?.element
            shapes.append(Shape(typed: type != nil, container: type?.isContainer ?? false, bool: element == .bool, numeric: element?.isNumeric ?? false))
            let start = nameBytes.count
            nameBytes += name.utf8
            nameRanges.append(start..<nameBytes.count)
            let keyStart = jsonKeys.count
            jsonKeys += #",""#.utf8
            nameBytes[start...].withUnsafeBufferPointer { ZeekRecord.appendEscaped($0, to: &jsonKeys) }
            jsonKeys += #"":"#.utf8
            jsonKeyRanges.append(keyStart..<jsonKeys.count)
        }
        self.shapes = shapes
        self.nameBytes = nameBytes
        self.nameRanges = nameRanges
        self.jsonKeys = jsonKeys
        self.jsonKeyRanges = jsonKeyRanges
        var size = 16
        while size < names.count * 2 { size *= 2 }
        var slots = [Int32](repeating: 0, count: size)
        for (i, name) in names.enumerated() where Self.find(name, slots: slots, nameBytes: nameBytes, nameRanges: nameRanges) == nil {
            var copy = name
            var slot = Int(copy.withUTF8(Self.hash) & UInt64(size - 1))
            while slots[slot] != 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(i + 1)
        }
        self.slots = slots
        func column(_ name: String) -> Int? { Self.find(name, slots: slots, nameBytes: nameBytes, nameRanges: nameRanges) }
        pathColumn = column("_path")
        hashOrder = names.indices.filter { !ZeekRecord.formatFields.contains(names[$0]) }
            .sorted { nameBytes[nameRanges[$0]].lexicographicallyPrecedes(nameBytes[nameRanges[$1]]) }
        ts = column("ts")
        uid = column("uid")
        origH = column("id.orig_h")
        origP = column("id.orig_p")
        respH = column("id.resp_h")
        respP = column("id.resp_p")
        localOrig = column("local_orig")
        localResp = column("local_resp")
        addressColumns = types.contains { $0 != nil } ? types.indices.filter { types[$0]?.element == .addr } : nil
        fieldColumns = ZeekField.allCases.map { field in
            field.name.withUTF8Buffer { Self.find($0, slots: slots, nameBytes: nameBytes, nameRanges: nameRanges) }.map { Int32($0) } ?? -1
        }
    }

    /// The column of a field the mapping reads; nil when absent.
    func column(of field: ZeekField) -> Int? {
        let column = fieldColumns[field.rawValue]
        return column < 0 ? nil : Int(column)
    }

    /// The column named `name`; nil when absent.
    func column(_ name: StaticString) -> Int? {
        name.withUTF8Buffer { Self.find($0, slots: slots, nameBytes: nameBytes, nameRanges: nameRanges) }
    }

    private static func find(_ name: String, slots: [Int32], nameBytes: [UInt8], nameRanges: [Range<Int>]) -> Int? {
        var copy = name
        return copy.withUTF8 { find($0, slots: slots, nameBytes: nameBytes, nameRanges: nameRanges) }
    }

    private static func find(_ key: UnsafeBufferPointer<UInt8>, slots: [Int32], nameBytes: [UInt8], nameRanges: [Range<Int>]) -> Int? {
        let mask = slots.count - 1
        var slot = Int(hash(key) & UInt64(mask))
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            let range = nameRanges[entry - 1]
            if range.count == key.count {
                var same = true
                var k = 0
                while k < key.count {
                    if nameBytes[range.lowerBound + k] != key[k] { same = false; break }
                    k += 1
                }
                if same { return entry - 1 }
            }
            slot = (slot + 1) & mask
        }
    }

    private static func hash(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }
}
