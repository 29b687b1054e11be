// ImageSealing: recomputes the checksums of a database image and of a log after the fuzzer changed their
// bytes, so that damage reaches the structure decoders (B+tree pages, records, free list, recovery) instead
// of stopping at the first checksum. Layer: SombraFuzzHarness.
//
// Invariants:
//  1. Sealing never traps and never grows an image: offsets are checked against the image's length, and a
//     page size read from the image is used only when it is legal (else 4096).
//  2. `sealDatabase` recomputes both header copies' checksums (FORMAT.md, "File header") and every whole
//     page's checksum, seeded with its page number (FORMAT.md, "Page header"); bytes it does not own
//     (everything but the checksum fields) are left as they are.
//  3. `sealLog` recomputes the log header's checksum, stamps the header's salt into every frame its length
//     words lead to (WALFrameHeader.layout), optionally seals each frame's page as page `frame.page` would
//     be sealed (a delta frame: the page it makes from the page's previous frame, the sealed bytes copied
//     into its runs), and recomputes the checksum chain (FORMAT.md, "Write-ahead log"), so every frame is
//     valid to the log scanner's checksum check.
import SombraFormat

enum ImageSealing {
    /// The page size the image's first header copy claims, or 4096 when it claims no legal size.
    static func pageSize(of image: [UInt8]) -> Int {
        guard image.count >= FileHeader.Offset.pageSize + 4 else { return PageSize.minimum }
        let claimed = Int(image.loadLE(UInt32.self, at: FileHeader.Offset.pageSize))
        return PageSize.isValid(claimed) ? claimed : PageSize.minimum
    }

    /// Recomputes the checksum of the header copy at `offset` (if the image holds all of it).
    static func sealHeaderCopy(_ image: inout [UInt8], at offset: Int) {
        guard offset >= 0, image.count - offset >= FileHeader.copySize else { return }
        let sum = Checksum.crc32(image, range: offset..<offset + FileHeader.checksumOffset)
        image.storeLE(sum, at: offset + FileHeader.checksumOffset)
    }

    /// Seals page 0's two header copies as they sit in `image` starting at `base` (a page image).
    static func sealHeaderPage(_ image: inout [UInt8], base: Int, pageSize: Int) {
        for offset in FileHeader.copyOffsets(pageSize: pageSize) { sealHeaderCopy(&image, at: base + offset) }
    }

    /// Seals the page image of `page` that starts at `base` in `image` (invariant 2).
    static func sealPage(_ image: inout [UInt8], base: Int, page: UInt64, pageSize: Int) {
        guard base >= 0, image.count - base >= pageSize else { return }
        if page == 0 {
            sealHeaderPage(&image, base: base, pageSize: pageSize)
            return
        }
        let sum = Checksum.crc32(image, range: base + 4..<base + pageSize, seed: Checksum.pageSeed(PageID(page)))
        image.storeLE(sum, at: base + PageHeader.checksumOffset)
    }

    /// Invariant 2 for a whole database image.
    static func sealDatabase(_ image: inout [UInt8]) {
        let size = pageSize(of: image)
        let pages = image.count / size
        for p in 0..<pages { sealPage(&image, base: p * size, page: UInt64(p), pageSize: size) }
    }

    /// Invariant 3. `databaseID` (16 bytes), when given, replaces the header's, so a mutated log is not
    /// simply foreign; `salt`, when given, replaces the header's salt first.
    static func sealLog(_ log: inout [UInt8], pageSize: Int, databaseID: [UInt8]?, salt: UInt64? = nil,
                        sealPages: Bool) {
        guard log.count >= WALHeader.size else { return }
        if let databaseID, databaseID.count == 16 {
            for i in 0..<16 { log[16 + i] = databaseID[i] }
        }
        if let salt { log.storeLE(salt, at: 32) }
        log.storeLE(Checksum.crc32(log, range: 0..<44), at: 44)
        let headerSalt = log.loadLE(UInt64.self, at: 32)
        var previous = Checksum.crc32(log, range: 0..<44)  // the chain seed: the header's checksum
        // Each page's image as of its newest frame so far, to rebuild (and seal) the page a delta makes.
        var images: [UInt64: [UInt8]] = [:]
        for (offset, payloadBytes) in WALFrameHeader.layout(of: log, pageSize: pageSize) {
            log.storeLE(headerSalt, at: offset + 24)
            let page = log.loadLE(UInt64.self, at: offset)
            let base = offset + WALFrameHeader.size
            let payload = base..<(base + payloadBytes)
            if payloadBytes == pageSize {
                if sealPages { sealPage(&log, base: base, page: page, pageSize: pageSize) }
                images[page] = Array(log[payload])
            } else if let before = images[page] {
                var image = before
                let applied = WALDelta.apply(log, payload: payload, to: &image)
                if applied, sealPages {
                    // Seal the page the delta makes, copy the sealed bytes back into the delta's runs, and
                    // rebuild the page from them (a checksum field the runs do not cover keeps the base's value).
                    sealPage(&image, base: 0, page: page, pageSize: pageSize)
                    WALDelta.forEachRun(log, payload: payload, pageSize: pageSize) { source, target in
                        for (s, t) in zip(source, target) { log[s] = image[t] }
                    }
                    image = before
                    _ = WALDelta.apply(log, payload: payload, to: &image)
                }
                images[page] = applied ? image : nil
            } else {
                images[page] = nil
            }
            previous = WALFrameHeader.expectedChecksum(log, at: offset, payloadBytes: payloadBytes, previous: previous)
            log.storeLE(previous, at: offset + 32)
        }
    }

    /// The 16-byte database id of the first header copy (zeros when the image is too short).
    static func databaseID(of image: [UInt8]) -> [UInt8] {
        let start = FileHeader.Offset.databaseID
        guard image.count >= start + 16 else { return [UInt8](repeating: 0, count: 16) }
        return Array(image[start..<start + 16])
    }
}
