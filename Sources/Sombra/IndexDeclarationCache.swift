// IndexDeclarationCache: which property indexes exist, as read transactions found them in the catalog,
// for the newest snapshot they read. Shared by all read transactions of a GraphDB, so a query at an
// unchanged snapshot does not search the catalog tree again.
//
// Invariants:
//  1. Entries describe exactly one committed snapshot (`snapshotID`, a commit id): the catalog of a committed
//     snapshot never changes, so an entry is valid for every reader at that snapshot.
//  2. Only read transactions use it (a writer sees its own uncommitted declarations).
//  3. A lookup at another snapshot misses; a store at a newer snapshot replaces every entry.
import Synchronization

final class IndexDeclarationCache: Sendable {
    private struct State {
        var snapshotID: UInt64 = 0
        /// (label << 32 | key) -> index id, or nil when no index is declared.
        var entries: [UInt64: UInt32?] = [:]
    }
    private let state = Mutex(State())

    private static func slot(_ label: UInt32, _ key: UInt32) -> UInt64 { UInt64(label) << 32 | UInt64(key) }

    /// `.some(id or nil)` if known at `snapshotID`, nil if not known.
    func lookup(snapshotID: UInt64, label: UInt32, key: UInt32) -> UInt32?? {
        state.withLock { s in
            guard s.snapshotID == snapshotID else { return nil }
            return s.entries[Self.slot(label, key)]
        }
    }

    func store(snapshotID: UInt64, label: UInt32, key: UInt32, index: UInt32?) {
        state.withLock { s in
            if snapshotID > s.snapshotID {
                s.snapshotID = snapshotID
                s.entries.removeAll(keepingCapacity: true)
            }
            guard snapshotID == s.snapshotID else { return }
            s.entries[Self.slot(label, key)] = .some(index)
        }
    }
}
