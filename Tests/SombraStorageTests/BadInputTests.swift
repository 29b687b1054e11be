// Opening something that is not a Sombra database fails with a typed error and never modifies the file.
import Testing
import SombraFormat
import SombraIO
@testable import SombraStorage

@Suite("Opening bad files")
struct BadInputTests {
    static func sqliteHeader() -> [UInt8] {
        var b = Array("SQLite format 3\0".utf8)
        b += [0x10, 0x00, 0x01, 0x01] + [UInt8](repeating: 0, count: 4096 - 20)
        return b
    }

    static func validImage(pageSize: Int = 4096) -> [UInt8] {
        FileHeader(pageSize: UInt32(pageSize), databaseID: [UInt8](repeating: 7, count: 16)).encodePage()
    }

    static let fixtures: [(String, [UInt8])] = {
        var future = validImage()
        for off in FileHeader.copyOffsets(pageSize: 4096) {
            var copy = Array(future[off..<off + FileHeader.copySize])
            copy.storeLE(UInt32(99), at: FileHeader.Offset.version)
            copy.storeLE(Checksum.crc32(copy, range: 0..<FileHeader.checksumOffset), at: FileHeader.checksumOffset)
            future.replaceSubrange(off..<off + FileHeader.copySize, with: copy)
        }
        var badSize = validImage()
        for off in FileHeader.copyOffsets(pageSize: 4096) {
            var copy = Array(badSize[off..<off + FileHeader.copySize])
            copy.storeLE(UInt32(5000), at: FileHeader.Offset.pageSize)
            copy.storeLE(Checksum.crc32(copy, range: 0..<FileHeader.checksumOffset), at: FileHeader.checksumOffset)
            badSize.replaceSubrange(off..<off + FileHeader.copySize, with: copy)
        }
        var random = [UInt8](repeating: 0, count: 8192)
        var x: UInt64 = 0x1234
        for i in random.indices { x = x &* 6364136223846793005 &+ 1442695040888963407; random[i] = UInt8(x >> 56) }
        return [
            ("empty", []),
            ("short", [1, 2, 3]),
            ("random", random),
            ("text", Array(String(repeating: "hello, this is a text file\n", count: 300).utf8)),
            ("sqlite", sqliteHeader()),
            ("future-version", future),
            ("bad-page-size", badSize),
            ("zeros", [UInt8](repeating: 0, count: 8192)),
        ]
    }()

    @Test("each not-a-database fixture fails with a typed error and is left untouched", arguments: 0..<fixtures.count)
    func fixture(_ i: Int) throws {
        let (name, bytes) = Self.fixtures[i]
        let fs = InMemoryFileSystem()
        fs.setContents(of: name, bytes)
        var thrown: SombraError? = nil
        do { _ = try Pager.open(path: name, options: memoryOptions(), fileSystem: fs) } catch { thrown = error }
        let error = try #require(thrown, "\(name) opened")
        switch name {
        case "future-version": #expect(error == .unsupportedVersion(found: 99, supported: FileHeader.formatVersion))
        case "bad-page-size": #expect(error == .invalidPageSize(5000))
        default: #expect(error.isCorruption, "\(name): \(error)")
        }
        #expect(fs.contents(of: name) == bytes, "\(name) was modified")
        #expect(!fs.exists(name + "-wal"), "\(name) got a log")
    }

    @Test("a directory is refused with a typed error")
    func directory() throws {
        var thrown: SombraError? = nil
        do { _ = try Pager.open(path: "/tmp", options: memoryOptions(), fileSystem: POSIXFileSystem()) } catch { thrown = error }
        #expect(thrown == .notADatabase(reason: "/tmp is a directory"))
    }

    @Test("a second writer handle on the same database is refused")
    func secondWriter() throws {
        let fs = InMemoryFileSystem()
        let a = try Pager.open(path: "w.db", options: memoryOptions(), fileSystem: fs)
        #expect(throws: SombraError.locked(path: "w.db")) { try Pager.open(path: "w.db", options: memoryOptions(), fileSystem: fs) }
        try a.close()
        let b = try Pager.open(path: "w.db", options: memoryOptions(), fileSystem: fs)
        try b.close()
    }
}
