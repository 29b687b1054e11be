// Crash images of the simulated file system: durable-only, all applied, every prefix of pending operations
// (cross product or per unit), seeded random subsets with sector-torn writes, and a chosen torn write.
import Testing
import SombraFormat
import SombraIO
import SombraTestSupport

@Suite("simulated file system: crash images")
struct CrashImageTests {
    /// Applies `ops` to `start` one prefix at a time: the n+1 states a file with n pending ops can show.
    static func prefixStates(_ start: [UInt8], _ ops: [(inout [UInt8]) -> Void]) -> [[UInt8]] {
        var states = [start]
        var bytes = start
        for op in ops {
            op(&bytes)
            states.append(bytes)
        }
        return states
    }

    static func durableFile(_ fs: SimulatedFileSystem, _ path: String, _ bytes: [UInt8]) throws -> any StorageFile {
        try SimulatedFileSystemTests.durableFile(fs, path, bytes)
    }

    @Test("the durable image drops unsynced writes and entries, the all-applied snapshot keeps them")
    func durableAndAllApplied() throws {
        let fs = SimulatedFileSystem()
        let db = try Self.durableFile(fs, "/d/db", [1, 2, 3])
        try db.write([9], at: 3)
        let wal = try fs.open("/d/db-wal", mode: .create)
        try wal.write([4, 4], at: 0)
        try wal.sync()

        let durable = fs.durableImage()
        #expect(durable.paths() == ["/d/db"])
        #expect(durable.contents(of: "/d/db") == [1, 2, 3])
        #expect(durable.pendingDirectoryEntryCount == 0 && durable.pendingOperations(of: "/d/db").isEmpty)
        #expect(durable.label == "durable only")

        let all = fs.snapshotAllApplied()
        #expect(all.paths() == ["/d/db", "/d/db-wal"])
        #expect(all.contents(of: "/d/db") == [1, 2, 3, 9] && all.contents(of: "/d/db-wal") == [4, 4])
        #expect(all.durableImage().paths() == ["/d/db", "/d/db-wal"], "in an image everything is durable")
    }

    @Test("prefix images are the cross product of every file's pending prefixes when that is at most 64")
    func prefixCrossProduct() throws {
        let fs = SimulatedFileSystem()
        let a = try Self.durableFile(fs, "/d/a", [0, 0, 0, 0])
        let b = try Self.durableFile(fs, "/d/b", [])
        try a.write([1], at: 0)
        try b.write([7], at: 0)
        try a.write([2], at: 1)
        try b.write([8], at: 5)
        try a.truncate(to: 3)

        let images = fs.imagesWithPendingPrefixes()
        #expect(images.count == 4 * 3)
        let aStates = [[0, 0, 0, 0], [1, 0, 0, 0], [1, 2, 0, 0], [1, 2, 0]] as [[UInt8]]
        let bStates = [[], [7], [7, 0, 0, 0, 0, 8]] as [[UInt8]]
        var seen: Set<[[UInt8]]> = []
        for image in images {
            let pair = [try #require(image.contents(of: "/d/a")), try #require(image.contents(of: "/d/b"))]
            #expect(aStates.contains(pair[0]) && bStates.contains(pair[1]), "\(image.label)")
            seen.insert(pair)
        }
        #expect(seen.count == 12, "every combination appears exactly once")
        #expect(images.first?.contents(of: "/d/a") == aStates[0] && images.first?.contents(of: "/d/b") == bStates[0])
        #expect(images.last?.contents(of: "/d/a") == aStates[3] && images.last?.contents(of: "/d/b") == bStates[2])
        #expect(Set(images.map(\.label)).count == 12)
    }

    @Test("above the cross-product limit there is one image per unit prefix, other files durable-only")
    func prefixPerUnit() throws {
        let fs = SimulatedFileSystem()
        let a = try Self.durableFile(fs, "/d/a", [])
        let b = try Self.durableFile(fs, "/d/b", [])
        for i in 0..<10 { try a.write([UInt8(i + 1)], at: UInt64(i)) }
        for i in 0..<7 { try b.write([UInt8(i + 100)], at: UInt64(i)) }

        let images = fs.imagesWithPendingPrefixes()  // 11 * 8 = 88 > 64
        #expect(images.count == 1 + 10 + 7)
        var aLengths: [Int] = [], bLengths: [Int] = []
        for image in images {
            let aBytes = try #require(image.contents(of: "/d/a")), bBytes = try #require(image.contents(of: "/d/b"))
            #expect(aBytes.isEmpty || bBytes.isEmpty, "only one file differs from durable: \(image.label)")
            #expect(aBytes == (0..<aBytes.count).map { UInt8($0 + 1) })
            #expect(bBytes == (0..<bBytes.count).map { UInt8($0 + 100) })
            if !aBytes.isEmpty { aLengths.append(aBytes.count) }
            if !bBytes.isEmpty { bLengths.append(bBytes.count) }
        }
        #expect(aLengths == Array(1...10) && bLengths == Array(1...7))
        #expect(images.filter { $0.contents(of: "/d/a") == [] && $0.contents(of: "/d/b") == [] }.count == 1)
        #expect(fs.imagesWithPendingPrefixes(maxCrossProductImages: 88).count == 88)
    }

    @Test("a pending creation is a unit of its own: the new file exists only in images that include it")
    func pendingCreationIsAUnit() throws {
        let fs = SimulatedFileSystem()
        #expect(fs.imagesWithPendingPrefixes().count == 1, "nothing pending: just the durable image")
        let wal = try fs.open("/d/db-wal", mode: .create)
        try wal.write([5], at: 0)
        let images = fs.imagesWithPendingPrefixes()
        #expect(images.count == 2 * 2)
        let present = images.compactMap { $0.contents(of: "/d/db-wal") }
        #expect(present.sorted { $0.count < $1.count } == [[], [5]])
    }

    @Test("a seeded random subset is the same image for the same seed and history")
    func randomSubsetIsDeterministic() throws {
        func history() throws -> SimulatedFileSystem {
            let fs = SimulatedFileSystem()
            let db = try Self.durableFile(fs, "/d/db", Array(repeating: 0, count: 4096))
            for i in 0..<6 { try db.write(Array(repeating: UInt8(i + 1), count: 1024), at: UInt64(i * 700)) }
            try db.truncate(to: 3000)
            let wal = try fs.open("/d/db-wal", mode: .create)
            for i in 0..<4 { try wal.write(Array(repeating: UInt8(i + 50), count: 600), at: UInt64(i * 600)) }
            return fs
        }
        let first = try history(), second = try history()
        var distinct: Set<[[UInt8]?]> = []
        for seed in UInt64(0)..<20 {
            let x = first.imageWithRandomSubset(seed: seed), y = second.imageWithRandomSubset(seed: seed)
            #expect(x.label == y.label, "seed \(seed)")
            #expect(x.paths() == y.paths(), "seed \(seed)")
            for path in ["/d/db", "/d/db-wal"] {
                #expect(x.contents(of: path) == y.contents(of: path), "seed \(seed) \(path)")
            }
            #expect(x.imageWithRandomSubset(seed: seed).contents(of: "/d/db") == x.contents(of: "/d/db"),
                    "an image has nothing pending")
            distinct.insert([x.contents(of: "/d/db"), x.contents(of: "/d/db-wal")])
        }
        #expect(distinct.count > 10, "different seeds choose different subsets")
    }

