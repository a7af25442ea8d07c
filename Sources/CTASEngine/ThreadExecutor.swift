import Foundation

/// A serial executor that runs an actor's jobs on one dedicated thread.
///
/// Every pipeline stage runs on a thread of its own: stages that block (file and socket
/// reads, SQLite commits) never occupy the cooperative pool, which has only as many threads
/// as cores (two here), and nothing that occupies the pool (a slow task elsewhere in the
/// process) can stall ingest. The kernel schedules the stage threads over the cores.
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {   // the job list is only touched under `condition`
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopping = false
    /// Whether a thread is serving the jobs (false once it has ended after `shutdown`).
    private var serving = true
    public let name: String

    public init(name: String) {
        self.name = name
        startThread()
    }

    private func startThread() {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        // A call that arrives after the stage finished (a seek or a query on a source that
        // has ended) still runs, on a thread started for it, instead of waiting forever.
        let revive = !serving
        serving = true
        condition.signal()
        condition.unlock()
        if revive { startThread() }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets the thread end once the jobs already queued have run.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        // Visible in `top -H`, `ps -L` and profilers (15 characters at most).
        Thread.current.name = String(name.prefix(15))
        while true {
            condition.lock()
            while head == jobs.count && !stopping { condition.wait() }
            if head == jobs.count && stopping {
                serving = false
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head > 1024 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedSerialExecutor())
        }
    }
}
