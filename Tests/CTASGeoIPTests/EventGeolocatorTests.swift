import CTASCore
import CTASGeoIP
import Foundation
import Testing

/// Which address of an event is placed, and what the event keeps: the rule in
/// `EventGeolocator`'s documentation, case by case.
@Suite("placing events by address")
struct EventGeolocatorTests {
    /// 0.0.0.0/1 and 2000::/3 are in Britain; everything else is unknown.
    static func locator(latitude: Double = 51.5, longitude: Double = -0.12) throws -> GeoLocator {
        let record = TinyDatabase.map([
            ("country", TinyDatabase.map([("iso_code", TinyDatabase.string("GB"))])),
            ("city", TinyDatabase.map([("names", TinyDatabase.map([("en", TinyDatabase.string("London"))]))])),
            ("location", TinyDatabase.map([("latitude", TinyDatabase.double(latitude)), ("longitude", TinyDatabase.double(longitude)),
                                           ("accuracy_radius", TinyDatabase.uint16(20))])),
            ("autonomous_system_number", TinyDatabase.uint32(64_500)),
        ])
        var tiny = TinyDatabase()
        tiny.ipVersion = 6
        // Nodes 0…95 follow zero bits to node 96, the IPv4 subtree, whose bit 0 leads to the
        // data; node 2's one bit (an address starting 001: 2000::/3) leads there too.
        let count: UInt32 = 97
        let data = count + 16
        var nodes: [(left: UInt32, right: UInt32)] = (0..<96).map { i in (UInt32(i + 1), i == 2 ? data : count) }
        nodes.append((data, count))
        tiny.nodes = nodes
        tiny.data = record
        return GeoLocator(databases: [try MaxMindDatabase(bytes: tiny.bytes, name: "tiny.mmdb")])
    }

    static func event(entity: String? = nil, indicators: [String], location: GeoPoint? = nil, details: Event.Details? = nil) -> Event {
        Event(id: "e", timestamp: Timestamp(microseconds: 0), type: "alert", location: location, entity: entity,
              indicators: indicators, details: details)
    }

    static func place(_ event: Event, warninglist: Warninglist = Warninglist()) throws -> (Event, EventGeolocator.Counts) {
        var geolocator = EventGeolocator(locator: try locator(), warninglist: warninglist)
        var placed = event
        geolocator.place(&placed, indicators: IndicatorExtractor().indicators(of: event))
        return (placed, geolocator.counts)
    }

    @Test("the tiny database answers as the tests expect")
    func database() throws {
        let locator = try Self.locator()
        #expect(try locator.locate("8.8.8.8").country == "GB")
        #expect(try locator.locate("200.1.1.1").found == false)
        #expect(try locator.locate("2a00::1").city == "London")
        #expect(try locator.locate("::ffff:8.8.8.8").network == "0.0.0.0/1", "IPv4-mapped addresses are read as IPv4")
    }

    /// A damaged or hostile database's coordinates off the globe are not taken (a latitude of
    /// 1e300 trapped the one-line answer), and the rest of the answer still is.
    @Test("coordinates off the globe are not taken, the rest of the answer is")
    func offTheGlobe() throws {
        for (lat, lon) in [(1e300, 0.0), (95.0, 10.0), (10.0, -181.0), (Double.nan, 0.0), (0.0, -Double.infinity)] {
            let answer = try Self.locator(latitude: lat, longitude: lon).locate("8.8.8.8")
            #expect(answer.found && answer.country == "GB" && answer.city == "London", "\(lat),\(lon)")
            #expect(answer.latitude == nil && answer.longitude == nil, "\(lat),\(lon)")
            #expect(answer.text.contains("GB London"))
        }
        let edge = try Self.locator(latitude: -90, longitude: 180).locate("8.8.8.8")
        #expect(edge.latitude == -90 && edge.longitude == 180)
        #expect(edge.text.contains("-90.0000,180.0000"))
    }

    @Test("the external side is placed; the event keeps the country, AS number and where its place came from")
    func external() throws {
        let (placed, counts) = try Self.place(Self.event(entity: "10.1.1.1", indicators: ["8.8.8.8", "10.1.1.1"]))
        #expect(placed.location == GeoPoint(latitude: 51.5, longitude: -0.12))
        #expect(placed.details?.country == "GB")
        #expect(placed.details?.asn == 64_500)
        #expect(placed.details?.geoOrigin == "ip 8.8.8.8 Tiny-Test 2023-11")
        #expect(counts.located == 1)
    }