    @Test("a random subset keeps, drops or tears each write, tearing only at sector boundaries")
    func randomSubsetTearsAtSectors() throws {
        let fs = SimulatedFileSystem()
        let db = try Self.durableFile(fs, "/d/db", Array(repeating: 0, count: 2048))
        try db.write(Array(repeating: 0xAB, count: 2048), at: 0)
        var outcomes: Set<Int> = []
        for seed in UInt64(0)..<200 {
            let bytes = try #require(fs.imageWithRandomSubset(seed: seed).contents(of: "/d/db"))
            let kept = bytes.prefix { $0 == 0xAB }.count
            #expect(bytes.count == 2048 && bytes[kept...].allSatisfy { $0 == 0 }, "seed \(seed)")
            #expect(kept % 512 == 0, "seed \(seed): torn at \(kept)")
            outcomes.insert(kept)
        }
        #expect(outcomes == [0, 512, 1024, 1536, 2048])

        var small: Set<Int> = []
        for seed in UInt64(0)..<40 {
            small.insert(fs.imageWithRandomSubset(seed: seed, sectorBytes: 4096).contents(of: "/d/db")?
                .prefix { $0 == 0xAB }.count ?? -1)
        }
        #expect(small == [0, 2048], "with no boundary inside, a write is kept or dropped whole")
    }

    @Test("imageWithTornWrite applies earlier pending operations and the first k bytes of the chosen write")
    func chosenTornWrite() throws {
        let fs = SimulatedFileSystem()
        let db = try Self.durableFile(fs, "/d/db", [1, 2, 3, 4, 5, 6])
        let other = try Self.durableFile(fs, "/d/other", [1])
        try db.truncate(to: 5)
        try db.write([0xF0, 0xF1, 0xF2, 0xF3], at: 1)
        try db.write([0xEE], at: 0)
        try other.write([2], at: 0)
        let image = try #require(fs.imageWithTornWrite(path: "/d/db", pendingIndex: 1, keepBytes: 2))
        #expect(image.contents(of: "/d/db") == [1, 0xF0, 0xF1, 4, 5])
        #expect(image.contents(of: "/d/other") == [1], "other files are durable-only")
        #expect(fs.imageWithTornWrite(path: "/d/db", pendingIndex: 0, keepBytes: 1) == nil, "index 0 is a truncate")
        #expect(fs.imageWithTornWrite(path: "/d/db", pendingIndex: 3, keepBytes: 1) == nil)
    }
}
