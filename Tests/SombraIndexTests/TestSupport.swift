// Helpers shared by the B-tree tests: fast seeded byte generation and small store/tree utilities.
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

extension SeededRandom {
    /// `count` incompressible bytes, filled eight at a time (fast enough for megabytes in debug builds).
    mutating func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var i = 0
        while i + 8 <= count {
            bytes.storeLE(next(), at: i)
            i += 8
        }
        while i < count {
            bytes[i] = UInt8(truncatingIfNeeded: next())
            i += 1
        }
        return bytes
    }

    /// `count` bytes that zlib compresses well (a short random phrase repeated).
    mutating func compressibleBytes(_ count: Int) -> [UInt8] {
        let phrase = randomBytes(16)
        var bytes = [UInt8](repeating: 0, count: count)
        for i in 0..<count { bytes[i] = phrase[i & 15] }
        return bytes
    }
}

/// Every (key, value) of the tree in ascending order.
func allEntries(_ tree: BTree, in r: any PageReader, reverse: Bool = false) throws(SombraError) -> [([UInt8], [UInt8])] {
    var scan = tree.scan(.all, reverse: reverse, in: r)
    var result: [([UInt8], [UInt8])] = []
    while let entry = try scan.next() { result.append((entry.key, entry.value)) }
    return result
}

/// Every key of the range, in scan order.
func keys(_ tree: BTree, _ range: KeyRange, reverse: Bool = false, in r: any PageReader) throws(SombraError) -> [[UInt8]] {
    var scan = tree.scanKeys(range, reverse: reverse, in: r)
    var result: [[UInt8]] = []
    while let key = try scan.next() { result.append(key) }
    return result
}

/// A big-endian 8-byte key for `n` (sorts like n).
func numberKey(_ n: Int) -> [UInt8] {
    var key: [UInt8] = []
    key.appendBE(UInt64(n))
    return key
}

extension SombraError {
    /// The page a `.corruptPage` names, nil for other errors.
    var corruptPageNumber: UInt64? {
        if case .corruptPage(let page, _) = self { return page }
        return nil
    }
}

/// Byte-array equality that stays fast in debug builds: exact below 64 bytes, else length plus zlib CRC-32.
func sameBytes(_ a: [UInt8]?, _ b: [UInt8]?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    guard a.count == b.count else { return false }
    if a.count < 64 { return a == b }
    return Checksum.crc32(a) == Checksum.crc32(b)
}
