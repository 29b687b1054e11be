// PageInspector: the page-level view behind `sombractl pages` and `sombractl page`: which tree (or the
// free list) owns each page, counts and fill by kind, and one page decoded field by field.
// Layer: graph facade (Sombra), over the pager's unverified reads and SombraIndex's page inspection.
//
// Invariants:
//  1. Only reads, at one snapshot; damaged pages are described (stored vs computed checksum), not refused.
//  2. Ownership comes from bounded walks (BTree.verify per tree, the free list walk capped at pageCount).
//  3. Decoding a page never traps: every decode validates (NodeView, record decoders) and a failure is
//     reported in `problem`.
import SombraFormat
import SombraIndex
import SombraStorage

/// A decoded field: a number or a text.
package enum InspectValue: Sendable, CustomStringConvertible {
    case number(UInt64)
    case text(String)

    package var description: String {
        switch self {
        case .number(let n): return String(n)
        case .text(let s): return s
        }
    }
}

/// One page, decoded.
package struct PageDescription: Sendable {
    package var page: UInt64 = 0
    package var source = ""
    package var bytes: [UInt8] = []
    package var checksumValid = false
    /// Who uses the page: a tree name, "free list", "header", or nil when no walk reaches it.
    package var owner: String? = nil
    package var fields: [(String, InspectValue)] = []
    /// Cells (B-tree pages) or other repeated items, each as ordered fields.
    package var cells: [[(String, InspectValue)]] = []
    package var cellsOmitted = 0
    package var problem: String? = nil
}

/// Counts and fill by page kind, and per-tree figures.
package struct PageCensus: Sendable {
    package struct KindFigures: Sendable {
        package var pages = 0
        package var usedBytes = 0
        package var usableBytes = 0
        package init() {}
    }
    package struct TreeFigures: Sendable {
        package let name: String
        package let root: UInt64
        package let depth: Int
        package let entries: Int
        package let leafPages: Int
        package let interiorPages: Int
        package let overflowPages: Int
        package let leafFill: Double
    }
    package var pageSize = 0
    package var pageCount: UInt64 = 0
    package var kinds: [String: KindFigures] = [:]
    package var damagedPages: [UInt64] = []
    /// Pages inside the page count that neither the file nor the log holds (the first is in damagedPages).
    package var missingPages: UInt64 = 0
    package var freeListLength = 0
    package var headerFreePageCount: UInt64 = 0
    package var trees: [TreeFigures] = []
    /// Per page (1..<pageCount): kind name and owner, when asked for.
    package var perPage: [(page: UInt64, kind: String, owner: String?, fill: Double?)] = []
}

extension GraphDB {
    /// Counts pages by kind with their fill, walks each tree for its figures, and (if `listPages`) lists
    /// every page with its owner.
    package func pageCensus(listPages: Bool) throws(SombraError) -> PageCensus {
        let tx = try beginRead()
        defer { tx.end() }
        let snap = tx.pageTx.snapshot
        var census = PageCensus()
        census.pageSize = pageSize
        census.pageCount = snap.header.pageCount
        census.headerFreePageCount = snap.header.freePageCount
        let owners = pageOwners(tx, trees: &census.trees)
        census.freeListLength = owners.values.filter { $0 == PageInspector.freeListOwner }.count
        let present = PresentPages(pager: pager, snapshot: snap)
        if let range = present.missingRange {
            census.missingPages = present.missingCount
            census.damagedPages.append(range.lowerBound)
        }
        var failure: SombraError? = nil
        present.forEach { page in
            guard failure == nil else { return }
            let bytes: [UInt8]
            do throws(SombraError) { bytes = try pager.rawPage(PageID(page), snapshot: snap).bytes } catch {
                failure = error
                return
            }
            guard bytes.count == pageSize, (try? PageHeader.verify(bytes, page: PageID(page), pageSize: pageSize)) != nil,
                  let kind = PageKind(rawValue: bytes[PageHeader.kindOffset]) else {
                census.damagedPages.append(page)
                if listPages { census.perPage.append((page, "damaged", owners[page], nil)) }
                return
            }
            var used = 0, usable = 0
            switch kind {
            case .btreeLeaf, .btreeInterior:
                if let s = try? BTree.inspectPage(bytes, page: PageID(page), pageCount: snap.header.pageCount) {
                    used = s.usedBytes; usable = s.usableBytes
                }
            case .overflow:
                used = Int(bytes.loadLE(UInt32.self, at: 24)); usable = pageSize - 28
            default: break
            }
            census.kinds[kind.description, default: .init()].pages += 1
            census.kinds[kind.description, default: .init()].usedBytes += used
            census.kinds[kind.description, default: .init()].usableBytes += usable
            if listPages { census.perPage.append((page, kind.description, owners[page], usable > 0 ? Double(used) / Double(usable) : nil)) }
        }
        if let failure { throw failure }
        return census
    }

