import CTASCore
import Foundation
import H3

/// `ctas h3 latLngToCell --batch`: one JSON object per line in (`{"lat":…,"lng":…,"res":…}`),
/// one line out per line in, in order: `{"cell":"…"}` or `{"error":"line N: …"}`.
public enum H3BatchLines {
    /// Reads standard input to its end, answering each line on standard output.
    public static func run() {
        var out = ""
        out.reserveCapacity(1 << 16)
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            out += answer(line, lineNumber) + "\n"
            if out.utf8.count > 1 << 16 {
                StandardStreams.writeOutput(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        StandardStreams.writeOutput(out)
    }

    /// The answer line for one input line (without its newline).
    public static func answer(_ line: String, _ n: Int) -> String {
        guard let data = line.data(using: .utf8),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return error("line \(n): expected a JSON object {\"lat\":…,\"lng\":…,\"res\":…}")
        }
        guard let lat = (object["lat"] as? NSNumber)?.doubleValue, let lng = (object["lng"] as? NSNumber)?.doubleValue else {
            return error("line \(n): \"lat\" and \"lng\" must be numbers")
        }
        guard let resNumber = object["res"] as? NSNumber, let res = Int(exactly: resNumber.doubleValue) else {
            return error("line \(n): \"res\" must be an integer 0–15")
        }
        do throws(H3Error) {
            return "{\"cell\":\"\(try H3.latLngToCell(lat: lat, lng: lng, res: res))\"}"
        } catch {
            return self.error("line \(n): \(error)")
        }
    }

    static func error(_ message: String) -> String { "{\"error\":" + JSONString.quoted(message) + "}" }
}
