// Run scans and entry walks (the in-place read path) against the cursor-based scans they replace.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

@Suite("B+tree run scans")
struct BTreeRunScanTests {
    /// A key of 1...12 bytes drawn from a small alphabet, so prefixes and equal-prefix keys are common.
    func randomKey(_ random: inout SeededRandom) -> [UInt8] {
        (0..<(1 + random.below(12))).map { _ in UInt8(random.below(4) * 60) }
    }

    func randomBound(_ random: inout SeededRandom) -> KeyBound {
        switch random.below(3) {
        case 0: return .unbounded
        case 1: return .included(randomKey(&random))
        default: return .excluded(randomKey(&random))
        }
    }

    func walkKeys(_ tree: BTree, _ range: KeyRange, in r: any PageReader) throws(SombraError) -> [[UInt8]] {
        var walk = tree.walk(range, in: r)
        var out: [[UInt8]] = []
        while let entry = try walk.next() { out.append(try entry.run.key(entry.index)) }
        return out
    }

    @Test("runs and walks return exactly the keys of random ranges, in order, like the cursor scan")
    func randomRanges() throws {
        let seed: UInt64 = 0x5eed_4242
        var random = SeededRandom(seed: seed)
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        for _ in 0..<3000 { try tree.put(randomKey(&random), random.bytes(random.below(3) * 20), in: store) }
        #expect(tree.verify(in: store).depth >= 2)
        var mismatches = 0
        var runsSeen = 0
        // One walk restarted on every range (sometimes after being left half-way) must read what a new one reads.
        var reused = tree.walk(.all, in: store)
        for _ in 0..<400 {
            let range: KeyRange
            if random.chance(30) {
                range = .prefix(Array(randomKey(&random).prefix(1 + random.below(3))))
            } else {
                range = KeyRange(lower: randomBound(&random), upper: randomBound(&random))
            }
            let expected = try keys(tree, range, in: store)
            if try walkKeys(tree, range, in: store) != expected { mismatches += 1 }
            if random.chance(50) { _ = try reused.next(); _ = try reused.next() }
            reused.restart(range: range)
            var fromReused: [[UInt8]] = []
            while let entry = try reused.next() { fromReused.append(try entry.run.key(entry.index)) }
            if fromReused != expected { mismatches += 1 }
            var scan = tree.runs(range, in: store)
            var fromRuns: [[UInt8]] = []
            while let run = try scan.nextRun() {
                #expect(!run.cells.isEmpty)
                runsSeen += 1
                for i in run.cells { fromRuns.append(try run.key(i)) }
            }
            #expect(try scan.nextRun() == nil)
            if fromRuns != expected { mismatches += 1 }
        }
        print("run-scan-random: ranges: 400 runs: \(runsSeen) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
    }

    @Test("a prefix range built in a kept buffer ends at KeyEncoding.prefixEnd, trailing 0xFF bytes included")
    func prefixRangeInBuffer() {
        var buffer: [UInt8] = [9, 9, 9, 9, 9, 9, 9, 9, 9, 9]
        for p: [UInt8] in [[], [0xFF], [0xFF, 0xFF], [1, 0xFF], [1, 2, 0xFF, 0xFF], [0], [0xFE], [7, 0, 0]] {
            let built = KeyRange.prefix(p, successorBuffer: &buffer)
            let end = KeyEncoding.prefixEnd(p).map { KeyBound.excluded($0) } ?? .unbounded
            #expect(built.lower == .included(p) && built.upper == end, "prefix \(p)")
            #expect(KeyRange.prefix(p).upper == end, "prefix \(p)")
        }
    }

    @Test("fixed-width fields and empty values are read in place; a short key is a corrupt page, not a trap")
    func inPlaceFields() throws {
        let store = MemoryPageStore()
        let tree = try BTree.create(in: store)
        for i in 0..<500 { try tree.put([7] + numberKey(i), i % 2 == 0 ? [] : [1], in: store) }
        try tree.put([9], [], in: store)
        var walk = tree.walk(.all, in: store)
        var n = 0
        while let entry = try walk.next() {
            let run = entry.run, i = entry.index
            if n < 500 {
                #expect(try run.trailingUInt64BE(i) == UInt64(n))
                #expect(try run.key(i).first == 7)
                #expect(try run.hasEmptyValue(i) == (n % 2 == 0))
                #expect(try run.value(i, in: store) == (n % 2 == 0 ? [] : [1]))
            } else {
                #expect(try run.key(i) == [9])
                #expect(throws: SombraError.self) { try run.trailingUInt64BE(i) }
            }
            n += 1
        }
        #expect(n == 501)
    }

    @Test("a walk that writes while it iterates sees what the cursor scan sees: it resumes after its last key")
    func writesDuringWalk() throws {
        let seed: UInt64 = 0xC0FFEE
        var mismatches = 0
        for round in 0..<20 {
            var setup = SeededRandom(seed: seed &+ UInt64(round))
            let a = MemoryPageStore(), b = MemoryPageStore()
            let treeA = try BTree.create(in: a), treeB = try BTree.create(in: b)
            for _ in 0..<800 {
                let k = randomKey(&setup), v = setup.bytes(setup.below(40))
                try treeA.put(k, v, in: a)
                try treeB.put(k, v, in: b)
            }
            var opsA = SeededRandom(seed: seed &+ 1000 &+ UInt64(round))
            var opsB = opsA
            func mutate(_ tree: BTree, _ store: MemoryPageStore, after key: [UInt8], _ random: inout SeededRandom) throws {
                switch random.below(4) {
                case 0: _ = try tree.remove(key, in: store)
                case 1: try tree.put(randomKey(&random), random.bytes(30), in: store)
                case 2: _ = try tree.remove(randomKey(&random), in: store)
                default: break
                }
            }
            var reference: [[UInt8]] = []
            var scan = treeA.scanKeys(.all, in: a)
            while let k = try scan.next() {
                reference.append(k)
                try mutate(treeA, a, after: k, &opsA)
            }
            var walked: [[UInt8]] = []
            var walk = treeB.walk(.all, in: b)
            while let entry = try walk.next() {
                let run = entry.run, i = entry.index
                let k = try run.key(i)
                walked.append(k)
                try mutate(treeB, b, after: k, &opsB)
            }
            if walked != reference { mismatches += 1 }
        }
        print("run-scan-writes: rounds: 20 mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
    }
}
