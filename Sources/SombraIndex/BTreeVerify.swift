// BTreeVerify: walks a whole tree and reports every problem it finds, with the pages the tree uses.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages", validity rules B1–B14 and O1–O5.
//
// Invariants:
//  1. Verification never throws and never stops at the first problem: each finding names a page, a class
//     and a message; a page that cannot be decoded is reported and its subtree skipped.
//  2. Each page is entered at most once (a second reference is reported as shared or, when the page is on
//     the current path, as a cycle), and the walk is at most `maxDepth` deep, so it always terminates.
//  3. `pagesUsed` holds every page the tree reaches (tree pages and overflow pages), so an upper layer can
//     check that each page of the file is used exactly once or free.
//  4. Findings are capped at `findingsMax`; `findingsTruncated` says when more were dropped.
import SombraFormat
import SombraStorage

package struct BTreeVerifyReport: Sendable {
    package enum FindingClass: String, Sendable {
        case unreadable      // the reader could not return the page
        case pageFormat      // header, slot or cell bytes out of bounds or inconsistent
        case keyOrder        // keys not strictly ascending within a page
        case keyBounds       // a key outside the range its parent's separators allow
        case fill            // an empty non-root page, an interior root without cells, an over-sized cell
        case depth           // leaves at different depths, or a path deeper than the cap
        case cycle           // a child pointer to a page on the path from the root
        case sharedPage      // a page reached twice
        case overflowChain   // a broken overflow chain or stored value
    }

    package struct Finding: Sendable, CustomStringConvertible {
        package let page: PageID
        package let findingClass: FindingClass
        package let message: String
        package var description: String { "page \(page.rawValue) [\(findingClass.rawValue)]: \(message)" }
    }

    package static let findingsMax = 1000

    package internal(set) var findings: [Finding] = []
    package internal(set) var findingsTruncated = false
    package internal(set) var pagesUsed: Set<PageID> = []
    /// Levels from the root to the leaves (1 for a lone root leaf).
    package internal(set) var depth = 0
    package internal(set) var entryCount = 0
    package internal(set) var leafPageCount = 0
    package internal(set) var interiorPageCount = 0
    package internal(set) var overflowPageCount = 0
    /// Slot and cell bytes over usable bytes, summed over the leaves.
    package internal(set) var leafBytesUsed = 0
    package internal(set) var leafBytesUsable = 0

    package var isClean: Bool { findings.isEmpty }
    package var leafFill: Double { leafBytesUsable == 0 ? 0 : Double(leafBytesUsed) / Double(leafBytesUsable) }
}

extension BTree {
    /// Checks the whole tree; `checkValues` also reads and inflates every value.
    package func verify(in r: any PageReader, checkValues: Bool = false) -> BTreeVerifyReport {
        var verifier = TreeVerifier(r: r, root: root, checkValues: checkValues)
        verifier.visit(root, depth: 1, lower: nil, upper: nil)
        return verifier.report
    }
}

private struct TreeVerifier {
    let r: any PageReader
    let root: PageID
    let checkValues: Bool
    var report = BTreeVerifyReport()
    var path: [PageID] = []

    init(r: any PageReader, root: PageID, checkValues: Bool) {
        self.r = r
        self.root = root
        self.checkValues = checkValues
    }

    mutating func add(_ page: PageID, _ kind: BTreeVerifyReport.FindingClass, _ message: String) {
        guard report.findings.count < BTreeVerifyReport.findingsMax else {
            report.findingsTruncated = true
            return
        }
        report.findings.append(.init(page: page, findingClass: kind, message: message))
    }

    mutating func add(_ error: SombraError, fallback page: PageID, _ kind: BTreeVerifyReport.FindingClass) {
        if case .corruptPage(let bad, let reason) = error {
            add(PageID(bad), kind, reason)
        } else {
            add(page, kind, error.description)
        }
    }

    mutating func visit(_ page: PageID, depth: Int, lower: [UInt8]?, upper: [UInt8]?) {
        if path.contains(page) { return add(path.last ?? page, .cycle, "child pointer to ancestor page \(page.rawValue)") }
        guard report.pagesUsed.insert(page).inserted else {
            return add(page, .sharedPage, "page is reached more than once")
        }
        guard depth <= BTreeLayout.maxDepth else {
            return add(page, .depth, "path from the root is deeper than \(BTreeLayout.maxDepth) levels")
        }
        let view: NodeView
        do throws(SombraError) {
            view = try r.btreeNode(page)
        } catch {
            return add(error, fallback: page, .pageFormat)
        }
        guard checkLayout(view) else { return }
        checkKeys(view, lower: lower, upper: upper)
        if view.isLeaf {
            visitLeaf(view, depth: depth)
            return
        }
        report.interiorPageCount += 1
        path.append(page)
        for i in 0...view.cellCount {
            do throws(SombraError) {
                let child = try view.child(at: i)
                let childLower = i == 0 ? lower : Array(try view.key(at: i - 1))
                let childUpper = i == view.cellCount ? upper : Array(try view.key(at: i))
                visit(child, depth: depth + 1, lower: childLower, upper: childUpper)
            } catch {
                add(error, fallback: page, .pageFormat)
            }
        }
        path.removeLast()
    }

