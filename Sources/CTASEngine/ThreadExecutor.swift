import CTASCore
import Foundation

/// A serial executor that runs an actor's jobs on one dedicated thread, and keeps its own
/// timers.
///
/// Every pipeline stage runs on a thread of its own: stages that block (file and socket
/// reads, SQLite commits) never occupy the cooperative pool, which has only as many threads
/// as cores (two here), and nothing that occupies the pool (a slow task elsewhere in the
/// process) can stall ingest. The kernel schedules the stage threads over the cores.
///
/// A stage that waits for time (a replay's next release, a trickle's linger) sleeps here, not
/// with `Task.sleep`: the thread waits on its own condition until the deadline, so a sleep
/// wakes this thread alone. `Task.sleep` went through the dispatch timer thread, a dispatch
/// worker and a pool thread before it came back; at the demo's pace those hops were a
/// quarter of the console's CPU.
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {   // `jobs`, `timers`, `stopping`, `serving` only under `mutex`
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [UnownedJob] = []
    private var head = 0
    /// Work due at a time of the monotonic clock (nanoseconds), in no order.
    private var timers: [(due: UInt64, body: @Sendable () -> Void)] = []
    private var stopping = false
    /// Whether a thread is serving the jobs (false once it has ended after `shutdown`).
    private var serving = true
    public let name: String

    public init(name: String) {
        self.name = name
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        // Timed waits on the monotonic clock, as `MonotonicClock` reads it: a wall-clock step
        // neither stretches nor cuts a sleep.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        startThread()
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    private func startThread() {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(unowned)
        // A call that arrives after the stage finished (a seek or a query on a source that
        // has ended) still runs, on a thread started for it, instead of waiting forever.
        let revive = !serving
        serving = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        if revive { startThread() }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Runs `body` on this executor's thread once `nanoseconds` have passed (or soon after:
    /// after the job running then). A thread that was told to shut down still waits for it.
    public func schedule(after nanoseconds: UInt64, _ body: @escaping @Sendable () -> Void) {
        let due = MonotonicClock.nanoseconds() &+ nanoseconds
        pthread_mutex_lock(mutex)
        timers.append((due, body))
        let revive = !serving
        serving = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        if revive { startThread() }
    }

    /// Suspends the caller for `nanoseconds`. The caller runs on this executor (an actor whose
    /// executor it is): it resumes here without any other thread waking.
    public func sleep(nanoseconds: UInt64, isolation: isolated (any Actor)? = #isolation) async {
        await withCheckedContinuation(isolation: isolation) { (continuation: CheckedContinuation<Void, Never>) in
            schedule(after: nanoseconds) { continuation.resume() }
        }
    }

    /// Lets the thread end once the jobs already queued, and the timers already set, have run.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func run() {
        // Visible in `top -H`, `ps -L` and profilers (15 characters at most).
        Thread.current.name = String(name.prefix(15))
        pthread_mutex_lock(mutex)
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head == jobs.count {
                    jobs.removeAll(keepingCapacity: true)
                    head = 0
                } else if head > 1024 && head * 2 > jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                pthread_mutex_unlock(mutex)
                job.runSynchronously(on: asUnownedSerialExecutor())
                pthread_mutex_lock(mutex)
                continue
            }
            if !timers.isEmpty {
                let now = MonotonicClock.nanoseconds()
                var earliest = UInt64.max
                var due: [(due: UInt64, body: @Sendable () -> Void)] = []
                timers.removeAll { timer in
                    if timer.due <= now {
                        due.append(timer)
                        return true
                    }
                    earliest = min(earliest, timer.due)
                    return false
                }
                if !due.isEmpty {
                    // In deadline order (timers are kept as set): a thread that woke late, with
                    // several due, fired them in the order they were set (seen on a busy machine).
                    // Ties keep the order they were set in.
                    if due.count > 1 {
                        due = due.enumerated().sorted { ($0.element.due, $0.offset) < ($1.element.due, $1.offset) }.map(\.element)
                    }
                    // Outside the lock: a resumed continuation enqueues its job here.
                    pthread_mutex_unlock(mutex)
                    for timer in due { timer.body() }
                    pthread_mutex_lock(mutex)
                    continue
                }
                var deadline = timespec(tv_sec: Int(earliest / 1_000_000_000), tv_nsec: Int(earliest % 1_000_000_000))
                _ = pthread_cond_timedwait(condition, mutex, &deadline)
                continue
            }
            if stopping {
                serving = false
                pthread_mutex_unlock(mutex)
                return
            }
            pthread_cond_wait(condition, mutex)
        }
    }
}