    @Test("the entity, private, reserved, warninglisted addresses and networks are never looked up")
    func skipped() throws {
        var list = Warninglist()
        try list.add(text: "[resolvers]\n9.9.9.9\n", origin: "test")
        let (placed, _) = try Self.place(Self.event(entity: "8.8.8.8", indicators: [
            "8.8.8.8", "192.168.1.1", "127.0.0.1", "100.64.0.1", "192.0.2.1", "9.9.9.9", "1.0.0.0/8", "fe80::1", "1.1.1.1",
        ]), warninglist: list)
        #expect(placed.details?.geoOrigin == "ip 1.1.1.1 Tiny-Test 2023-11")
        let (none, counts) = try Self.place(Self.event(entity: "10.0.0.1", indicators: ["10.0.0.2", "example.com", "9.9.9.9"]),
                                            warninglist: list)
        #expect(none.location == nil && none.details == nil)
        #expect(counts.noAddress == 1)
    }

    @Test("coordinates from the feed win")
    func feedWins() throws {
        let given = GeoPoint(latitude: 10, longitude: 20)
        let (placed, counts) = try Self.place(Self.event(indicators: ["8.8.8.8"], location: given))
        #expect(placed.location == given && placed.details == nil)
        #expect(counts.hadCoordinates == 1)
    }

    @Test("an unknown address leaves the event unplaced and is counted")
    func unknown() throws {
        let (placed, counts) = try Self.place(Self.event(indicators: ["200.1.1.1"]))
        #expect(placed.location == nil)
        #expect(counts.notFound == 1)
    }

    @Test("addresses in the description count; a country given by the feed is kept")
    func description() throws {
        var event = Self.event(indicators: [], details: Event.Details(country: "FR"))
        event.description = "beacon to 2a00:1450::5 every 60 s"
        let (placed, _) = try Self.place(event)
        #expect(placed.details?.country == "FR")
        #expect(placed.details?.geoOrigin == "ip 2a00:1450::5 Tiny-Test 2023-11")
    }

    @Test("repeated addresses are answered from the cache, the same way")
    func cache() throws {
        var geolocator = EventGeolocator(locator: try Self.locator(), warninglist: Warninglist())
        var results: [GeoPoint?] = []
        for address in ["8.8.8.8", "200.1.1.1", "8.8.8.8", "200.1.1.1"] {
            var event = Self.event(indicators: [address])
            geolocator.place(&event, indicators: IndicatorExtractor().indicators(of: event))
            results.append(event.location)
        }
        #expect(results[0] != nil && results[0] == results[2])
        #expect(results[1] == nil && results[3] == nil)
        #expect(geolocator.counts.located == 2 && geolocator.counts.notFound == 2)
    }

    @Test("answers as JSON and text: every field, hostile names made harmless")
    func output() throws {
        var location = GeoLocation(ip: "8.8.8.8", found: true)
        location.country = "GB"
        location.city = "Lon\u{1B}[31mdon\n"
        location.latitude = 51.5
        location.longitude = -0.12
        location.accuracyKm = 20
        location.asn = 15_169
        location.organization = "Org \"quoted\""
        location.network = "8.0.0.0/8"
        #expect(location.json == #"{"ip":"8.8.8.8","found":true,"country":"GB","city":"Lon\u001b[31mdon\n","lat":51.5,"lon":-0.12,"accuracyKm":20,"asn":15169,"org":"Org \"quoted\"","network":"8.0.0.0/8"}"#)
        #expect(!location.text.contains("\u{1B}") && !location.text.contains("\n"))
        #expect(location.text.hasPrefix("8.8.8.8  GB Lon"))
        #expect(location.text.contains("51.5000,-0.1200 (±20 km)  AS15169 Org \"quoted\"  8.0.0.0/8"))
        let missing = GeoLocation(ip: "200.1.1.1")
        #expect(missing.json == #"{"ip":"200.1.1.1","found":false,"country":null,"city":null,"lat":null,"lon":null,"accuracyKm":null,"asn":null,"org":null,"network":null}"#)
    }

    @Test("addresses: IPv4, IPv6, mapped, and what is not an address")
    func addresses() throws {
        #expect(IPBytes("1.2.3.4")?.isV4 == true)
        #expect(IPBytes("::ffff:1.2.3.4") == IPBytes("1.2.3.4"))
        #expect(IPBytes("2001:db8::1")?.isV4 == false)
        for bad in ["", "1.2.3", "1.2.3.256", "01.2.3.4", "::g", "1::2::3", "1.2.3.4/24", " 1.2.3.4", "12345::", String(repeating: "1", count: 10_000)] {
            #expect(IPBytes(bad) == nil, "\(bad.prefix(20)) is no address")
            #expect(throws: GeoIPError.badAddress(bad)) { try Self.locator().locate(bad) }
        }
        #expect(IPBytes("8000::1")?.network(prefix: 1) == "8000::/1", "the top bit set (once a trap)")
        #expect(IPBytes("1.2.3.4")?.network(prefix: 99) == "1.2.3.4/32")
        #expect(IPBytes("1.2.3.4")?.network(prefix: -5) == "0.0.0.0/0")
    }
}
