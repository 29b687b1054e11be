// WALIndex: in memory, which log frames hold which page, and where each committed transaction ends.
//
// Only committed frames are indexed (a write transaction keeps its own uncommitted frames). Readers find
// the version of a page in their snapshot as the newest frame <= their snapshot's frame limit.
//
// Invariants:
//  1. Each page's frame list is strictly ascending.
//  2. `commits` is strictly ascending by frame; every indexed frame is <= the last commit frame.
import SombraFormat

package struct WALIndex: Sendable {
    private var framesByPage: [UInt64: [UInt32]] = [:]
    /// Commit frames in order, with the database page count each commit left.
    package private(set) var commits: [(frame: UInt32, pageCount: UInt64)] = []

    package init() {}

    package var lastCommitFrame: UInt32 { commits.last?.frame ?? 0 }
    package var isEmpty: Bool { commits.isEmpty }
    package var pagesIndexed: Int { framesByPage.count }

    /// The newest frame holding `page` that is <= `limit`, if any.
    package func latest(_ page: PageID, atOrBefore limit: UInt32) -> UInt32? {
        guard limit > 0, let list = framesByPage[page.rawValue] else { return nil }
        var i = list.count - 1
        while i >= 0 {
            if list[i] <= limit { return list[i] }
            i -= 1
        }
        return nil
    }

    package mutating func add(page: PageID, frame: UInt32) {
        framesByPage[page.rawValue, default: []].append(frame)
    }

    package mutating func addCommit(frame: UInt32, pageCount: UInt64) {
        commits.append((frame, pageCount))
    }

    /// The page count recorded by the commit ending at `frame`.
    package func pageCount(atCommitFrame frame: UInt32) -> UInt64? {
        var lo = 0, hi = commits.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if commits[mid].frame == frame { return commits[mid].pageCount }
            if commits[mid].frame < frame { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    /// The newest commit frame <= `limit` (0 if none).
    package func commitFrame(atOrBefore limit: UInt32) -> UInt32 {
        var best: UInt32 = 0
        for c in commits.reversed() where c.frame <= limit { best = c.frame; break }
        return best
    }

    /// For each page with a frame in (after, upTo]: its newest frame <= upTo, sorted by page.
    package func pagesToBackfill(after start: UInt32, upTo limit: UInt32) -> [(page: PageID, frame: UInt32)] {
        var out: [(page: PageID, frame: UInt32)] = []
        for (page, list) in framesByPage {
            var i = list.count - 1
            while i >= 0, list[i] > limit { i -= 1 }
            if i >= 0, list[i] > start { out.append((PageID(page), list[i])) }
        }
        out.sort { $0.page < $1.page }
        return out
    }

    package mutating func removeAll() {
        framesByPage.removeAll(keepingCapacity: true)
        commits.removeAll(keepingCapacity: true)
    }
}
