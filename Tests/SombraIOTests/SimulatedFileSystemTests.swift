// The simulated file system's durability model: pending versus durable bytes, sync, directory entries that
// are durable only after syncDirectory, POSIX-like handles, counters and damage helpers.
import Dispatch
import Testing
import SombraFormat
import SombraIO
import SombraTestSupport

@Suite("simulated file system: durability model")
struct SimulatedFileSystemTests {
    /// A file whose creation is already durable (created, directory synced), with `bytes` synced in it.
    static func durableFile(_ fs: SimulatedFileSystem, _ path: String, _ bytes: [UInt8]) throws -> any StorageFile {
        let file = try fs.open(path, mode: .create)
        try fs.syncDirectory(containing: path)
        if !bytes.isEmpty { try file.write(bytes, at: 0) }
        try file.sync()
        return file
    }

    @Test("unsynced writes and truncates are visible to reads but not durable until sync")
    func pendingUntilSync() throws {
        let fs = SimulatedFileSystem()
        let file = try Self.durableFile(fs, "/d/a.db", [1, 2, 3, 4])
        try file.write([9, 9], at: 2)
        try file.truncate(to: 3)
        #expect(try file.read(at: 0, count: 10) == [1, 2, 9])
        #expect(try file.size() == 3)
        #expect(fs.contents(of: "/d/a.db") == [1, 2, 9])
        #expect(fs.durableContents(of: "/d/a.db") == [1, 2, 3, 4])
        #expect(fs.pendingOperations(of: "/d/a.db") == [.write(offset: 2, bytes: [9, 9]), .truncate(size: 3)])
        #expect(fs.durableImage().contents(of: "/d/a.db") == [1, 2, 3, 4])

        try file.sync()
        #expect(fs.pendingOperations(of: "/d/a.db").isEmpty)
        #expect(fs.durableContents(of: "/d/a.db") == [1, 2, 9])
        #expect(fs.durableImage().contents(of: "/d/a.db") == [1, 2, 9])
    }

    @Test("sync through one handle makes every handle's pending writes to that file durable, and only that file's")
    func syncIsPerFile() throws {
        let fs = SimulatedFileSystem()
        let a1 = try Self.durableFile(fs, "/d/a", [])
        let b = try Self.durableFile(fs, "/d/b", [])
        let a2 = try fs.open("/d/a", mode: .readWrite)
        try a1.write([1], at: 0)
        try a2.write([2], at: 1)
        try b.write([3], at: 0)
        try a2.sync()
        #expect(fs.durableContents(of: "/d/a") == [1, 2])
        #expect(fs.durableContents(of: "/d/b") == [])
        #expect(fs.pendingOperations(of: "/d/b").count == 1)
    }

    @Test("a created file exists in a durable image only after its directory is synced")
    func creationNeedsDirectorySync() throws {
        let fs = SimulatedFileSystem()
        let file = try fs.open("/d/new.db", mode: .create)
        try file.write([5, 6], at: 0)
        try file.sync()
        #expect(fs.exists("/d/new.db"))
        #expect(fs.durablePaths() == [])
        #expect(fs.pendingDirectoryEntryCount == 1)
        #expect(!fs.durableImage().exists("/d/new.db"), "the file's data is durable but its name is not")

        try fs.syncDirectory(containing: "/e/other")  // another directory changes nothing
        #expect(!fs.durableImage().exists("/d/new.db"))

        try fs.syncDirectory(containing: "/d/anything")
        #expect(fs.pendingDirectoryEntryCount == 0)
        #expect(fs.durableImage().contents(of: "/d/new.db") == [5, 6])
    }

    @Test("a removal is undone by a crash until the directory is synced")
    func removalNeedsDirectorySync() throws {
        let fs = SimulatedFileSystem()
        try Self.durableFile(fs, "/d/a-wal", [1]).close()
        try fs.remove("/d/a-wal")
        #expect(!fs.exists("/d/a-wal"))
        #expect(fs.durableImage().contents(of: "/d/a-wal") == [1])
        try fs.syncDirectory(containing: "/d/a-wal")
        #expect(!fs.durableImage().exists("/d/a-wal"))
    }

