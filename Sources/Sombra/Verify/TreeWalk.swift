// TreeWalk: visits every readable leaf of a B+tree in key order and keeps going past damage, recording
// the key ranges it could not read. Used by the verifier's cross-checks and by salvage (repair, vacuum).
// Layer: graph facade (Sombra), over SombraIndex's page inspection.
//
// Invariants:
//  1. Each page is entered at most once and the walk is at most `depthMax` levels deep, so it ends after
//     at most `pageCount` page reads, whatever the file holds (cycles, shared pages, wild pointers).
//  2. A subtree that cannot be entered (unreadable page, bad layout, a pointer to a page already entered,
//     too deep) becomes one `DamagedKeyRange`: the separators around its pointer in the parent, so every
//     key the tree lost lies in some recorded range (the whole key space when the root is lost).
//  3. The walk throws only what `body` throws: problems become damaged ranges; the verifier reports their
//     causes separately (BTree.verify), so the walk itself reports nothing.
import SombraFormat
import SombraIndex
import SombraStorage

/// A key range of a tree whose pages could not be read: keys in [lower, upper) may have been lost.
package struct DamagedKeyRange: Sendable, CustomStringConvertible {
    /// The page that could not be entered (or holds the bad pointer, for a cycle or shared page).
    package let page: PageID
    /// Inclusive lower bound; nil for the start of the key space.
    package let lower: [UInt8]?
    /// Exclusive upper bound; nil for the end of the key space.
    package let upper: [UInt8]?
    package let reason: String

    package func contains(_ key: [UInt8]) -> Bool {
        if let lower, KeyEncoding.compare(key, lower) < 0 { return false }
        if let upper, KeyEncoding.compare(key, upper) >= 0 { return false }
        return true
    }

    package var description: String { "page \(page.rawValue): \(reason)" }
}

/// A leaf reached by a walk: its page, bytes and validated cells.
struct WalkedLeaf {
    let page: PageID
    let bytes: [UInt8]
    let cells: [BTreeLeafCellInfo]
}

struct TreeWalk {
    /// Deeper paths mean a corrupt file (the B+tree caps descents at the same depth).
    static let depthMax = 64

    let tree: BTree
    let reader: any PageReader
    /// Every page the walk entered (readable or not).
    private(set) var reached: Set<PageID> = []
    private(set) var damaged: [DamagedKeyRange] = []
    private(set) var leavesVisited = 0

    init(tree: BTree, reader: any PageReader) {
        self.tree = tree
        self.reader = reader
    }

    private struct Pending {
        let page: PageID
        let parent: PageID?
        let depth: Int
        let lower: [UInt8]?
        let upper: [UInt8]?
    }

    /// Walks the whole tree, calling `body` for each readable leaf in key order (invariants 1-3).
    mutating func run<E: Error>(_ body: (WalkedLeaf) throws(E) -> Void) throws(E) {
        var stack = [Pending(page: tree.root, parent: nil, depth: 1, lower: nil, upper: nil)]
        var steps: UInt64 = 0
        let stepsMax = reader.pageCount &* 2 &+ 2
        while let item = stack.popLast() {
            steps += 1
            guard steps <= stepsMax else {
                damaged.append(DamagedKeyRange(page: item.page, lower: item.lower, upper: item.upper,
                                               reason: "walk stopped after \(stepsMax) steps"))
                break
            }
            guard item.depth <= TreeWalk.depthMax else {
                lose(item, at: item.parent ?? item.page, "path is deeper than \(TreeWalk.depthMax) levels")
                continue
            }
            guard reached.insert(item.page).inserted else {
                lose(item, at: item.parent ?? item.page, "pointer to page \(item.page.rawValue), which the walk already entered")
                continue
            }
            let bytes: [UInt8]
            do throws(SombraError) {
                bytes = try reader.page(item.page)
            } catch {
                lose(item, at: item.page, Self.reason(error))
                continue
            }
            if PageHeader.kind(of: bytes) == .btreeLeaf {
                let cells: [BTreeLeafCellInfo]
                do throws(SombraError) {
                    cells = try BTree.leafCells(bytes, page: item.page, pageCount: reader.pageCount)
                } catch {
                    lose(item, at: item.page, Self.reason(error))
                    continue
                }
                leavesVisited += 1
                try body(WalkedLeaf(page: item.page, bytes: bytes, cells: cells))
                continue
            }
            do throws(SombraError) {
                let (cells, right) = try BTree.interiorCells(bytes, page: item.page, pageCount: reader.pageCount)
                // Children in reverse key order, so the leftmost is popped first.
                stack.append(Pending(page: right, parent: item.page, depth: item.depth + 1,
                                     lower: cells.last?.key ?? item.lower, upper: item.upper))
                for i in stride(from: cells.count - 1, through: 0, by: -1) {
                    stack.append(Pending(page: cells[i].child, parent: item.page, depth: item.depth + 1,
                                         lower: i == 0 ? item.lower : cells[i - 1].key, upper: cells[i].key))
                }
            } catch {
                lose(item, at: item.page, Self.reason(error))
            }
        }
    }

    private mutating func lose(_ item: Pending, at page: PageID, _ reason: String) {
        damaged.append(DamagedKeyRange(page: page, lower: item.lower, upper: item.upper, reason: reason))
    }

    static func reason(_ error: SombraError) -> String {
        if case .corruptPage(_, let reason) = error { return reason }
        return error.description
    }
}
