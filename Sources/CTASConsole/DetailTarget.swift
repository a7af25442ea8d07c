import CTASCore

/// A field of the detail view the analyst can act on: filter the feed on it, focus it in the
/// correlation pane, show its place on the map, or copy its value.
public enum DetailTarget: Sendable, Equatable {
    case entity(String)
    case type(String)
    case source(String)
    case indicator(String)
    case location(GeoPoint)

    /// The event's targets in the order the view lists them: entity, type, source, its
    /// indicators (as the graph knows them, listed and extracted, when it has answered;
    /// else the listed ones), its location.
    public static func targets(of e: Event, links: DetailLinks?) -> [DetailTarget] {
        var out: [DetailTarget] = []
        if let entity = e.entity, !entity.isEmpty { out.append(.entity(entity)) }
        out.append(.type(e.type))
        if let source = e.source, !source.isEmpty { out.append(.source(source)) }
        if let links, links.eventID == e.id, let indicators = links.indicators, !indicators.isEmpty {
            out += indicators.map { .indicator($0.indicator.value) }
        } else {
            out += e.indicators.map { .indicator($0) }
        }
        if let location = e.location { out.append(.location(location)) }
        return out
    }

    /// What `y` copies.
    public var value: String {
        switch self {
        case .entity(let v), .type(let v), .source(let v): v
        case .indicator(let v): v
        case .location(let p): "\(p.latitude),\(p.longitude)"
        }
    }

    /// The exact feed filter for it (nil when a filter word cannot hold it: spaces, quotes).
    public var filterText: String? {
        let (field, v): (String, String) = switch self {
        case .entity(let v): ("entity", v)
        case .type(let v): ("type", v)
        case .source(let v): ("src", v)
        case .indicator(let v): ("ind", v)
        case .location: ("", "")
        }
        guard !field.isEmpty, !v.isEmpty, !v.contains(where: { $0 == " " || $0 == "\"" }) else { return nil }
        return field + "=" + v
    }
}