    /// Decodes page `number` at the newest snapshot; at most `cellsMax` cells are listed.
    package func inspectPage(_ number: UInt64, cellsMax: Int = .max) throws(SombraError) -> PageDescription {
        let tx = try beginRead()
        defer { tx.end() }
        let snap = tx.pageTx.snapshot
        guard number < snap.header.pageCount else {
            throw .invalidArgument("page \(number) is past the end of the database (\(snap.header.pageCount) pages)")
        }
        var d = PageDescription()
        d.page = number
        let (bytes, source) = try pager.rawPage(PageID(number), snapshot: snap)
        d.bytes = bytes
        d.source = source.description
        var figures: [PageCensus.TreeFigures] = []
        d.owner = number == 0 ? "header" : pageOwners(tx, trees: &figures)[number]
        var inspector = PageInspector(tx: tx, description: d, cellsMax: cellsMax)
        inspector.decode()
        return inspector.description
    }

    /// Which tree or list uses each page (BTree.verify's pages per tree, then the free list).
    func pageOwners(_ tx: ReadTransaction, trees: inout [PageCensus.TreeFigures]) -> [UInt64: String] {
        var owners: [UInt64: String] = [:]
        let header = tx.pageTx.snapshot.header
        for slot in TreeSlot.allCases where header.roots[slot.rawValue] != .none {
            let root = header.roots[slot.rawValue]
            let r = BTree(root: root).verify(in: tx.pageTx)
            for p in r.pagesUsed where owners[p.rawValue] == nil { owners[p.rawValue] = slot.name }
            trees.append(.init(name: slot.name, root: root.rawValue, depth: r.depth, entries: r.entryCount,
                               leafPages: r.leafPageCount, interiorPages: r.interiorPageCount,
                               overflowPages: r.overflowPageCount, leafFill: r.leafFill))
        }
        var page = header.freeListHead.rawValue
        var steps: UInt64 = 0
        while page != 0, page < header.pageCount, steps < header.pageCount, owners[page] == nil {
            owners[page] = PageInspector.freeListOwner
            steps += 1
            guard let bytes = try? tx.pageTx.page(PageID(page)), PageHeader.kind(of: bytes) == .free else { break }
            page = bytes.loadLE(UInt64.self, at: FreePage.nextOffset)
        }
        return owners
    }
}

struct PageInspector {
    static let freeListOwner = "free list"
    let tx: ReadTransaction
    var description: PageDescription
    let cellsMax: Int

    init(tx: ReadTransaction, description: PageDescription, cellsMax: Int) {
        self.tx = tx
        self.description = description
        self.cellsMax = max(0, cellsMax)
    }

    var bytes: [UInt8] { description.bytes }
    var page: PageID { PageID(description.page) }

    mutating func field(_ name: String, _ v: UInt64) { description.fields.append((name, .number(v))) }
    mutating func field(_ name: String, _ v: String) { description.fields.append((name, .text(v))) }

    mutating func decode() {
        let pageSize = tx.db.pageSize
        guard bytes.count == pageSize else {
            description.problem = "only \(bytes.count) of \(pageSize) bytes exist (the file ends inside this page)"
            return
        }
        if page == .header { return decodeHeader() }
        let stored = bytes.loadLE(UInt32.self, at: PageHeader.checksumOffset)
        let computed = PageHeader.computeChecksum(bytes, page: page)
        description.checksumValid = stored == computed
        field("checksum", hex32(stored))
        if stored != computed { field("computed checksum", hex32(computed)) }
        let kindByte = bytes[PageHeader.kindOffset]
        field("kind", PageKind(rawValue: kindByte).map { "\($0) (\(kindByte))" } ?? "invalid (\(kindByte))")
        field("flags", UInt64(bytes[PageHeader.flagsOffset]))
        field("txID", bytes.loadLE(UInt64.self, at: PageHeader.txIDOffset))
        if stored != computed { description.problem = "checksum mismatch: the page is damaged; fields below may be garbage" }
        switch PageKind(rawValue: kindByte) {
        case .free: field("next free page", bytes.loadLE(UInt64.self, at: FreePage.nextOffset))
        case .overflow:
            field("next overflow page", bytes.loadLE(UInt64.self, at: 16))
            field("bytes used", UInt64(bytes.loadLE(UInt32.self, at: 24)))
        case .btreeLeaf: decodeLeaf()
        case .btreeInterior: decodeInterior()
        default: break
        }
    }

