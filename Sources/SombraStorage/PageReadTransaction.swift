// PageReadTransaction: a read-only view of one committed snapshot, for as long as it lives.
//
// Invariants:
//  1. Every page read returns the page as of `snapshot`, whatever commits or checkpoints happen meanwhile
//     (the reader's slot in the pager's reader table holds checkpoints back).
//  2. After `end()` (or deinit) every read throws `.transactionEnded`, and the slot is released.
//  3. `renew()` starts an ended transaction again, at the same snapshot, when that is still the newest
//     committed one (so every page reads as before); otherwise it stays ended. Only the sole owner of the
//     object calls it (the graph layer's pool of read sessions).
import Synchronization
import SombraFormat

package final class PageReadTransaction: PageReader, @unchecked Sendable {
    // @unchecked: `ended` and `readerID` are atomic; everything else is immutable.
    package let pager: Pager
    package let snapshot: Snapshot
    private let readerID: Atomic<UInt64>
    private let ended = Atomic<Bool>(false)

    init(pager: Pager, snapshot: Snapshot, readerID: UInt64) {
        self.pager = pager
        self.snapshot = snapshot
        self.readerID = Atomic(readerID)
    }

    deinit { end() }

    package var pageSize: Int { pager.pageSize }
    package var pageCount: UInt64 { snapshot.header.pageCount }
    package var changeCounter: UInt64 { 0 }
    package var header: FileHeader { snapshot.header }
    /// The id of the last transaction this snapshot includes.
    package var snapshotID: TxID { snapshot.txID }
    package var isActive: Bool { !ended.load(ordering: .acquiring) }

    package func page(_ id: PageID) throws(SombraError) -> [UInt8] {
        guard isActive else { throw .transactionEnded }
        return try pager.readPage(id, snapshot: snapshot)
    }

    package func end() {
        if ended.exchange(true, ordering: .acquiringAndReleasing) == false {
            pager.endRead(readerID.load(ordering: .relaxed))
        }
    }

    /// Starts this ended transaction again if its snapshot is still the newest committed one; returns false
    /// (and stays ended) when it is not (invariant 3). Throws `.closed` after the pager closed.
    package func renew() throws(SombraError) -> Bool {
        end()
        guard let id = try pager.registerReader(ifStillAt: snapshot) else { return false }
        readerID.store(id, ordering: .relaxed)
        ended.store(false, ordering: .releasing)
        return true
    }
}
