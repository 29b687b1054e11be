// The file seam's contract (Sources/SombraIO/StorageFile.swift), checked with one test body against every
// implementation: the POSIX file system in a fresh temporary directory, the in-memory one and the simulated
// one. A behaviour that differs between them is a bug in one of them.
import Foundation
import Glibc
import Testing
import SombraFormat
import SombraIO
import SombraTestSupport

enum SeamKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case posix, inMemory, simulated
    var testDescription: String { rawValue }
}

/// A file system of one kind plus a directory to put files in; `cleanUp` removes what the test made.
struct Seam {
    let fs: any FileSystem
    let directory: String
    let cleanUp: @Sendable () -> Void

    init(_ kind: SeamKind) throws {
        switch kind {
        case .posix:
            var template = Array("/tmp/sombra-io-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else {
                throw SombraError.io(operation: "mkdtemp", errno: errno, path: "/tmp")
            }
            let directory = String(cString: made)
            self.directory = directory
            fs = POSIXFileSystem()
            cleanUp = { try? FileManager.default.removeItem(atPath: directory) }
        case .inMemory:
            fs = InMemoryFileSystem()
            directory = "/mem"
            cleanUp = {}
        case .simulated:
            fs = SimulatedFileSystem()
            directory = "/sim"
            cleanUp = {}
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }
}

@Suite("file seam contract")
struct FileSeamContractTests {
    @Test("written bytes read back, a gap reads as zeros, truncate cuts and extends, and data survives reopen",
          arguments: SeamKind.allCases)
    func roundTrip(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let path = seam.path("round.db")
        let file = try seam.fs.open(path, mode: .create)
        #expect(file.path == path)
        #expect(try file.size() == 0)
        try file.write(Array("hello".utf8), at: 0)
        try file.write([1, 2, 3], at: 10)
        #expect(try file.size() == 13)
        #expect(try file.read(at: 0, count: 13) == Array("hello".utf8) + [0, 0, 0, 0, 0, 1, 2, 3])
        try file.write(Array("J".utf8), at: 0)
        #expect(try file.read(at: 0, count: 5) == Array("Jello".utf8))
        try file.truncate(to: 3)
        #expect(try file.size() == 3)
        #expect(try file.read(at: 0, count: 100) == Array("Jel".utf8))
        try file.truncate(to: 6)
        #expect(try file.read(at: 0, count: 100) == Array("Jel".utf8) + [0, 0, 0])
        try file.sync()
        try seam.fs.syncDirectory(containing: path)
        file.close()

        let again = try seam.fs.open(path, mode: .readWrite)
        defer { again.close() }
        #expect(try again.readExactly(at: 0, count: 6) == Array("Jel".utf8) + [0, 0, 0])
    }

    @Test("a read at the end of a file is short, past the end is empty, and readExactly refuses a short read",
          arguments: SeamKind.allCases)
    func shortReadAtEndOfFile(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let file = try seam.fs.open(seam.path("short.db"), mode: .create)
        defer { file.close() }
        try file.write(Array(0..<10), at: 0)
        #expect(try file.read(at: 6, count: 10) == [6, 7, 8, 9])
        #expect(try file.read(at: 10, count: 4) == [])
        #expect(try file.read(at: 1000, count: 4) == [])
        #expect(try file.read(at: 0, count: 0) == [])
        #expect(throws: SombraError.self) { try file.readExactly(at: 8, count: 4) }
    }

    @Test("opening a missing file without .create is fileNotFound, and remove takes a file away",
          arguments: SeamKind.allCases)
    func missingFilesAndRemove(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let path = seam.path("missing.db")
        #expect(!seam.fs.exists(path))
        #expect(throws: SombraError.fileNotFound(path: path)) { try seam.fs.open(path, mode: .readWrite) }
        #expect(throws: SombraError.fileNotFound(path: path)) { try seam.fs.open(path, mode: .readOnly) }
        #expect(!seam.fs.exists(path), "a failed open must not create the file")
        try seam.fs.open(path, mode: .create).close()
        #expect(seam.fs.exists(path))
        #expect(!seam.fs.isDirectory(path))
        try seam.fs.remove(path)
        #expect(!seam.fs.exists(path))
        try seam.fs.remove(path)  // removing a missing file is not an error
    }

    @Test("a second handle's exclusive or shared lock is refused while the first holds exclusive, and allowed after close",
          arguments: SeamKind.allCases)
    func exclusiveLockConflicts(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let path = seam.path("locked.db")
        let first = try seam.fs.open(path, mode: .create)
        let second = try seam.fs.open(path, mode: .readWrite)
        defer { second.close() }
        try first.lock(.exclusive)
        try first.lock(.exclusive)  // re-taking one's own lock is fine
        #expect(throws: SombraError.locked(path: path)) { try second.lock(.exclusive) }
        #expect(throws: SombraError.locked(path: path)) { try second.lock(.shared) }
        first.close()
        try second.lock(.exclusive)
    }

    @Test("shared locks coexist, and an exclusive lock waits for every other shared holder to close",
          arguments: SeamKind.allCases)
    func sharedLocksCoexist(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let path = seam.path("shared.db")
        let first = try seam.fs.open(path, mode: .create)
        let second = try seam.fs.open(path, mode: .readWrite)
        defer { second.close() }
        try first.lock(.shared)
        try second.lock(.shared)
        #expect(throws: SombraError.locked(path: path)) { try second.lock(.exclusive) }
        first.close()
        try second.lock(.exclusive)
    }

    // The in-memory file system allows this (it does not model access modes for locks).
    @Test("an exclusive lock on a read-only handle is refused with EBADF, a shared one is allowed",
          arguments: [SeamKind.posix, .simulated])
    func exclusiveLockNeedsWriteAccess(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let path = seam.path("ro-lock.db")
        try seam.fs.open(path, mode: .create).close()
        let reader = try seam.fs.open(path, mode: .readOnly)
        defer { reader.close() }
        #expect(throws: SombraError.io(operation: "lock", errno: 9, path: path)) { try reader.lock(.exclusive) }
        try reader.lock(.shared)
    }

    @Test("writing through a read-only handle fails and leaves the file unchanged", arguments: SeamKind.allCases)
    func readOnlyHandleRefusesWrites(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let path = seam.path("ro.db")
        let writer = try seam.fs.open(path, mode: .create)
        try writer.write([7, 7, 7], at: 0)
        writer.close()
        let reader = try seam.fs.open(path, mode: .readOnly)
        defer { reader.close() }
        #expect(throws: SombraError.self) { try reader.write([1], at: 0) }
        #expect(throws: SombraError.self) { try reader.truncate(to: 0) }
        #expect(try reader.read(at: 0, count: 3) == [7, 7, 7])
    }

    @Test("a directory opens as notADatabase", arguments: [SeamKind.posix, .simulated])
    func directoryIsNotADatabase(kind: SeamKind) throws {
        let seam = try Seam(kind)
        defer { seam.cleanUp() }
        let directory = seam.path("sub")
        if let simulated = seam.fs as? SimulatedFileSystem {
            simulated.createDirectory(directory)
        } else {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        }
        #expect(seam.fs.isDirectory(directory))
        for mode in [OpenMode.readOnly, .readWrite, .create] {
            #expect {
                try seam.fs.open(directory, mode: mode)
            } throws: { error in
                if case .notADatabase = error as? SombraError { return true }
                return false
            }
        }
    }
}