    mutating func decodeHeader() {
        description.checksumValid = true
        for (name, offset) in zip(["A", "B"], FileHeader.copyOffsets(pageSize: bytes.count)) {
            do throws(SombraError) {
                let h = try FileHeader.decodeCopy(bytes, at: offset)
                description.cells.append([
                    ("copy", .text(name)), ("offset", .number(UInt64(offset))), ("valid", .text("yes")),
                    ("page size", .number(UInt64(h.pageSize))), ("page count", .number(h.pageCount)),
                    ("free list head", .number(h.freeListHead.rawValue)), ("free pages", .number(h.freePageCount)),
                    ("last txID", .number(h.lastTxID.rawValue)), ("flags", .number(UInt64(h.flags))),
                    ("database id", .text(hexBytes(h.databaseID))),
                    ("roots", .text(h.roots.map { String($0.rawValue) }.joined(separator: " "))),
                ])
            } catch {
                description.checksumValid = false
                description.cells.append([("copy", .text(name)), ("offset", .number(UInt64(offset))),
                                          ("valid", .text("no: \(error)"))])
            }
        }
    }

    mutating func decodeLeaf() {
        let (b, p, n) = (bytes, page, tx.pageTx.pageCount)
        guard let s = summary(), let cells = attempt({ () throws(SombraError) in
            try BTree.leafCells(b, page: p, pageCount: n)
        }) else { return }
        for cell in cells.prefix(cellsMax) {
            var item: [(String, InspectValue)] = [("cell", .number(UInt64(cell.index))), ("key", .text(hexBytes(cell.key)))]
            if let meaning = keyMeaning(cell.key) { item.append(("key means", .text(meaning))) }
            item.append(("stored bytes", .number(UInt64(cell.storedLength))))
            if cell.isOverflow { item.append(("overflow page", .number(cell.overflowPage.rawValue))) }
            if cell.isCompressed { item.append(("compressed", .text("yes"))) }
            if let value = try? BTree.leafValue(bytes, page: page, index: cell.index, in: tx.pageTx) {
                item.append(("value", .text(valueMeaning(value, key: cell.key))))
            } else {
                item.append(("value", .text("(cannot be read)")))
            }
            description.cells.append(item)
        }
        description.cellsOmitted = max(0, s.cellCount - cellsMax)
    }

    mutating func decodeInterior() {
        let (b, p, n) = (bytes, page, tx.pageTx.pageCount)
        guard let s = summary(), let (cells, right) = attempt({ () throws(SombraError) in
            try BTree.interiorCells(b, page: p, pageCount: n)
        }) else { return }
        field("right child", right.rawValue)
        for cell in cells.prefix(cellsMax) {
            var item: [(String, InspectValue)] = [("cell", .number(UInt64(cell.index))), ("child", .number(cell.child.rawValue)),
                                                  ("key", .text(hexBytes(cell.key)))]
            if let meaning = keyMeaning(cell.key) { item.append(("key means", .text(meaning))) }
            description.cells.append(item)
        }
        description.cellsOmitted = max(0, s.cellCount - cellsMax)
    }

    mutating func summary() -> BTreePageSummary? {
        let (b, p, n) = (bytes, page, tx.pageTx.pageCount)
        guard let s = attempt({ () throws(SombraError) in try BTree.inspectPage(b, page: p, pageCount: n) }) else { return nil }
        field("cells", UInt64(s.cellCount))
        field("content start", UInt64(s.contentStart))
        field("fragmented bytes", UInt64(s.fragmentedBytes))
        field("fill", "\(s.usedBytes) of \(s.usableBytes) bytes (\(s.usableBytes > 0 ? s.usedBytes * 100 / s.usableBytes : 0)%)")
        return s
    }

