// PresentPages: which pages of a snapshot can exist at all — the file's whole pages and the pages the log
// holds — so that walks over "every page" are bounded by what is on disk, never by a page count read
// from the header (a damaged or hostile header could claim 2^40 pages).
// Layer: graph facade (Sombra). Used by the verifier, the page census and salvage.
//
// Invariants:
//  1. `forEach` visits each page in 1..<pageCount that the file or the log can supply, once, ascending;
//     it visits at most (file pages + log pages) pages.
//  2. `missingCount` counts the pages in 1..<pageCount it does not visit; `missingRange` spans them.
import SombraFormat
import SombraStorage

struct PresentPages {
    let pageCount: UInt64
    let filePages: UInt64
    /// Pages only the log holds (at or past the file's end, below pageCount), ascending.
    let logOnlyPages: [UInt64]

    init(pageCount: UInt64, filePages: UInt64, logPages: [UInt64]) {
        self.pageCount = pageCount
        self.filePages = filePages
        self.logOnlyPages = logPages.filter { $0 >= filePages && $0 < pageCount }.sorted()
    }

    /// The pages of `snapshot` as `pager` can supply them.
    init(pager: Pager, snapshot: Snapshot) {
        let fileBytes = (try? pager.databaseFileBytes()) ?? 0
        self.init(pageCount: snapshot.header.pageCount, filePages: fileBytes / UInt64(pager.pageSize),
                  logPages: pager.pagesInLog(snapshot: snapshot))
    }

    /// Every page of a raw file (no log).
    init(pageCount: UInt64) { self.init(pageCount: pageCount, filePages: pageCount, logPages: []) }

    var presentCount: UInt64 { (min(pageCount, filePages) > 1 ? min(pageCount, filePages) - 1 : 0) + UInt64(logOnlyPages.count) }
    var missingCount: UInt64 { pageCount > 1 ? pageCount - 1 - presentCount : 0 }

    /// First and last missing page, when some are missing.
    var missingRange: ClosedRange<UInt64>? {
        guard missingCount > 0 else { return nil }
        var first = max(filePages, 1)
        for p in logOnlyPages where p == first { first += 1 }
        var last = pageCount - 1
        for p in logOnlyPages.reversed() where p == last { last -= 1 }
        return first...max(first, last)
    }

    func forEach(_ body: (UInt64) -> Void) {
        var page: UInt64 = 1
        let fileEnd = min(pageCount, filePages)
        while page < fileEnd {
            body(page)
            page += 1
        }
        for p in logOnlyPages { body(p) }
    }
}
