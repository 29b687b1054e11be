// PageWriteTransaction: the one writer's view: committed pages plus its own dirty pages, private until commit.
//
// State machine:   active --commit--> committed
//                    |  \--rollback / error before the commit frame--> rolledBack
//                    \--error at or after the commit frame--> failed (pager poisoned: outcome unknown)
//
// Invariants:
//  1. Dirty pages live in `dirty` (or, past `dirtyBytesMax`, in uncommitted log frames listed in `spilled`,
//     or, for pages past the committed page count of a large transaction, in the database file: `direct`,
//     DirectWrite.swift); no reader can see any of them before commit publishes.
//  2. Page 0 is never in `dirty`: the header is `header` and is written as the commit frame, always last.
//  3. Rollback writes nothing.
//  4. Every page handed out was verified when read from disk; every page written is sealed (checksum, txID).
import SombraFormat

package final class PageWriteTransaction: PageWriter {
    enum State { case active, committed, rolledBack, failed }

    package let pager: Pager
    package let base: Snapshot
    package var header: FileHeader
    package let txID: TxID
    package private(set) var changeCounter: UInt64 = 0
    var state = State.active
    var dirty: [PageID: [UInt8]] = [:]
    /// Each dirty page's image before this transaction first changed it, or last spilled it (verified when
    /// read, so its stored checksum is right): sealing reads only the bytes that changed since
    /// (`PageHeader.seal(changedFrom:)`). Holding it copies nothing (the first change copies the page anyway,
    /// as the cache shares it), and a spill empties it, so it never outgrows `dirty`'s budget.
    var originals: [PageID: [UInt8]] = [:]
    /// Pages this transaction spilled to the log, by page: the newest frame holding it (always whole).
    var spilled: [PageID: FrameLocation] = [:]
    /// Frames written so far by this transaction, in order (spills), for publishing at commit.
    var spilledFrames: [(page: PageID, frame: UInt32, location: FrameLocation)] = []
    /// Fresh pages this transaction wrote straight into the database file (DirectWrite.swift).
    var direct: Set<PageID> = []
    /// On once the transaction writes its fresh pages to the database file; stays on.
    var directMode = false
    /// Direct writes not yet synced (commit syncs the file before its commit frame).
    var directUnsynced = false
    /// The next log frame this transaction writes, and the byte offset it goes to.
    var nextFrame: UInt32
    var nextOffset: UInt64
    /// Dirty bytes kept in memory before a spill (the pager's `dirtyBytesMax` unless lowered: a bulk load
    /// lowers it, because its pages are written once and holding them only costs memory).
    package var dirtyBytesMax: Int
    var chainChecksum: UInt32

    init(pager: Pager, base: Snapshot, chainChecksum: UInt32, logEnd: UInt64) {
        self.pager = pager
        self.base = base
        self.header = base.header
        self.txID = base.header.lastTxID.next
        self.nextFrame = base.frameLimit + 1
        self.nextOffset = logEnd
        self.chainChecksum = chainChecksum
        self.dirtyBytesMax = pager.options.dirtyBytesMax
    }

    deinit {
        if state == .active { rollback() }
    }

    package var pageSize: Int { pager.pageSize }
    package var pageCount: UInt64 { header.pageCount }
    package var isActive: Bool { state == .active }

    func checkActive() throws(SombraError) {
        guard state == .active else { throw .transactionEnded }
    }

    // MARK: PageReader / PageWriter

    package func page(_ id: PageID) throws(SombraError) -> [UInt8] {
        try checkActive()
        if let d = dirty[id] { return d }
        guard id.rawValue < header.pageCount else {
            throw .corruptPage(page: id.rawValue, reason: "page number is past the end of the database (\(header.pageCount) pages)")
        }
        if direct.contains(id) { return try readDirectPage(id) }
        if let location = spilled[id], let wal = pager.wal {
            guard let bytes = try wal.readWholePage(at: location, page: id, salt: base.salt) else {
                throw .corruptWAL(reason: "spilled frame at log offset \(location.offset) for page \(id.rawValue) is missing")
            }
            _ = try PageHeader.verify(bytes, page: id, pageSize: pageSize)
            return bytes
        }
        return try pager.readPage(id, snapshot: base)
    }

    package func update<R>(_ id: PageID, _ body: (inout [UInt8]) throws(SombraError) -> R) throws(SombraError) -> R {
        try checkActive()
        guard id != .header else { throw .invalidArgument("page 0 is changed only through the header") }
        var bytes: [UInt8]
        if let d = dirty.removeValue(forKey: id) {
            bytes = d
        } else {
            bytes = try page(id)
            if PageHeader.kind(of: bytes) == .free {
                throw .corruptPage(page: id.rawValue, reason: "a live pointer leads to a free page")
            }
            if originals[id] == nil { originals[id] = bytes }
        }
        changeCounter &+= 1
        defer {
            if bytes.count == pageSize { dirty[id] = bytes }
        }
        let result = try body(&bytes)
        guard bytes.count == pageSize else { throw .invalidArgument("page \(id.rawValue) changed size") }
        try spillIfNeeded()
        return result
    }

    package func allocate(_ kind: PageKind) throws(SombraError) -> PageID {
        try checkActive()
        // Spill first: the new page is about to be written by the caller, so spilling it empty would cost a
        // second write of it.
        try spillIfNeeded()
        let id: PageID
        if header.freeListHead != .none {
            id = header.freeListHead
            let bytes = try page(id)
            guard PageHeader.kind(of: bytes) == .free else {
                throw .corruptPage(page: id.rawValue, reason: "free list names a page that is not free")
            }
            let next = PageID(bytes.loadLE(UInt64.self, at: FreePage.nextOffset))
            guard next.rawValue < header.pageCount, next != id, header.freePageCount > 0 else {
                throw .corruptPage(page: id.rawValue, reason: "free list link \(next.rawValue) is invalid")
            }
            header.freeListHead = next
            header.freePageCount -= 1
        } else {
            guard header.pageCount < FreePage.maxPageCount else {
                throw .diskFull(operation: "allocate page (database at its maximum page count)", path: pager.path)
            }
            id = PageID(header.pageCount)
            header.pageCount += 1
        }
        dirty[id] = PageHeader.makePage(kind: kind, pageSize: pageSize)
        changeCounter &+= 1
        return id
    }

    package func free(_ id: PageID) throws(SombraError) {
        try checkActive()
        guard id != .header, id.rawValue < header.pageCount else {
            throw .invalidArgument("cannot free page \(id.rawValue)")
        }
        let current = try page(id)
        if PageHeader.kind(of: current) == .free {
            throw .corruptPage(page: id.rawValue, reason: "page freed twice")
        }
        dirty[id] = FreePage.make(next: header.freeListHead, pageSize: pageSize)
        header.freeListHead = id
        header.freePageCount += 1
        changeCounter &+= 1
        try spillIfNeeded()
    }

    /// Registers a tree root (or any page) in header slot `slot`.
    package func setRoot(_ slot: Int, _ page: PageID) throws(SombraError) {
        try checkActive()
        guard slot >= 0, slot < FileHeader.rootSlotCount else { throw .invalidArgument("root slot \(slot)") }
        header.roots[slot] = page
        changeCounter &+= 1
    }

    // MARK: Ending

    package func rollback() {
        guard state == .active else { return }
        state = .rolledBack
        dirty.removeAll()
        originals.removeAll()
        spilled.removeAll()
        direct.removeAll()
        pager.gate.release()
    }

    /// Commits; returns the new transaction id (the commit id readers' snapshots are numbered by).
    @discardableResult
    package func commit() throws(SombraError) -> TxID {
        try checkActive()
        return try pager.commit(self)
    }

    // MARK: Spilling

    func spillIfNeeded() throws(SombraError) {
        guard dirty.count * pageSize > dirtyBytesMax, dirty.count > 8 else { return }
        try spill()
    }

    /// Seals dirty page `id` (checksum and txID), from its original image when there is one.
    func sealPage(_ bytes: inout [UInt8], _ id: PageID) -> UInt32 {
        if let original = originals[id] { return PageHeader.seal(&bytes, page: id, txID: txID, changedFrom: original) }
        return PageHeader.seal(&bytes, page: id, txID: txID)
    }

    /// Writes every dirty page to the log as uncommitted frames, or (fresh pages of a large transaction)
    /// into the database file, and forgets them (invariant 1).
    func spill() throws(SombraError) {
        guard let wal = pager.wal, !dirty.isEmpty else { return }
        let before = dirty.count
        try writeDirectPages()
        // Pages kept for the log stay in memory while they fit the budget (few, once fresh ones go direct).
        if dirty.count < before, dirty.count * pageSize <= dirtyBytesMax { return }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(dirty.count * wal.frameSize)
        var frame = nextFrame
        var offset = nextOffset
        var chain = chainChecksum
        var written: [(PageID, UInt32, FrameLocation)] = []
        // Spilled frames are always whole pages: a later frame of the page may be a delta against them.
        for (id, var bytes) in dirty.sorted(by: { $0.key < $1.key }) {
            let seal = sealPage(&bytes, id)
            let h = WALFrameHeader(page: id, txID: txID, commitPageCount: 0, salt: base.salt)
            chain = wal.checksummer.appendSealed(h, pageBytes: bytes, seal: seal, previous: chain, to: &buffer)
            let location = FrameLocation(offset: offset, deltaLength: 0, depth: 0)
            written.append((id, frame, location))
            frame += 1
            offset += location.frameBytes(pageSize: pageSize)
        }
        try wal.write(buffer, at: nextOffset)
        for (id, f, l) in written { spilled[id] = l; spilledFrames.append((id, f, l)) }
        nextFrame = frame
        nextOffset = offset
        chainChecksum = chain
        dirty.removeAll(keepingCapacity: true)
        // The spilled frames (verified when read back) are the originals of any later change: keeping the
        // committed images would hold every page a large transaction ever changed in memory.
        originals.removeAll(keepingCapacity: true)
    }
}

/// A free page: kind `free`, the next free page's number at offset 16 (0 ends the list).
package enum FreePage {
    package static let nextOffset = 16
    /// Bound on page numbers so that byte offsets never overflow (2^40 pages).
    package static let maxPageCount: UInt64 = FileHeader.maxPageCount

    package static func make(next: PageID, pageSize: Int) -> [UInt8] {
        var p = PageHeader.makePage(kind: .free, pageSize: pageSize)
        p.storeLE(next.rawValue, at: nextOffset)
        return p
    }
}
