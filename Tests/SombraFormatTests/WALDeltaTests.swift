// Delta frames' payloads (FORMAT.md, "Delta frames"; WALDelta.swift): a delta rebuilds exactly the new page
// from the old one, from any version between them (invariant 3), carries only changed bytes, and any
// malformed payload is refused without touching the page.
import Testing
import SombraFormat

@Suite("Log delta payloads")
struct WALDeltaTests {
    /// A random edit in one of the shapes a B+tree write makes.
    func edit(_ page: inout [UInt8], _ random: inout TestRNG) {
        let n = page.count
        switch Int.random(in: 0..<6, using: &random) {
        case 0: page[Int.random(in: 0..<n, using: &random)] ^= 0x5A                     // one byte
        case 1:                                                                          // a slot array shifted
            let start = Int.random(in: 16..<(n / 4), using: &random)
            let count = Int.random(in: 2..<300, using: &random)
            page[(start + 2)..<(start + 2 + count)] = page[start..<(start + count)]
        case 2: for i in (n - 100)..<n { page[i] = UInt8.random(in: 0...255, using: &random) }   // the last cell
        case 3: for i in 0..<16 { page[i] = UInt8.random(in: 0...255, using: &random) }         // the header
        case 4: for i in 0..<n { page[i] = UInt8.random(in: 0...255, using: &random) }          // everything
        default:                                                                         // scattered bytes
            for _ in 0..<Int.random(in: 1..<40, using: &random) { page[Int.random(in: 0..<n, using: &random)] &+= 1 }
        }
    }

    @Test("a delta applied to its base, or to any later version up to itself, gives the new page (seed 61)")
    func roundTrip() throws {
        let seed: UInt64 = 61
        var random = TestRNG(seed: seed)
        var checked = 0, whole = 0, mismatches = 0
        for _ in 0..<300 {
            let size = [4096, 8192, 65536][Int.random(in: 0..<3, using: &random)]
            var versions = [(0..<size).map { _ in UInt8.random(in: 0...255, using: &random) }]
            var deltas: [[UInt8]] = []
            for _ in 0..<5 {
                var next = versions.last!
                edit(&next, &random)
                guard let d = WALDelta.encode(from: versions.last!, to: next, limit: size / 2) else {
                    // Refused: nothing changed, or the change is half a page or more.
                    let changed = zip(next, versions.last!).filter { $0 != $1 }.count
                    #expect(changed == 0 || changed + WALDelta.runHeaderSize > size / 4, "seed \(seed)")
                    whole += 1
                    break
                }
                #expect(d.count < size / 2)
                #expect(WALDelta.isWellFormed(d, payload: 0..<d.count, pageSize: size))
                // Only changed bytes travel, give or take the gaps shorter than a run header.
                let changed = zip(next, versions.last!).filter { $0 != $1 }.count
                #expect(d.count <= changed * (1 + WALDelta.runHeaderSize), "seed \(seed)")
                versions.append(next)
                deltas.append(d)
            }
            // Deltas k... applied to version m (k - 1 <= m) give the newest version.
            for k in 0..<deltas.count {
                for m in k..<versions.count {
                    var page = versions[m]
                    for d in deltas[k...] { #expect(WALDelta.apply(d, payload: 0..<d.count, to: &page)) }
                    checked += 1
                    if page != versions.last! { mismatches += 1 }
                }
            }
        }
        print("wal-delta: chains-checked: \(checked) refused-as-whole: \(whole) mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
        #expect(checked > 500 && whole > 0)
    }

    @Test("changedRuns finds exactly the changed bytes, as a byte-by-byte comparison does (seed 67)")
    func changedRunsModel() {
        let seed: UInt64 = 67
        var random = TestRNG(seed: seed)
        var mismatches = 0
        for _ in 0..<2000 {
            let n = Int.random(in: 1..<700, using: &random)
            let a = (0..<n).map { _ in UInt8.random(in: 0...3, using: &random) }
            var b = a
            for _ in 0..<Int.random(in: 0..<12, using: &random) {
                let at = Int.random(in: 0..<n, using: &random)
                for i in at..<min(n, at + Int.random(in: 1..<20, using: &random)) { b[i] &+= UInt8.random(in: 1...3, using: &random) }
            }
            let lo = Int.random(in: 0..<n, using: &random), hi = Int.random(in: lo...n, using: &random)
            let gap = Int.random(in: 1..<6, using: &random)
            // The model: differing bytes, joined when fewer than `gap` equal bytes lie between them.
            var model: [Range<Int>] = []
            for i in lo..<hi where a[i] != b[i] {
                if let last = model.last, i - last.upperBound < gap { model[model.count - 1] = last.lowerBound..<(i + 1) }
                else { model.append(i..<(i + 1)) }
            }
            if b.changedRuns(from: a, in: lo..<hi, mergeGap: gap) != model { mismatches += 1 }
        }
        print("changed-runs: cases: 2000 mismatches: \(mismatches) seed: \(seed)")
        #expect(mismatches == 0, "seed \(seed)")
    }

    @Test("one changed byte costs a run header and the byte; nothing changed is no delta")
    func exactRuns() throws {
        let old = [UInt8](repeating: 7, count: 4096)
        var new = old
        new[1000] = 8
        let d = try #require(WALDelta.encode(from: old, to: new, limit: 2048))
        #expect(d == [0xE8, 0x03, 1, 0, 8])
        #expect(WALDelta.encode(from: old, to: old, limit: 2048) == nil)
        // Two changes a few bytes apart share one run; far apart they are two.
        new[1003] = 9
        #expect(try #require(WALDelta.encode(from: old, to: new, limit: 2048)).count == WALDelta.runHeaderSize + 4)
        new[2000] = 9
        #expect(try #require(WALDelta.encode(from: old, to: new, limit: 2048)).count == 2 * WALDelta.runHeaderSize + 5)
    }

    @Test("malformed payloads are refused and leave the page as it was")
    func malformed() {
        let page = [UInt8](repeating: 1, count: 4096)
        func run(_ offset: UInt16, _ length: UInt16, _ bytes: Int) -> [UInt8] {
            var b: [UInt8] = []
            b.appendLE(offset)
            b.appendLE(length)
            return b + [UInt8](repeating: 2, count: bytes)
        }
        let bad: [(String, [UInt8])] = [
            ("empty", []),
            ("short run header", [0, 0, 1]),
            ("zero length", run(10, 0, 0)),
            ("bytes missing", run(10, 5, 4)),
            ("past the page", run(4094, 4, 4)),
            ("overlapping runs", run(10, 4, 4) + run(12, 2, 2)),
            ("descending runs", run(100, 2, 2) + run(10, 2, 2)),
            ("trailing byte", run(10, 2, 2) + [0]),
            ("as long as the page", run(0, 4092, 4092)),
        ]
        for (name, payload) in bad {
            var p = page
            #expect(!WALDelta.isWellFormed(payload, payload: 0..<payload.count, pageSize: 4096), "\(name)")
            #expect(!WALDelta.apply(payload, payload: 0..<payload.count, to: &p), "\(name)")
            #expect(p == page, "\(name)")
        }
        var p = page
        let good = run(10, 2, 2) + run(12, 1, 1)
        #expect(WALDelta.apply(good, payload: 0..<good.count, to: &p))
        #expect(p[10] == 2 && p[11] == 2 && p[12] == 2 && p[13] == 1)
    }
}
