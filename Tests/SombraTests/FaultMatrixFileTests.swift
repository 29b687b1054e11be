// Fault matrix, hostile files (reliability guide F3-F6 rows not covered by BadInputTests, ChecksumTests,
// VerifyTests or BTreeCorruptionTests; Docs/RELIABILITY.md has the full map): a header claiming another
// legal page size, free-list cycles and pointers past the end, tree pointers past the end, root slots past
// the end, all-zero pages inside trees, and a database file extended or truncated by someone else, while
// open and between opens. Each case must end in a typed error naming the damage or in a `verify` finding
// naming the page; nothing may trap or loop.
import Testing
import SombraFormat
import SombraIO
import SombraIndex
import SombraStorage
import SombraTestSupport
@testable import Sombra

@Suite("Fault matrix: hostile files")
struct FaultMatrixFileTests {
    @Test("a header claiming another legal page size is refused or verified with findings, and reads fail typed")
    func wrongPageSize() throws {
        var fixtures = 0, refused = 0, reported = 0
        for claimed in [8192, 16384, 65536] {
            let fs = SimulatedFileSystem()
            try FM.build(fs, nodes: 120)
            try FM.editHeaderBytes(fs) { $0.storeLE(UInt32(claimed), at: FileHeader.Offset.pageSize) }
            fixtures += 1
            let db: GraphDB
            do { db = try FM.open(fs, readOnly: true) } catch {
                refused += 1
                #expect(error.isCorruption || error.code == SombraError.invalidPageSize(0).code, "\(claimed): \(error)")
                continue
            }
            let report = try db.verify()
            if !report.isClean { reported += 1 }
            #expect(!report.isClean, "a 4096-byte file read as \(claimed)-byte pages verified clean")
            let r = FM.readAll(db)
            #expect(r.untyped.isEmpty, "\(claimed): \(r.untyped.prefix(3))")
            try db.close()
        }
        // Opening an existing file with another page size in the options keeps the file's own.
        let fs = SimulatedFileSystem()
        let content = try FM.build(fs, nodes: 50)
        var o = GraphTest.options()
        o.pageSize = 16384
        let db = try GraphDB.open(path: FM.path, options: o, fileSystem: fs)
        #expect(db.pageSize == FM.pageSize)
        #expect(try db.read { try FM.allNodes($0) } == content)
        try db.close()
        print("fault-matrix-page-size: fixtures: \(fixtures) refused: \(refused) reported-by-verify: \(reported) options-size-ignored: 1")
        #expect(refused + reported == fixtures)
    }

    @Test("a free list that loops or points past the end is a free-list finding; allocating from it fails typed or works, never loops")
    func freeListCycleAndRange() throws {
        var cases = 0
        for damage in ["cycle", "past-end", "self"] {
            let fs = SimulatedFileSystem()
            let content = try FM.build(fs)
            let free = try FM.freeList(fs)
            try #require(free.count >= 2, "the fixture needs at least two free pages")
            let pageCount = try FM.header(fs).pageCount
            switch damage {
            case "cycle": try FM.reseal(fs, free[1]) { $0.storeLE(free[0], at: 16) }
            case "self": try FM.reseal(fs, free[0]) { $0.storeLE(free[0], at: 16) }
            default: try FM.reseal(fs, free[1]) { $0.storeLE(pageCount + 1000, at: 16) }
            }
            cases += 1
            let report = try FM.verify(fs)
            #expect(!report.findings(of: .freeList).isEmpty, "\(damage): \(report.findings.prefix(3))")
            // Records are untouched; a writer that allocates pages meets the damage as a typed error or
            // allocates past it, and never loops.
            let db = try FM.open(fs)
            #expect(try db.read { try FM.allNodes($0) } == content)
            do {
                try db.write { tx in
                    for i in 0..<200 { try tx.createNode(labels: ["New"], properties: ["blob": .bytes([UInt8](repeating: UInt8(i), count: 3000))]) }
                }
            } catch let error as SombraError {
                #expect(error.isCorruption, "\(damage): \(error)")
            }
            try? db.close()
        }
        print("fault-matrix-free-list: cases: \(cases) reported: \(cases)")
    }

    @Test("a tree child pointer or a header root past the end of the file is named, as a finding or a typed error")
    func pointersPastTheEnd() throws {
        let fs = SimulatedFileSystem()
        try FM.build(fs)
        let nodes = try FM.treePages(fs, .nodes)
        try #require(!nodes.interior.isEmpty, "the nodes tree should have an interior root")
        let pageCount = try FM.header(fs).pageCount
        try FM.reseal(fs, nodes.root) { bytes in
            let cell0 = Int(bytes.loadLE(UInt16.self, at: 32))
            bytes.storeLE(pageCount + 77, at: cell0)              // child pointer of cell 0
        }
        let report = try FM.verify(fs)
        #expect(report.pages().contains(nodes.root), "\(report.findings.prefix(3))")
        let db = try FM.open(fs, readOnly: true)
        let r = FM.readAll(db)
        #expect(r.untyped.isEmpty, "\(r.untyped.prefix(3))")
        #expect(r.errors.contains { if case .corruptPage = $0 { return true }; return false })
        try db.close()

        // A root slot or the free-list head past the end: the header is refused, the file left untouched.
        var refused = 0
        for field in [FileHeader.Offset.roots + 8 * TreeSlot.edges.rawValue, FileHeader.Offset.freeListHead] {
            let fs2 = SimulatedFileSystem()
            try FM.build(fs2, nodes: 40)
            try FM.editHeaderBytes(fs2) { $0.storeLE(pageCount + 5, at: field) }
            let before = fs2.contents(of: FM.path)
            let error = #expect(throws: SombraError.self) { _ = try FM.open(fs2) }
            #expect(error.map { if case .corruptHeader = $0 { return true }; return false } == true, "\(String(describing: error))")
            #expect(fs2.contents(of: FM.path) == before)
            refused += 1
        }
        print("fault-matrix-pointers-past-end: child-pointer-reported: 1 header-fields-refused: \(refused)")
    }

