#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A task executor with threads of its own, so work that must keep time (the engine's
/// stages, the console's screen) never waits for the shared cooperative pool.
///
/// Swift's cooperative pool has one thread per core. On a two-core machine two long
/// synchronous jobs anywhere in the process (an oracle comparison in a test, a big
/// JSON encode) hold every thread, and the engine's stages — suspended on a queue, ready to
/// run — wait seconds for a turn. Tasks started with `Task(executorPreference: pool)` run
/// here instead, and so do the default actors they call (SE-0417); a stage that blocks on
/// SQLite or a read blocks one of these threads, not the pool's.
///
/// Threads start on first use and live as long as the executor (a `ctas` process makes one
/// or two); `shutdown()` ends them once their queue is empty.
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {   // `jobs`/`stopping` only under `mutex`; threads signalled through `condition`
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopping = false
    private var started = false
    private var idle = 0
    /// How many threads run jobs.
    public let threadCount: Int

    /// A pool of `threads` threads.
    public init(threads: Int) {
        threadCount = max(1, threads)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// The process's pool for short work that keeps time (starting and joining the engine's
    /// stages, the console's frame timer): a thread per core plus two (at least four). Long
    /// computations do not belong here: they would hold the threads the pipeline waits for.
    public static let shared = ThreadPoolExecutor(threads: max(4, activeProcessors() + 2))

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(mutex)
        if !started {
            started = true
            for _ in 0..<threadCount { spawn() }
        }
        jobs.append(unowned)
        let wake = idle > 0
        pthread_mutex_unlock(mutex)
        if wake { pthread_cond_signal(condition) }
    }

    /// Lets the threads end once every queued job has run (jobs enqueued later still run, on
    /// a thread that is still there or not at all: call it when nothing uses the pool).
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_mutex_unlock(mutex)
        pthread_cond_broadcast(condition)
    }

    private func spawn() {
        let box = Unmanaged.passRetained(WorkerContext(pool: self))
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let context = Unmanaged<WorkerContext>.fromOpaque(raw).takeRetainedValue()
            context.pool.work()
            return nil
        }, box.toOpaque())
        if created == 0 {
            pthread_detach(thread)
        } else {
            box.release()
        }
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            pthread_mutex_lock(mutex)
            while head == jobs.count && !stopping {
                idle += 1
                pthread_cond_wait(condition, mutex)
                idle -= 1
            }
            guard head < jobs.count else {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 && head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            pthread_mutex_unlock(mutex)
            job.runSynchronously(on: executor)
        }
    }

    private static func activeProcessors() -> Int {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return online > 0 ? Int(online) : 2
    }
}

/// What a new worker thread needs (passed through `pthread_create`'s pointer).
private final class WorkerContext {
    let pool: ThreadPoolExecutor
    init(pool: ThreadPoolExecutor) { self.pool = pool }
}
