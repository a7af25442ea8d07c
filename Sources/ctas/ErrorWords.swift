import ArgumentParser
import Foundation
import CTASEngine
import CTASGeoIP
import CTASStore

/// The command line's words for the libraries' typed errors: where a case calls for advice
/// to the user of the command line (what to run next), it is added here, at the edge.
enum ErrorWords {
    /// The message for `error`, or nil to let ArgumentParser describe it.
    static func message(for error: any Error) -> String? {
        switch error {
        case let store as StoreError: return words(for: store)
        case let engine as EngineError:
            if case .store(let store) = engine { return words(for: store) }
            return engine.description
        case let geo as GeoIPError: return geo.description
        default: return nil
        }
    }

    static func words(for error: StoreError) -> String {
        switch error {
        case .noStoredEvents(let path):
            // After the demo, the default directory is empty but the demo's is not: say where.
            let environment = ProcessInfo.processInfo.environment
            let standard = DataDirectory(path: DataDirectory.defaultPath(environment: environment))
            let demo = DemoSession.dataDirectory(environment: environment)
            if [standard.path, standard.warmDatabase].contains(path), FileManager.default.fileExists(atPath: demo.warmDatabase) {
                return "\(path): no stored events yet; the demo's events are in \(demo.path): pass --data-dir \(demo.path)"
                    + " (or run `ctas ingest FILE` first)"
            }
            return "\(path): no stored events yet; run `ctas ingest FILE` first (or pass --data-dir)"
        default:
            return error.description
        }
    }
}
