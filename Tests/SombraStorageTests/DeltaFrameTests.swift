// Delta frames in the log (FORMAT.md, "Delta frames"): a page changed commit after commit is logged as its
// changed bytes, whole again after 16 deltas; readers at any snapshot rebuild the right version from the log
// (through a cache too small to hold it), a reopen recovers it, and recovery refuses a delta with no earlier
// frame of its page, a chain longer than 16, and a malformed delta, keeping exactly the commits before them.
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage
import SombraTestSupport

@Suite("Delta frames")
struct DeltaFrameTests {
    /// 4 KiB pages, a two-page cache (so reads go to the log), no automatic checkpoint.
    static var options: PagerOptions {
        var o = memoryOptions(pageSize: 4096, cacheBytes: 2 * 4096)
        o.checkpointThresholdBytes = 1 << 30
        return o
    }

    /// Whether each frame of `page` in `log` is a delta, in log order.
    static func frameKinds(_ log: [UInt8], page: UInt64) -> [Bool] {
        WALFrameHeader.layout(of: log, pageSize: 4096)
            .filter { log.loadLE(UInt64.self, at: $0.offset) == page }
            .map { $0.payloadBytes < 4096 }
    }

    @Test("a page changed in every commit is logged as deltas, whole every 17th frame, and every snapshot reads its version")
    func chains() throws {
        let fs = SimulatedFileSystem()
        let pager = try Pager.open(path: dbPath, options: Self.options, fileSystem: fs)
        let setup = try pager.beginWrite()
        let page = try setup.allocate(.btreeLeaf)
        let other = try setup.allocate(.btreeLeaf)
        try writeModelPayload(setup, page, 0)
        try writeModelPayload(setup, other, 0)
        try setup.commit()
        var held: [(value: UInt64, reader: PageReadTransaction)] = []
        for i in 1...40 {
            let tx = try pager.beginWrite()
            try writeModelPayload(tx, page, UInt64(i))
            if i % 3 == 0 { try writeModelPayload(tx, other, UInt64(i)) }
            try tx.commit()
            if i % 7 == 0 { held.append((UInt64(i), try pager.beginRead())) }
        }
        // Readers hold snapshots in the middle of chains; the two-page cache has long lost those versions.
        for (value, reader) in held {
            #expect(try payload(reader, page) == value)
            reader.end()
        }
        let log = try #require(fs.contents(of: walPath))
        let kinds = Self.frameKinds(log, page: page.rawValue)
        #expect(kinds.count == 41)
        var run = 0, longest = 0
        for isDelta in kinds {
            run = isDelta ? run + 1 : 0
            longest = max(longest, run)
        }
        #expect(kinds.first == false)
        #expect(longest == WALDelta.maxChain)
        #expect(kinds.filter { $0 }.count == 41 - 3)   // whole at frames 1, 18 and 35
        #expect(Self.frameKinds(log, page: 0).filter { $0 }.count == 41 - 3)   // commit frames alike
        // The delta frames are small: the whole log is far below one page per frame.
        #expect(log.count < 20 * 4096)
        // A reopen from the log alone (no checkpoint ran) rebuilds the newest versions.
        let image = fs.snapshotAllApplied()
        abandon(pager)
        let again = try Pager.open(path: dbPath, options: Self.options, fileSystem: image)
        let r = try again.beginRead()
        #expect(try payload(r, page) == 40)
        #expect(try payload(r, other) == 39)
        r.end()
        // A checkpoint copies the rebuilt pages into the file; after it the file alone holds them.
        #expect(try again.checkpoint().logRestarted)
        let r2 = try again.beginRead()
        #expect(try payload(r2, page) == 40)
        r2.end()
        try again.close()
    }

    @Test("with delta frames off every frame holds a whole page, and the log reads back the same")
    func deltasOff() throws {
        var o = Self.options
        o.deltaFrames = false
        let fs = SimulatedFileSystem()
        let pager = try Pager.open(path: dbPath, options: o, fileSystem: fs)
        let setup = try pager.beginWrite()
        let page = try setup.allocate(.btreeLeaf)
        try writeModelPayload(setup, page, 0)
        try setup.commit()
        for i in 1...5 {
            let tx = try pager.beginWrite()
            try writeModelPayload(tx, page, UInt64(i))
            try tx.commit()
        }
        let log = try #require(fs.contents(of: walPath))
        #expect(WALFrameHeader.layout(of: log, pageSize: 4096).allSatisfy { $0.payloadBytes == 4096 })
        #expect(Self.frameKinds(log, page: page.rawValue).count == 6)
        let image = fs.snapshotAllApplied()
        abandon(pager)
        let again = try Pager.open(path: dbPath, options: Self.options, fileSystem: image)
        let r = try again.beginRead()
        #expect(try payload(r, page) == 5)
        r.end()
        try again.close()
    }

