// WriterGate: the single-writer lock, held from beginWrite to commit/rollback (possibly across calls).
//
// Invariants:
//  1. At most one write transaction is active per pager.
//  2. A thread that already holds the gate and asks again gets `.busy` instead of deadlocking
//     (a nested `write { }` inside a `write { }` callback).
import Dispatch
import SombraFormat
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

package final class WriterGate: Sendable {
    private let semaphore = DispatchSemaphore(value: 1)
    private let owner = Mutex<pthread_t?>(nil)

    package init() {}

    package func acquire() throws(SombraError) {
        let me = pthread_self()
        let reentrant = owner.withLock { $0.map { pthread_equal($0, me) != 0 } ?? false }
        if reentrant { throw .busy(reason: "this thread already holds the write transaction") }
        semaphore.wait()
        owner.withLock { $0 = me }
    }

    package func tryAcquire() -> Bool {
        guard semaphore.wait(timeout: .now()) == .success else { return false }
        owner.withLock { $0 = pthread_self() }
        return true
    }

    package func release() {
        owner.withLock { $0 = nil }
        semaphore.signal()
    }
}


