// A page sealed from its previous image (PageHeader.seal(changedFrom:)) gets exactly the checksum a full
// pass gives, however the page changed; and the changed-byte runs it reads cover every changed byte.
import Testing
import SombraFormat

@Suite("Incremental page checksums")
struct IncrementalChecksumTests {
    /// A random edit of `page`, in one of the shapes B-tree writes make (or none at all).
    func edit(_ page: inout [UInt8], _ random: inout TestRNG) {
        let n = page.count
        switch Int.random(in: 0..<7, using: &random) {
        case 0: break                                                       // nothing changed
        case 1: page[Int.random(in: 4..<n, using: &random)] ^= 0x5A         // one byte
        case 2:                                                             // a slot array shifted by two
            let start = Int.random(in: 16..<(n / 4), using: &random)
            let count = Int.random(in: 2..<300, using: &random)
            page[(start + 2)..<(start + 2 + count)] = page[start..<(start + count)]
        case 3: page[(n - 100)...] = ArraySlice((0..<100).map { _ in UInt8.random(in: 0...255, using: &random) })   // the last cell
        case 4: for i in 4..<12 { page[i] = UInt8.random(in: 0...255, using: &random) }   // the first covered bytes
        case 5: for i in 4..<n { page[i] = UInt8.random(in: 0...255, using: &random) }     // everything
        default:                                                            // scattered edits
            for _ in 0..<Int.random(in: 1..<20, using: &random) {
                page[Int.random(in: 4..<n, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
        }
    }

    @Test("sealing from the previous image equals sealing from scratch, for every page size and edit shape (seed 41)")
    func matchesFullSeal() {
        let seed: UInt64 = 41
        var random = TestRNG(seed: seed)
        var mismatches = 0
        var uncovered = 0
        var seals = 0
        for pageSize in [4096, 8192, 65536] {
            for _ in 0..<60 {
                let id = PageID(UInt64.random(in: 1..<1_000_000, using: &random))
                var page = (0..<pageSize).map { _ in UInt8.random(in: 0...255, using: &random) }
                PageHeader.seal(&page, page: id, txID: TxID(1))
                for step in 0..<8 {
                    let original = page
                    edit(&page, &random)
                    let runs = page.differingRuns(from: original, in: 4..<pageSize)
                    var inRun = [Bool](repeating: false, count: pageSize)
                    for r in runs { for i in r { inRun[i] = true } }
                    for i in 4..<pageSize where page[i] != original[i] && !inRun[i] { uncovered += 1 }
                    var full = page
                    let expected = PageHeader.seal(&full, page: id, txID: TxID(UInt64(step + 2)))
                    let got = PageHeader.seal(&page, page: id, txID: TxID(UInt64(step + 2)), changedFrom: original)
                    if got != expected || page != full { mismatches += 1 }
                    seals += 1
                }
            }
        }
        print("incremental-checksum: seals: \(seals) mismatches: \(mismatches) uncovered bytes: \(uncovered) seed: \(seed)")
        #expect(mismatches == 0 && uncovered == 0, "seed \(seed)")
    }

    @Test("the updated CRC reads only the changed runs: a run list missing a change gives another checksum")
    func runsMatter() {
        var page = [UInt8](repeating: 7, count: 8192)
        PageHeader.seal(&page, page: PageID(3), txID: TxID(1))
        let original = page
        page[5000] = 9
        page[6000] = 9
        let stored = original.loadLE(UInt32.self, at: 0)
        let covered = 4..<8192
        let right = Checksum.crc32(updating: stored, old: original, new: page, range: covered,
                                   runs: page.differingRuns(from: original, in: covered))
        let missing = Checksum.crc32(updating: stored, old: original, new: page, range: covered, runs: [4990..<5010])
        #expect(right == PageHeader.computeChecksum(page, page: PageID(3)))
        #expect(missing != right)
    }

    @Test("carrying a register across zero bytes by table equals building the operator (seed 43)")
    func carryTable() {
        var random = TestRNG(seed: 43)
        var lengths = [0, 1, 63, 64, 65, 4092, 4096, 8188, 8192, 65_535, 65_536, 65_537, 100_000]
        for _ in 0..<300 { lengths.append(Int.random(in: 0...70_000, using: &random)) }
        var mismatches = 0
        for length in lengths {
            let register = UInt32.random(in: 0...UInt32.max, using: &random)
            if CRC32Shift.carry(register, across: length) != CRC32Shift(length: length).combine(register, 0) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "seed 43")
    }
}
