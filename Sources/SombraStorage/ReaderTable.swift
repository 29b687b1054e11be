// ReaderTable: the live read transactions of a pager and the snapshot each one holds.
// Layer: storage. Kept inside the pager's state mutex; checkpoints read it to know how far they may copy.
//
// Invariants:
//  1. An id names one live reader from `insert` until `remove`; ids are slot numbers and are reused only
//     after removal (a reader removes itself exactly once).
//  2. `count` is the number of live readers; `values` yields each live reader's slot once.
//  3. No hashing on the read path: insert and remove are O(1) array operations.

struct ReaderTable {
    private var slots: [ReaderSlot?] = []
    private var freeSlots: [Int] = []
    private(set) var count = 0

    mutating func insert(_ reader: ReaderSlot) -> UInt64 {
        count += 1
        if let i = freeSlots.popLast() {
            slots[i] = reader
            return UInt64(i)
        }
        slots.append(reader)
        return UInt64(slots.count - 1)
    }

    mutating func remove(_ id: UInt64) {
        guard id < UInt64(slots.count), slots[Int(id)] != nil else { return }
        slots[Int(id)] = nil
        freeSlots.append(Int(id))
        count -= 1
    }

    var values: LazyMapSequence<LazyFilterSequence<LazyMapSequence<[ReaderSlot?], ReaderSlot?>>, ReaderSlot> {
        slots.lazy.compactMap { $0 }
    }
}
