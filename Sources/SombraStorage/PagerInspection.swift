// PagerInspection: read-only access for diagnostic tools (the graph verifier, salvage, `sombractl page`):
// a page's bytes as the snapshot holds them, *without* verification, and where they came from.
// Layer: storage. Never writes, never caches what it reads (a damaged page must not enter the cache).
//
// Invariants:
//  1. `rawPage` picks the same version `readPage` would (newest visible log frame, else the file) but
//     returns the bytes even when their checksum or kind is wrong; short reads are returned short.
//  2. Nothing here changes pager state except taking the state lock briefly to look the log index up.
import SombraFormat
import SombraIO

/// Where a page version was read from.
package enum PageSource: Sendable, Equatable, CustomStringConvertible {
    case file
    case log(frame: UInt32)

    package var description: String {
        switch self {
        case .file: return "database file"
        case .log(let frame): return "log frame \(frame)"
        }
    }
}

extension Pager {
    /// The bytes of `id` in `snapshot`, unverified (invariant 1). Page numbers past the snapshot's page
    /// count are refused; a page past the end of the file comes back shorter than a page (possibly empty).
    package func rawPage(_ id: PageID, snapshot: Snapshot) throws(SombraError) -> (bytes: [UInt8], source: PageSource) {
        guard id.rawValue < snapshot.header.pageCount else {
            throw .corruptPage(page: id.rawValue, reason: "page number is past the end of the database (\(snapshot.header.pageCount) pages)")
        }
        let frame = try state.withLock { s throws(SombraError) -> UInt32? in
            if s.closed { throw SombraError.closed }
            return s.committed.generation == snapshot.generation ? s.index.latest(id, atOrBefore: snapshot.frameLimit) : nil
        }
        if let frame, let bytes = try logImage(id, frame: frame, snapshot: snapshot) {
            return (bytes, .log(frame: frame))
        }
        return (try db.read(at: id.rawValue * UInt64(pageSize), count: pageSize), .file)
    }

    /// Pages of `snapshot` that the log holds (their newest visible frame), ascending. Empty when the log
    /// has restarted since the snapshot (its pages are then all in the file).
    package func pagesInLog(snapshot: Snapshot) -> [UInt64] {
        state.withLock { s in
            guard s.committed.generation == snapshot.generation else { return [] }
            return s.index.pagesToBackfill(after: 0, upTo: snapshot.frameLimit).map(\.page.rawValue)
        }
    }

    /// Size in bytes of the database file as it is on disk now.
    package func databaseFileBytes() throws(SombraError) -> UInt64 { try db.size() }

    /// Size in bytes of the log file, or nil when this handle has none open.
    package func logFileBytes() throws(SombraError) -> UInt64? { try wal?.file.size() }
}