    mutating func attempt<R>(_ body: () throws(SombraError) -> R) -> R? {
        do throws(SombraError) { return try body() } catch {
            description.problem = (description.problem.map { $0 + "; " } ?? "") + TreeWalk.reason(error)
            return nil
        }
    }

    func name(_ id: UInt32) -> String { (try? tx.name(id)).map { "\"\($0)\"" } ?? "#\(id)" }

    /// What a key means in the tree that owns the page (nil when unknown or malformed).
    func keyMeaning(_ k: [UInt8]) -> String? {
        switch description.owner {
        case "nodes": return k.count == 8 ? "node n\(k.loadBE(UInt64.self, at: 0))" : nil
        case "edges": return k.count == 8 ? "edge e\(k.loadBE(UInt64.self, at: 0))" : nil
        case "labels":
            return k.count == 12 ? "label \(name(k.loadBE(UInt32.self, at: 0))) node n\(k.loadBE(UInt64.self, at: 4))" : nil
        case "out-edges", "in-edges":
            guard let (a, t, b, e) = GraphKeys.parseAdjacency(k) else { return nil }
            return description.owner == "out-edges" ? "n\(a) -\(name(t))-> n\(b) edge e\(e)" : "n\(a) <-\(name(t))- n\(b) edge e\(e)"
        case "properties":
            guard k.count >= 13 else { return nil }
            return "index \(k.loadBE(UInt32.self, at: 0)) node n\(k.loadBE(UInt64.self, at: k.count - 8))"
        case "names", "catalog":
            guard let tag = k.first else { return nil }
            if tag == 0x01, let s = String(validating: k.dropFirst(), as: UTF8.self) { return "\(description.owner == "names" ? "name" : "counter") \"\(s)\"" }
            if k.count == 5 { return "\(tag == 0x02 ? (description.owner == "names" ? "id" : "label count") : "type count") \(k.loadBE(UInt32.self, at: 1))" }
            if tag == 0x04, k.count == 9 { return "index on \(name(k.loadBE(UInt32.self, at: 1))).\(name(k.loadBE(UInt32.self, at: 5)))" }
            return nil
        default: return nil
        }
    }

    /// What a value means in the tree that owns the page.
    func valueMeaning(_ v: [UInt8], key: [UInt8]) -> String {
        switch description.owner {
        case "out-edges", "in-edges":
            guard let first = GraphKeys.decodeAdjacency(key, start: 0, count: key.count) else { break }
            var more: [AdjacencyKey] = []
            do throws(SombraError) {
                try AdjacencyChunk.decode(v[...], after: first, page: page, into: &more)
            } catch {
                return "undecodable adjacency chunk \(hexBytes(v.prefix(32))): \(error)"
            }
            if more.isEmpty { return "(empty: the chunk is the key's entry alone)" }
            let arrow = description.owner == "out-edges" ? ("-", "->") : ("<-", "-")
            let listed = more.prefix(8).map { "\(arrow.0)\(name($0.type))\(arrow.1) n\($0.other) edge e\($0.edge)" }
            return "\(more.count) more entries: " + listed.joined(separator: ", ") + (more.count > 8 ? ", …" : "")
        case "nodes":
            guard let r = try? NodeRecord.decode(v) else { return "undecodable node record \(hexBytes(v.prefix(32)))" }
            let props = r.properties.map { "\(name($0.key)): \($0.value)" }.joined(separator: ", ")
            return "labels [\(r.labels.map(name).joined(separator: ", "))] {\(props)}"
        case "edges":
            guard let r = try? EdgeRecord.decode(v) else { return "undecodable edge record \(hexBytes(v.prefix(32)))" }
            let props = r.properties.map { "\(name($0.key)): \($0.value)" }.joined(separator: ", ")
            return "n\(r.source) -\(name(r.type))-> n\(r.target) {\(props)}"
        case "catalog":
            if let n = GraphKeys.readU64Value(v) { return String(n) }
            if let n = GraphKeys.readU32Value(v) { return "id \(n)" }
        case "names":
            if let n = GraphKeys.readU32Value(v) { return "id \(n)" }
            if let s = String(validating: v, as: UTF8.self) { return "\"\(s)\"" }
        default: break
        }
        if v.isEmpty { return "(empty)" }
        return hexBytes(v.prefix(64)) + (v.count > 64 ? "…" : "")
    }
}