    @Test("an all-zero page inside a tree is named by verify, and reads that need it fail with corruptPage naming it")
    func allZeroPages() throws {
        var zeroed = 0, named = 0
        for slot in [TreeSlot.nodes, .labels, .outEdges] {
            let fs = SimulatedFileSystem()
            try FM.build(fs)
            let leaf = try #require(try FM.treePages(fs, slot).leaves.first)
            try FM.setPage(fs, leaf, [UInt8](repeating: 0, count: FM.pageSize))
            zeroed += 1
            let report = try FM.verify(fs)
            if report.pages(of: [.checksum, .pageKind]).contains(leaf) { named += 1 }
            let db = try FM.open(fs, readOnly: true)
            let r = FM.readAll(db)
            #expect(r.untyped.isEmpty, "\(r.untyped.prefix(3))")
            #expect(r.errors.contains { if case .corruptPage(let p, _) = $0 { return p == leaf }; return false },
                    "\(slot.name): no read named page \(leaf) (\(r.errors.count) errors): \(r.errors.prefix(3))")
            try db.close()
        }
        // Page 0 all zeros: both header copies gone.
        let fs = SimulatedFileSystem()
        try FM.build(fs, nodes: 40)
        try FM.setPage(fs, 0, [UInt8](repeating: 0, count: FM.pageSize))
        let headerError = #expect(throws: SombraError.self) { _ = try FM.open(fs) }
        #expect(headerError?.isCorruption == true, "\(String(describing: headerError))")
        print("fault-matrix-zero-pages: zeroed: \(zeroed) named-by-verify: \(named) zero-header-refused: 1")
        #expect(named == zeroed)
    }

    @Test("a file extended by someone else, between opens or while open, still opens, verifies clean and takes writes")
    func extendedFile() throws {
        var r = SeededRandom(seed: 808)
        for whileOpen in [false, true] {
            let fs = SimulatedFileSystem()
            let content = try FM.build(fs)
            var db: GraphDB? = whileOpen ? try FM.open(fs) : nil
            let size = try FM.bytes(fs).count
            // Garbage pages, zero pages and a partial page appended after the last page.
            try fs.overwrite(path: FM.path, byteOffset: size, with: r.bytes(3 * FM.pageSize) + [UInt8](repeating: 0, count: 2 * FM.pageSize + 100))
            if db == nil { db = try FM.open(fs) }
            let open = try #require(db)
            #expect(try open.read { try FM.allNodes($0) } == content)
            #expect(try open.verify().isClean)
            let added = try open.write { tx in try tx.createNode(labels: ["After"], properties: ["blob": .bytes(r.bytes(9000))]) }
            try open.checkpoint()
            try open.close()
            let again = try FM.open(fs)
            #expect(try again.verify().isClean, "while open: \(whileOpen)")
            #expect(try again.read { try $0.node(added) }?.labels == ["After"])
            try again.close()
        }
        print("fault-matrix-extended: cases: 2 clean: 2")
    }

    @Test("a file truncated by someone else, between opens or while open, gives typed errors and missing-page findings, never a trap")
    func truncatedFile() throws {
        var cases = 0, typedErrors = 0
        for whileOpen in [false, true] {
            let fs = SimulatedFileSystem()
            try FM.build(fs)
            let pageCount = Int(try FM.header(fs).pageCount)
            let cut = (pageCount / 2) * FM.pageSize
            var db: GraphDB? = whileOpen ? try FM.open(fs) : nil
            try fs.truncateFile(path: FM.path, to: cut)
            cases += 1
            if db == nil { db = try FM.open(fs) }
            let open = try #require(db)
            let r = FM.readAll(open)
            typedErrors += r.errors.count
            #expect(r.untyped.isEmpty, "\(r.untyped.prefix(3))")
            #expect(!r.errors.isEmpty, "reading a half-missing file raised no error")
            let report = try open.verify()
            #expect(!report.findings(of: .missingPage).isEmpty || !report.findings(of: .checksum).isEmpty,
                    "\(report.findings.prefix(3))")
            // A write may work (new pages go to the log) or fail typed; a checkpoint must not trap either.
            do {
                _ = try open.write { tx in try tx.createNode(labels: ["After"]) }
                try open.checkpoint()
            } catch let error as SombraError {
                #expect(error.isCorruption, "\(error)")
            }
            try? open.close()
            let again = try FM.verify(fs)
            #expect(!again.isClean)
        }
        print("fault-matrix-truncated: cases: \(cases) typed-errors: \(typedErrors) untyped: 0")
    }
}
