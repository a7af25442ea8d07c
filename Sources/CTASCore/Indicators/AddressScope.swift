/// Where an IP address lives: the public Internet, or one of the ranges that never route
/// there (RFC 1918 private, loopback, link-local, shared CGNAT, multicast, documentation,
/// benchmarking, reserved). Telemetry mapping uses it to tell the internal host (the
/// event's entity) from the external side, and geolocation never looks up a non-public one.
public enum AddressScope: String, Sendable, Hashable {
    case `public`, `private`, loopback, linkLocal = "link-local", sharedCGNAT = "shared", multicast, documentation, reserved

    /// Whether the address routes on the public Internet.
    public var isPublic: Bool { self == .public }

    /// The scope of a textual IPv4 or IPv6 address (nil when `text` is neither).
    public init?(address text: String) {
        if let v4 = IPAddress.parseIPv4(text) {
            self = Self.v4(v4)
        } else if let v6 = IPAddress.parseIPv6(text) {
            self = Self.v6(v6)
        } else {
            return nil
        }
    }

    /// The scope of an address written in `bytes` (nil when they are no IPv4 or IPv6 address).
    public init?(bytes: UnsafeBufferPointer<UInt8>) {
        if let v4 = IPAddress.parseIPv4(bytes, bytes.indices) {
            self = Self.v4(v4)
        } else if bytes.contains(UInt8(ascii: ":")), let v6 = IPAddress.parseIPv6(bytes, bytes.indices) {
            self = Self.v6(v6)
        } else {
            return nil
        }
    }

    public static func v4(_ a: UInt32) -> AddressScope {
        func within(_ base: UInt32, _ bits: UInt32) -> Bool { bits == 0 || a >> (32 - bits) == base >> (32 - bits) }
        if within(0x0A00_0000, 8) || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) { return .private }
        if within(0x7F00_0000, 8) { return .loopback }
        if within(0xA9FE_0000, 16) { return .linkLocal }
        if within(0x6440_0000, 10) { return .sharedCGNAT }
        if within(0xE000_0000, 4) { return .multicast }
        if within(0xC000_0200, 24) || within(0xC633_6400, 24) || within(0xCB00_7100, 24) { return .documentation }
        if within(0x0000_0000, 8) || within(0xF000_0000, 4) || within(0xC612_0000, 15) || within(0xC000_0000, 24) { return .reserved }
        return .public
    }

    public static func v6(_ g: [UInt16]) -> AddressScope {
        guard g.count == 8 else { return .reserved }
        if g[0..<5].allSatisfy({ $0 == 0 }) && g[5] == 0xFFFF {   // ::ffff:a.b.c.d
            return v4(UInt32(g[6]) << 16 | UInt32(g[7]))
        }
        if g.allSatisfy({ $0 == 0 }) { return .reserved }                       // ::
        if g[0..<7].allSatisfy({ $0 == 0 }) && g[7] == 1 { return .loopback }   // ::1
        if g[0] & 0xFE00 == 0xFC00 { return .private }                          // fc00::/7
        if g[0] & 0xFFC0 == 0xFE80 { return .linkLocal }                        // fe80::/10
        if g[0] & 0xFF00 == 0xFF00 { return .multicast }                        // ff00::/8
        if g[0] == 0x2001 && g[1] == 0x0DB8 { return .documentation }          // 2001:db8::/32
        if g[0] == 0x0100 && g[1..<4].allSatisfy({ $0 == 0 }) { return .reserved }   // 100::/64 discard
        if g[0] & 0xE000 != 0x2000 { return .reserved }                         // outside 2000::/3
        return .public
    }
}
