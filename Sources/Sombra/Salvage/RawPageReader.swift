// RawPageReader: pages straight from a database file whose header is lost, for salvage. The page size is
// found by trying each legal size on the first pages (a page's checksum is seeded with its number, so a
// page that verifies at size S and number n is strong evidence for S).
// Layer: graph facade (Sombra), over the file seam.
//
// Invariants:
//  1. Every page returned has passed PageHeader.verify (size, checksum, kind) for its number.
//  2. Only reads; the file is opened read-only with a shared lock, like a read-only database handle.
//  3. `pageCount` is the number of whole pages in the file up to the last page that is not all zeros (the
//     file grows in chunks); the log is not consulted: without a header, nothing says which log is ours.
import SombraFormat
import SombraIO
import SombraStorage

final class RawPageReader: PageReader {
    let file: any StorageFile
    let pageSize: Int
    let pageCount: UInt64
    var changeCounter: UInt64 { 0 }

    init(file: any StorageFile, pageSize: Int, pageCount: UInt64) {
        self.file = file
        self.pageSize = pageSize
        self.pageCount = pageCount
    }

    /// Opens `path` and finds its page size; throws `.notADatabase` when no size makes any page verify.
    static func open(path: String, fileSystem: any FileSystem) throws(SombraError) -> RawPageReader {
        let file = try fileSystem.open(path, mode: .readOnly)
        do throws(SombraError) {
            try file.lock(.shared)
            let size = try file.size()
            var pageSize = PageSize.minimum
            while pageSize <= PageSize.maximum {
                let pages = size / UInt64(pageSize)
                var verified = 0
                var page: UInt64 = 1
                while page < min(pages, 9) {
                    let bytes = try file.read(at: page * UInt64(pageSize), count: pageSize)
                    if (try? PageHeader.verify(bytes, page: PageID(page), pageSize: pageSize)) != nil { verified += 1 }
                    page += 1
                }
                if verified > 0 {
                    // The file grows in chunks: trailing pages never written are all zeros, not damage.
                    var count = pages
                    while count > 1, try file.read(at: (count - 1) * UInt64(pageSize), count: pageSize).allSatisfy({ $0 == 0 }) {
                        count -= 1
                    }
                    return RawPageReader(file: file, pageSize: pageSize, pageCount: count)
                }
                pageSize *= 2
            }
            throw SombraError.notADatabase(reason: "no page of \(path) verifies at any page size")
        } catch {
            file.close()
            throw error
        }
    }

    func page(_ id: PageID) throws(SombraError) -> [UInt8] {
        guard id.rawValue > 0, id.rawValue < pageCount else {
            throw .corruptPage(page: id.rawValue, reason: "page number is past the end of the file (\(pageCount) pages)")
        }
        let bytes = try file.read(at: id.rawValue * UInt64(pageSize), count: pageSize)
        _ = try PageHeader.verify(bytes, page: id, pageSize: pageSize)
        return bytes
    }

    func close() { file.close() }
}