    @Test("re-creating a removed path before the directory sync leaves the old file in the durable image")
    func removeThenRecreate() throws {
        let fs = SimulatedFileSystem()
        try Self.durableFile(fs, "/d/f", [1, 1]).close()
        try fs.remove("/d/f")
        let fresh = try fs.open("/d/f", mode: .create)
        try fresh.write([2], at: 0)
        try fresh.sync()
        #expect(fs.contents(of: "/d/f") == [2])
        #expect(fs.durableImage().contents(of: "/d/f") == [1, 1])
        try fs.syncDirectory(containing: "/d/f")
        #expect(fs.durableImage().contents(of: "/d/f") == [2])
    }

    @Test("paths without a slash live in directory '.', and a root file in '/'")
    func directoryNames() throws {
        let fs = SimulatedFileSystem()
        _ = try fs.open("plain", mode: .create)
        _ = try fs.open("/rooted", mode: .create)
        try fs.syncDirectory(containing: "/e/other")
        #expect(fs.durablePaths() == [])
        try fs.syncDirectory(containing: "/x")
        #expect(fs.durablePaths() == ["/rooted"])
        try fs.syncDirectory(containing: "y")  // same directory as "plain": "."
        #expect(fs.durablePaths() == ["/rooted", "plain"])
    }

    @Test("an open handle keeps working on a removed file, as a POSIX descriptor does")
    func handleOutlivesRemoval() throws {
        let fs = SimulatedFileSystem()
        let file = try Self.durableFile(fs, "/d/x", [1])
        try fs.remove("/d/x")
        try file.write([2], at: 1)
        #expect(try file.read(at: 0, count: 2) == [1, 2])
        #expect(fs.contents(of: "/d/x") == nil)
    }

    @Test("every operation on a closed handle throws EBADF, close twice is harmless, and handles are counted")
    func closedHandles() throws {
        let fs = SimulatedFileSystem()
        let file = try fs.open("/d/c", mode: .create)
        #expect(fs.openHandleCount == 1)
        file.close()
        file.close()
        #expect(fs.openHandleCount == 0)
        let ebadf = SombraError.io(operation: "operation on a closed handle", errno: 9, path: "/d/c")
        #expect(throws: ebadf) { try file.read(at: 0, count: 1) }
        #expect(throws: ebadf) { try file.write([1], at: 0) }
        #expect(throws: ebadf) { try file.size() }
        #expect(throws: ebadf) { try file.truncate(to: 0) }
        #expect(throws: ebadf) { try file.sync() }
        #expect(throws: ebadf) { try file.lock(.shared) }
        #expect(fs.contents(of: "/d/c") == [])
    }

