// ValueCodec: how a value is stored: raw, or zlib-compressed behind a 4-byte uncompressed length.
// Layer: SombraIndex. Spec: Docs/FORMAT.md, "B+tree pages", "Stored values".
//
// Invariants:
//  1. Only values longer than `BTree.compressionThresholdBytes` are compressed, and only when the stored form
//     (4-byte length + zlib stream) is strictly shorter than the raw value.
//  2. Decompression allocates exactly the stored uncompressed length, after checking it is at most
//     `BTree.maxValueBytes` and at most 1032 times the compressed length (deflate's largest ratio), and
//     fails unless zlib produces exactly that many bytes.
//  3. The only unsafe code here is the zlib call boundary.
import CZlib
import SombraFormat
import SombraStorage

/// A value as it is stored in a cell or overflow chain.
struct StoredValue {
    var bytes: [UInt8]
    var compressed: Bool
}

enum ValueCodec {
    static let lengthPrefixSize = 4
    /// zlib's default level: a good ratio at moderate speed (only values over 1 KiB are compressed).
    static let compressionLevel: Int32 = 6
    /// Deflate never expands data by more than 1032:1, so a larger claim is corrupt (and is not allocated).
    static let inflationRatioMax = 1032

    /// Whether a compressed value of `storedLength` bytes may really hold `rawLength` bytes.
    static func isPlausible(rawLength: Int, storedLength: Int) -> Bool {
        rawLength > storedLength && rawLength <= BTree.maxValueBytes
            && rawLength <= (storedLength - lengthPrefixSize) * inflationRatioMax
    }

    static func encode(_ value: [UInt8]) -> StoredValue {
        guard value.count > BTree.compressionThresholdBytes, value.count <= BTree.maxValueBytes else {
            return StoredValue(bytes: value, compressed: false)
        }
        // Room for strictly fewer bytes than the raw value: zlib reports Z_BUF_ERROR when it would not shrink.
        let capacity = value.count - lengthPrefixSize - 1
        var output = [UInt8](repeating: 0, count: lengthPrefixSize + capacity)
        output.storeLE(UInt32(value.count), at: 0)
        var producedBytes = uLongf(capacity)
        let status = unsafe value.withUnsafeBufferPointer { source in
            unsafe output.withUnsafeMutableBufferPointer { destination in
                guard let into = destination.baseAddress, let from = source.baseAddress else { return Z_BUF_ERROR }
                return unsafe compress2(into + lengthPrefixSize, &producedBytes, from, uLong(source.count), compressionLevel)
            }
        }
        guard status == Z_OK, Int(producedBytes) <= capacity else {
            return StoredValue(bytes: value, compressed: false)
        }
        output.removeLast(capacity - Int(producedBytes))
        return StoredValue(bytes: output, compressed: true)
    }

    /// The value from its stored bytes; `page` names the leaf holding the cell for error messages.
    static func decode(_ stored: [UInt8], compressed: Bool, page: PageID) throws(SombraError) -> [UInt8] {
        guard compressed else { return stored }
        guard stored.count > lengthPrefixSize else {
            throw .corruptPage(page: page.rawValue, reason: "compressed value of \(stored.count) bytes has no body")
        }
        let rawLength = Int(stored.loadLE(UInt32.self, at: 0))
        guard isPlausible(rawLength: rawLength, storedLength: stored.count) else {
            throw .corruptPage(page: page.rawValue,
                               reason: "compressed value of \(stored.count) bytes claims \(rawLength) bytes (maximum \(BTree.maxValueBytes))")
        }
        var output = [UInt8](repeating: 0, count: rawLength)
        var producedBytes = uLongf(rawLength)
        let status = unsafe stored.withUnsafeBufferPointer { source in
            unsafe output.withUnsafeMutableBufferPointer { destination in
                guard let into = destination.baseAddress, let from = source.baseAddress else { return Z_BUF_ERROR }
                return unsafe uncompress(into, &producedBytes, from + lengthPrefixSize, uLong(source.count - lengthPrefixSize))
            }
        }
        guard status == Z_OK, Int(producedBytes) == rawLength else {
            throw .corruptPage(page: page.rawValue,
                               reason: "compressed value does not inflate to its stored length \(rawLength) (zlib \(status))")
        }
        return output
    }

    /// The uncompressed length a compressed value claims (for verification), from its first bytes.
    static func claimedLength(prefix: ArraySlice<UInt8>) -> Int? {
        guard prefix.count >= lengthPrefixSize else { return nil }
        var length = 0
        for (shift, byte) in prefix.prefix(lengthPrefixSize).enumerated() { length |= Int(byte) << (8 * shift) }
        return length
    }
}