    /// Cell extents, overlaps, byte accounting and fill; false if the page's cells cannot be trusted.
    mutating func checkLayout(_ view: NodeView) -> Bool {
        var extents: [(offset: Int, size: Int)] = []
        extents.reserveCapacity(view.cellCount)
        let maxCell = BTreeLayout.maxCellBytes(pageSize: view.pageSize)
        do throws(SombraError) {
            for i in 0..<view.cellCount {
                let extent = (offset: try view.cellOffset(i), size: try view.cellSize(i))
                if extent.size > maxCell { add(view.page, .fill, "cell \(i) is \(extent.size) bytes (maximum \(maxCell))") }
                extents.append(extent)
            }
        } catch {
            add(error, fallback: view.page, .pageFormat)
            return false
        }
        extents.sort { $0.offset < $1.offset }
        var cellBytes = 0
        for (i, extent) in extents.enumerated() {
            cellBytes += extent.size
            if i + 1 < extents.count, extent.offset + extent.size > extents[i + 1].offset {
                add(view.page, .pageFormat, "cells at offsets \(extent.offset) and \(extents[i + 1].offset) overlap")
                return false
            }
        }
        if cellBytes + view.fragmentedBytes != view.pageSize - view.contentStart {
            add(view.page, .pageFormat, "content area of \(view.pageSize - view.contentStart) bytes holds \(cellBytes) cell bytes and \(view.fragmentedBytes) fragmented bytes")
        }
        let isRoot = view.page == root
        if view.cellCount == 0 && (!isRoot || !view.isLeaf) {
            add(view.page, .fill, isRoot ? "interior root has no cells" : "non-root page has no cells")
        }
        return true
    }

    mutating func checkKeys(_ view: NodeView, lower: [UInt8]?, upper: [UInt8]?) {
        guard view.cellCount > 0 else { return }
        do throws(SombraError) {
            for i in 1..<max(1, view.cellCount) where compareBytes(try view.key(at: i - 1), try view.key(at: i)) >= 0 {
                add(view.page, .keyOrder, "key \(i) is not greater than key \(i - 1)")
            }
            if let lower, compareBytes(try view.key(at: 0), lower[...]) < 0 {
                add(view.page, .keyBounds, "first key sorts below the parent's separator")
            }
            if let upper, compareBytes(try view.key(at: view.cellCount - 1), upper[...]) >= 0 {
                add(view.page, .keyBounds, "last key is not below the parent's next separator")
            }
        } catch {
            add(error, fallback: view.page, .pageFormat)
        }
    }

    mutating func visitLeaf(_ view: NodeView, depth: Int) {
        if report.depth == 0 {
            report.depth = depth
        } else if report.depth != depth {
            add(view.page, .depth, "leaf at depth \(depth), other leaves at depth \(report.depth)")
        }
        report.leafPageCount += 1
        report.entryCount += view.cellCount
        report.leafBytesUsed += view.usedBytes - BTreeLayout.slotArrayOffset
        report.leafBytesUsable += BTreeLayout.usableBytes(pageSize: view.pageSize)
        for i in 0..<view.cellCount {
            do throws(SombraError) {
                let cell = try view.leafCell(at: i)
                try checkValue(cell, index: i, in: view)
            } catch {
                add(error, fallback: view.page, .overflowChain)
            }
        }
    }

    mutating func checkValue(_ cell: LeafCell, index: Int, in view: NodeView) throws(SombraError) {
        var prefix: ArraySlice<UInt8> = view.bytes[cell.payloadStart..<(cell.payloadStart + min(cell.valueLength, 4))]
        if cell.isOverflow {
            var chain: [PageID] = []
            try OverflowChain.walk(first: cell.overflowPage, length: cell.valueLength, owner: view.page, in: r) {
                (page, data, range) throws(SombraError) in
                if chain.isEmpty { prefix = data[range].prefix(4) }
                chain.append(page)
            }
            for page in chain where !report.pagesUsed.insert(page).inserted {
                add(page, .sharedPage, "overflow page is reached more than once")
            }
            report.overflowPageCount += chain.count
        }
        if cell.isCompressed {
            let claimed = ValueCodec.claimedLength(prefix: prefix) ?? 0
            if !ValueCodec.isPlausible(rawLength: claimed, storedLength: cell.valueLength) {
                add(view.page, .overflowChain, "cell \(index): compressed value of \(cell.valueLength) bytes claims \(claimed) bytes")
                return
            }
        }
        if checkValues { _ = try BTree.readValue(view, index, in: r) }
    }
}