    /// A database with one committed page (payload 1) and its log, and what recovery made of that log.
    static func base() throws -> (SimulatedFileSystem, [UInt8], WALRecovery, PageID, [UInt8]) {
        let fs = SimulatedFileSystem()
        let pager = try Pager.open(path: dbPath, options: options, fileSystem: fs)
        let tx = try pager.beginWrite()
        let page = try tx.allocate(.btreeLeaf)
        try writeModelPayload(tx, page, 1)
        try tx.commit()
        let r0 = try pager.beginRead()
        let image = try r0.page(page)
        r0.end()
        let databaseID = pager.databaseID
        let snapshot = fs.snapshotAllApplied()
        abandon(pager)
        let log = try #require(snapshot.contents(of: walPath))
        let (r, _) = try WALFile.recover(file: try snapshot.open(walPath, mode: .readOnly),
                                         databaseID: databaseID, pageSize: 4096)
        return (snapshot, log, r, page, image)
    }

    /// `log` plus one transaction: a frame per payload (delta frames of `page`), then its commit frame.
    static func append(to log: [UInt8], recovery r: WALRecovery, page: PageID, deltas: [[UInt8]]) throws -> [UInt8] {
        let salt = log.loadLE(UInt64.self, at: 32)
        var header = try #require(r.header)
        header.lastTxID = header.lastTxID.next
        var out = log
        var chain = r.chainChecksum
        for d in deltas {
            chain = WALFrameHeader(page: page, txID: header.lastTxID, commitPageCount: 0, salt: salt)
                .appendDelta(payload: d, previous: chain, to: &out)
        }
        let commit = WALFrameHeader(page: .header, txID: header.lastTxID, commitPageCount: header.pageCount, salt: salt)
        _ = WALFrameChecksummer(pageSize: 4096).appendHeader(commit, header: header, previous: chain, to: &out)
        return out
    }

    /// A chain of `count` sealed versions of `image` (payload 2, 3, ...), as deltas each against the one before.
    static func deltas(from image: [UInt8], page: PageID, count: Int) throws -> [[UInt8]] {
        var previous = image
        var out: [[UInt8]] = []
        for i in 0..<count {
            var next = previous
            next.storeLE(UInt64(i + 2), at: 16)
            next.storeLE(~UInt64(i + 2), at: 4096 - 8)
            _ = PageHeader.seal(&next, page: page, txID: TxID(99))
            out.append(try #require(WALDelta.encode(from: previous, to: next, limit: 2048)))
            previous = next
        }
        return out
    }

    /// Recovers `log` beside `fs`'s database and reads the payload of `page` after a reopen.
    static func recoverAndRead(_ fs: SimulatedFileSystem, log: [UInt8], page: PageID) throws -> (WALRecovery, UInt64) {
        let image = fs.snapshotAllApplied()
        image.setContents(of: walPath, log)
        let header = try Pager.readHeader(try image.open(dbPath, mode: .readOnly))
        let (r, _) = try WALFile.recover(file: try image.open(walPath, mode: .readOnly),
                                         databaseID: header.databaseID, pageSize: 4096)
        let pager = try Pager.open(path: dbPath, options: options, fileSystem: image)
        let reader = try pager.beginRead()
        defer { reader.end(); abandon(pager) }
        return (r, try payload(reader, page))
    }

    @Test("recovery applies a chain of 16 deltas and refuses a 17th, a delta with no earlier frame, and a malformed one")
    func recoveryRules() throws {
        let (fs, log, r, page, image) = try Self.base()
        #expect(r.lastCommitFrame > 0)
        let chain = try Self.deltas(from: image, page: page, count: WALDelta.maxChain + 1)
        // 16 deltas after the whole frame: accepted, and the page rebuilt from them reads back.
        let sixteen = try Self.append(to: log, recovery: r, page: page, deltas: Array(chain.prefix(WALDelta.maxChain)))
        let (ok, value) = try Self.recoverAndRead(fs, log: sixteen, page: page)
        #expect(ok.lastCommitFrame == r.lastCommitFrame + UInt32(WALDelta.maxChain) + 1)
        #expect(value == UInt64(WALDelta.maxChain + 1))
        // Refused cases keep exactly the first commit (payload 1), and say why.
        var one = chain[0]
        one.storeLE(UInt16(4095), at: 0)   // the run now ends past the page
        let refused: [(String, [UInt8])] = [
            ("longer than", try Self.append(to: log, recovery: r, page: page, deltas: chain)),
            ("no earlier frame", try Self.append(to: log, recovery: r, page: PageID(page.rawValue + 1), deltas: [chain[0]])),
            ("malformed delta", try Self.append(to: log, recovery: r, page: page, deltas: [one])),
        ]
        for (reason, crafted) in refused {
            let (bad, value) = try Self.recoverAndRead(fs, log: crafted, page: page)
            #expect(bad.lastCommitFrame == r.lastCommitFrame, "\(reason)")
            #expect(bad.stopReason.contains(reason), "\(reason): \(bad.stopReason)")
            #expect(value == 1, "\(reason)")
        }
    }
}
