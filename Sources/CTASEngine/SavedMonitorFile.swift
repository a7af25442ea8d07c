import CTASBehaviour
import CTASCore
import CTASStore
import Foundation

/// The live behaviour monitor a run leaves in its data directory (`anomaly-monitor.saved`):
/// written when the run ends, with the stored event it had seen last, and resumed by the next
/// run, which replays only what was stored after that event (see `SavedMonitor`).
///
/// A run that ends without writing it (killed, or run with `--no-anomalies`) leaves the last
/// one: the next run replays more, and answers the same. A file that does not fit this store
/// (damaged, another format or other options, or its last event gone) is set aside and the
/// history rebuilt from the store as before.
enum SavedMonitorFile {
    /// What reading the file gave: the saved monitor, or why it was set aside (both nil: there
    /// is no file).
    struct Loaded: Sendable {
        var saved: SavedMonitor?
        var setAside: String?
    }

    static func load(from file: String, options: LiveAnomalyMonitor.Options, reader: WarmReader, storedThroughSeq: Int64) -> Loaded {
        guard let data = FileManager.default.contents(atPath: file) else { return Loaded() }
        do throws(SavedMonitor.Problem) {
            let saved = try SavedMonitor(decoding: [UInt8](data), options: options)
            guard saved.throughSeq <= storedThroughSeq else {
                return Loaded(setAside: "\(file): saved at seq \(saved.throughSeq), past the store's newest (\(storedThroughSeq)); expected the monitor of this store")
            }
            let stored: String?
            do throws(StoreError) { stored = try reader.id(atSeq: saved.throughSeq) } catch {
                return Loaded(setAside: "\(file): \(error.description)")
            }
            guard stored == saved.idAtSeq else {
                return Loaded(setAside: "\(file): the store's event at seq \(saved.throughSeq) is \(stored.map { "\"\(SafeText.sanitize($0))\"" } ?? "gone"), not the one the monitor saw last; expected the monitor of this store")
            }
            return Loaded(saved: saved)
        } catch {
            return Loaded(setAside: "\(file): \(error.description)")
        }
    }

    /// Writes the monitor as having seen every stored event through `throughSeq` (a new file
    /// put in place whole: a reader meets the old file or the new one). Returns what went
    /// wrong, if anything.
    static func save(_ monitor: LiveAnomalyMonitor, risks: [SavedMonitor.EntityRisk], throughSeq: Int64, warmPath: String, to file: String) -> String? {
        guard throughSeq > 0 else { return nil }
        let id: String?
        do throws(StoreError) { id = try WarmReader(path: warmPath).id(atSeq: throughSeq) } catch { return "saving the anomaly monitor: \(error.description)" }
        guard let id else { return nil }   // gone by retention already: the next run rebuilds
        let bytes = SavedMonitor(throughSeq: throughSeq, idAtSeq: id, monitor: monitor, risks: risks).encoded()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: file), options: .atomic)
            return nil
        } catch {
            return "saving the anomaly monitor to \(file): \(error.localizedDescription)"
        }
    }
}
