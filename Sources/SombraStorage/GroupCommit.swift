// GroupCommit: lets commits from several threads share one log sync.
//
// A committing thread has appended its frames (ending at log position `end`: generation << 32 | frame) and
// released the writer gate; it then waits here until a sync covers `end`. The first waiter to find no sync running becomes the leader: it
// syncs everything appended so far and wakes the others.
//
// Invariants:
//  1. `syncedPosition` only grows; a waiter returns only when syncedPosition >= its end position. A log restart
//     bumps the generation, so every position of an earlier generation counts as covered (the checkpoint
//     that allowed the restart synced the log first and reported it through `noteSynced`).
//  2. A failed sync is reported to every waiter whose frames it should have covered (never "success then lost").
import Dispatch
import Synchronization
import SombraFormat

package final class GroupCommit: Sendable {
    private struct State {
        var syncedPosition: UInt64 = 0
        var syncing = false
        var waiters: [DispatchSemaphore] = []
        var failure: SombraError? = nil
        var syncCount = 0
    }
    private let state = Mutex(State())

    package init() {}

    package var syncCount: Int { state.withLock { $0.syncCount } }

    /// The log position (generation << 32 | frame) every completed log sync so far covers.
    package var syncedPosition: UInt64 { state.withLock { $0.syncedPosition } }

    /// Records a sync made elsewhere (the checkpoint syncs the log before copying it) and wakes waiters.
    package func noteSynced(_ position: UInt64) {
        let waiters = state.withLock { s -> [DispatchSemaphore] in
            s.syncedPosition = max(s.syncedPosition, position)
            if s.syncing { return [] }
            let w = s.waiters
            s.waiters.removeAll()
            return w
        }
        for w in waiters { w.signal() }
    }

    /// Waits until frame `end` is durable. `appendedEnd` reports the last frame appended so far and
    /// `sync` syncs the log.
    package func waitDurable(_ end: UInt64, appendedEnd: () -> UInt64,
                             sync: () throws(SombraError) -> Void) throws(SombraError) {
        while true {
            enum Step { case done, lead(UInt64), wait(DispatchSemaphore), fail(SombraError) }
            let step: Step = state.withLock { s in
                if let f = s.failure { return .fail(f) }
                if s.syncedPosition >= end { return .done }
                if !s.syncing { s.syncing = true; return .lead(max(end, appendedEnd())) }
                let sem = DispatchSemaphore(value: 0)
                s.waiters.append(sem)
                return .wait(sem)
            }
            switch step {
            case .done: return
            case .fail(let f): throw f
            case .wait(let sem): sem.wait()
            case .lead(let target):
                var failure: SombraError? = nil
                do throws(SombraError) { try sync() } catch { failure = error }
                let waiters = state.withLock { s -> [DispatchSemaphore] in
                    s.syncing = false
                    s.syncCount += 1
                    if let f = failure { s.failure = f } else { s.syncedPosition = max(s.syncedPosition, target) }
                    let w = s.waiters
                    s.waiters.removeAll()
                    return w
                }
                for w in waiters { w.signal() }
                if let f = failure { throw f }
            }
        }
    }
}
