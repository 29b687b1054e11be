// WALIndex: in memory, which log frames hold which page, and where each committed transaction ends.
//
// Only committed frames are indexed (a write transaction keeps its own uncommitted frames). Readers find
// the version of a page in their snapshot as the newest frame <= their snapshot's frame limit.
//
// Invariants:
//  1. Each page's frame list is strictly ascending.
//  2. `commits` is strictly ascending by frame; every indexed frame is <= the last commit frame.
//  3. Frames are indexed in order from 1 with none missing: `locations[n - 1]` is where frame n is.
//  4. A delta frame's page has an earlier frame, and walking back at most `WALDelta.maxChain` frames of
//     the page reaches a whole one (the writer and recovery both keep this; `chain` checks it again).
import SombraFormat

/// Where a frame is in the log and what it carries.
package struct FrameLocation: Sendable, Equatable {
    /// Byte offset of the frame's header in the log.
    package var offset: UInt64
    /// 0: the frame carries the whole page; otherwise its delta payload's length.
    package var deltaLength: UInt32
    /// 0 for a whole frame; else how many delta frames of the page, this one included, follow the whole one.
    package var depth: UInt8

    package init(offset: UInt64, deltaLength: UInt32, depth: UInt8) {
        self.offset = offset
        self.deltaLength = deltaLength
        self.depth = depth
    }

    package var isDelta: Bool { deltaLength != 0 }

    /// Bytes of the frame, header included.
    package func frameBytes(pageSize: Int) -> UInt64 {
        UInt64(WALFrameHeader.size) + (deltaLength == 0 ? UInt64(pageSize) : UInt64(deltaLength))
    }
}

package struct WALIndex: Sendable {
    private var framesByPage: [UInt64: [UInt32]] = [:]
    /// Invariant 3.
    private var locations: [FrameLocation] = []
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

    /// Indexes frame `frame` (the next one: invariant 3) of `page`, at `location`.
    package mutating func add(page: PageID, frame: UInt32, location: FrameLocation) {
        assert(Int(frame) == locations.count + 1, "frames are indexed in order")
        framesByPage[page.rawValue, default: []].append(frame)
        locations.append(location)
    }

    /// The depth (FrameLocation.depth) of `page`'s newest frame <= `limit`; nil when it has none.
    package func latestDepth(_ page: PageID, atOrBefore limit: UInt32) -> UInt8? {
        latest(page, atOrBefore: limit).flatMap { location(ofFrame: $0)?.depth }
    }

    /// Where frame `frame` is, if it is indexed.
    package func location(ofFrame frame: UInt32) -> FrameLocation? {
        guard frame > 0, Int(frame) <= locations.count else { return nil }
        return locations[Int(frame) - 1]
    }

    /// The byte offset just past frame `frame` (the log header's end for frame 0).
    package func endOffset(ofFrame frame: UInt32, pageSize: Int) -> UInt64 {
        guard let l = location(ofFrame: frame) else { return UInt64(WALHeader.size) }
        return l.offset + l.frameBytes(pageSize: pageSize)
    }

    /// The frames that rebuild `page` as of its frame `frame`: the whole frame, then each delta up to and
    /// including `frame`, oldest first; `stop` may end the walk early at a frame whose page image the caller
    /// already has (that frame is then first). Nil when the index breaks invariant 4 for the page.
    package func chain(_ page: PageID, to frame: UInt32, stop: (UInt32) -> Bool = { _ in false })
        -> [(frame: UInt32, location: FrameLocation)]? {
        guard let list = framesByPage[page.rawValue] else { return nil }
        var i = list.count - 1
        while i >= 0, list[i] > frame { i -= 1 }
        guard i >= 0, list[i] == frame else { return nil }
        var out: [(frame: UInt32, location: FrameLocation)] = []
        while i >= 0, out.count <= WALDelta.maxChain, let l = location(ofFrame: list[i]) {
            out.append((list[i], l))
            if !l.isDelta || (out.count > 1 && stop(list[i])) { return out.reversed() }
            i -= 1
        }
        return nil
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
        locations.removeAll(keepingCapacity: true)
        commits.removeAll(keepingCapacity: true)
    }
}