    @Test("counters count every operation and the completed writes, bytes and syncs per path")
    func counters() throws {
        let fs = SimulatedFileSystem()
        let db = try fs.open("/d/db", mode: .create)          // open
        let wal = try fs.open("/d/db-wal", mode: .create)     // open
        try fs.syncDirectory(containing: "/d/db")             // syncDirectory
        try wal.write([1, 2, 3], at: 0)                       // write
        try wal.write([4], at: 3)                             // write
        try wal.sync()                                        // sync
        try db.write(Array(repeating: 0, count: 10), at: 0)   // write
        _ = try db.read(at: 0, count: 4)                      // read
        _ = try db.size()                                     // size
        try db.truncate(to: 4)                                // truncate
        try db.sync()                                         // sync
        try wal.sync()                                        // sync
        try fs.remove("/d/db-wal")                            // remove
        try db.lock(.exclusive)                               // not counted
        db.close()                                            // not counted
        let c = fs.counters
        #expect(c.operations == 13)
        #expect(c.operationsByKind == [.open: 2, .syncDirectory: 1, .write: 3, .sync: 3, .read: 1, .size: 1,
                                       .truncate: 1, .remove: 1])
        #expect(c.writes("/d/db-wal") == 2 && c.writes("/d/db") == 1)
        #expect(c.bytesWrittenByPath == ["/d/db-wal": 4, "/d/db": 10])
        #expect(c.bytesWritten == 14)
        #expect(c.syncs("/d/db-wal") == 2 && c.syncs("/d/db") == 1)
        #expect(c.directorySyncs == 1)
        fs.resetCounters()
        #expect(fs.counters == SimulatedCounters())
    }

    @Test("damage helpers change durable bytes and keep pending operations on top")
    func damageHelpers() throws {
        let fs = SimulatedFileSystem()
        fs.setContents(of: "/d/f", [0b0000_0001, 0xFF, 0x10, 0x20])
        #expect(fs.durablePaths() == ["/d/f"], "setContents makes the entry durable")
        try fs.flipBit(path: "/d/f", byteOffset: 0, bit: 0)
        try fs.flipBit(path: "/d/f", byteOffset: 1, bit: 7)
        #expect(fs.contents(of: "/d/f") == [0, 0x7F, 0x10, 0x20])
        try fs.overwrite(path: "/d/f", byteOffset: 3, with: [0xAA, 0xBB])
        #expect(fs.contents(of: "/d/f") == [0, 0x7F, 0x10, 0xAA, 0xBB])
        try fs.truncateFile(path: "/d/f", to: 2)
        #expect(fs.durableContents(of: "/d/f") == [0, 0x7F])

        let file = try fs.open("/d/f", mode: .readWrite)
        try file.write([9], at: 3)
        try fs.flipBit(path: "/d/f", byteOffset: 0, bit: 1)
        #expect(fs.durableContents(of: "/d/f") == [2, 0x7F])
        #expect(fs.contents(of: "/d/f") == [2, 0x7F, 0, 9])

        #expect(throws: SombraError.self) { try fs.flipBit(path: "/d/f", byteOffset: 2, bit: 0) }
        #expect(throws: SombraError.self) { try fs.flipBit(path: "/d/f", byteOffset: 0, bit: 8) }
        #expect(throws: SombraError.fileNotFound(path: "/d/none")) { try fs.truncateFile(path: "/d/none", to: 0) }
    }

    @Test("locks are per handle: a conflicting lock is refused until the holder closes")
    func locksPerHandle() throws {
        let fs = SimulatedFileSystem()
        let a = try fs.open("/d/l", mode: .create)
        let b = try fs.open("/d/l", mode: .readWrite)
        let other = try fs.open("/d/other", mode: .create)
        try a.lock(.exclusive)
        try other.lock(.exclusive)  // a different file is independent
        #expect(throws: SombraError.locked(path: "/d/l")) { try b.lock(.shared) }
        try a.lock(.shared)  // downgrade
        try b.lock(.shared)
        #expect(throws: SombraError.locked(path: "/d/l")) { try a.lock(.exclusive) }
        b.close()
        try a.lock(.exclusive)
    }

    @Test("a capacity limit refuses growth with diskFull, changes nothing, and writes resume when lifted")
    func capacityLimit() throws {
        let fs = SimulatedFileSystem()
        let a = try fs.open("/d/a", mode: .create)
        let b = try fs.open("/d/b", mode: .create)
        fs.capacityBytes = 100
        try a.write(Array(repeating: 1, count: 60), at: 0)
        #expect(throws: SombraError.diskFull(operation: "write (simulated capacity 100 bytes)", path: "/d/b")) {
            try b.write(Array(repeating: 2, count: 41), at: 0)
        }
        #expect(throws: SombraError.self) { try b.truncate(to: 41) }
        #expect(fs.contents(of: "/d/b") == [])
        try b.write(Array(repeating: 2, count: 40), at: 0)
        try a.write([3], at: 0)  // overwriting in place needs no space
        fs.capacityBytes = nil
        try b.write([4], at: 40)
        #expect(fs.contents(of: "/d/b")?.count == 41)
    }

    @Test("concurrent writers on separate handles lose no write and no count")
    func concurrentWriters() throws {
        let fs = SimulatedFileSystem()
        let files = try (0..<4).map { try fs.open("/d/t\($0)", mode: .create) }
        let shared = try fs.open("/d/shared", mode: .create)
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for i in 0..<250 {
                try? files[t].write([UInt8(t)], at: UInt64(i))
                try? shared.write([UInt8(t)], at: UInt64(t * 250 + i))
            }
            try? files[t].sync()
        }
        for t in 0..<4 {
            #expect(fs.durableContents(of: "/d/t\(t)") == nil, "entries were never made durable")
            #expect(fs.contents(of: "/d/t\(t)") == Array(repeating: UInt8(t), count: 250))
            #expect(fs.pendingOperations(of: "/d/t\(t)").isEmpty)
        }
        #expect(fs.contents(of: "/d/shared") == (0..<1000).map { UInt8($0 / 250) })
        #expect(fs.counters.operations == 5 + 4 * 500 + 4)
        #expect(fs.counters.bytesWritten == 2000)
    }
}
