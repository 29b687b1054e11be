// ImagePatches: the compact way a fuzz input damages a base database and its log: a list of small writes
// and cuts at page-relative (or frame-relative) offsets, so a few input bytes reach any structure of a
// valid file. Layer: SombraFuzzHarness.
//
// Patch record (repeated to the end of the input):
//   [target u8] [offset u16 LE] [count u8] [data: (count & 0x0F) + 1 bytes, absent for a cut]
//   target bit 7 clear: database page (target % pages); offset % pageSize.
//   target bit 7 set:   log; (target & 0x7F) == 0 is the log header (offset % 48), otherwise frame
//                       ((target & 0x7F) - 1) % frames, offset % frame size (40-byte header, then the page).
//   count bit 7 set:    cut the file at that position instead of writing.
//
// Invariants:
//  1. Patches never grow a file: a write is clipped at the end of the file, so input size bounds image size.
//  2. A patch aimed at a file that is empty, or a log without frames, is skipped.
import SombraFormat

enum ImagePatches {
    /// Applies the patch records that remain in `input` to `database` and `log` (pages of `pageSize`).
    static func apply(_ input: inout FuzzBytes, database: inout [UInt8], log: inout [UInt8], pageSize: Int) {
        var records = 0
        while !input.isAtEnd, records < 4096 {
            records += 1
            let target = input.u8()
            let offset = Int(input.u16())
            let count = input.u8()
            let data = count & 0x80 != 0 ? [] : input.take(Int(count & 0x0F) + 1)
            let position: Int?
            if target & 0x80 == 0 {
                position = databasePosition(page: Int(target), offset: offset, size: database.count, pageSize: pageSize)
            } else {
                position = logPosition(target: Int(target & 0x7F), offset: offset, log: log, pageSize: pageSize)
            }
            guard let position else { continue }
            if target & 0x80 == 0 {
                edit(&database, at: position, data: data, cut: count & 0x80 != 0)
            } else {
                edit(&log, at: position, data: data, cut: count & 0x80 != 0)
            }
        }
    }

    static func databasePosition(page: Int, offset: Int, size: Int, pageSize: Int) -> Int? {
        guard size > 0 else { return nil }
        let pages = max(1, (size + pageSize - 1) / pageSize)
        let p = (page % pages) * pageSize + offset % pageSize
        return p < size ? p : size - 1
    }

    /// A byte of frame `target` (1-based, wrapping over the frames the log's length words lead to), or of
    /// the log header for target 0.
    static func logPosition(target: Int, offset: Int, log: [UInt8], pageSize: Int) -> Int? {
        let size = log.count
        guard size > 0 else { return nil }
        if target == 0 { return min(offset % WALHeader.size, size - 1) }
        let frames = WALFrameHeader.layout(of: log, pageSize: pageSize)
        guard !frames.isEmpty else { return nil }
        let frame = frames[(target - 1) % frames.count]
        return frame.offset + offset % (WALFrameHeader.size + frame.payloadBytes)
    }

    /// Invariant 1.
    static func edit(_ bytes: inout [UInt8], at position: Int, data: [UInt8], cut: Bool) {
        guard position >= 0, position < bytes.count else { return }
        if cut {
            bytes.removeSubrange(position...)
            return
        }
        for (i, b) in data.enumerated() where position + i < bytes.count { bytes[position + i] = b }
    }
}
