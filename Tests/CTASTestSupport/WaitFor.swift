import Foundation

/// Checks `condition` every 20 ms until it holds or `seconds` pass; true when it held.
///
/// Tests wait for what they check rather than sleep a guessed time: on a loaded two-core run
/// work can be scheduled tens of seconds late (a CI run saw an engine make no progress for
/// over 30 s), so the default is generous; a condition that holds returns at once. Runs on
/// the caller's actor, so the condition may read that actor's state.
public func waitFor(_ seconds: Double = 120, isolation: isolated (any Actor)? = #isolation,
                    _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
