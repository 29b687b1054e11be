// Holds Docs/FORMAT.md and the code to each other: the field tables in the document are parsed and every
// offset and size is compared with the constants and encoders the engine uses.
import Testing
import SombraFormat
import Foundation

/// Rows of the table that follows `<!-- table: name -->` in Docs/FORMAT.md, as (offset, size, field).
func formatTable(_ name: String) throws -> [(offset: Int, size: String, field: String)] {
    let docPath = String(#filePath).components(separatedBy: "/Tests/")[0] + "/Docs/FORMAT.md"
    guard let text = try? String(contentsOfFile: docPath, encoding: .utf8) else {
        Issue.record("cannot read \(docPath)")
        return []
    }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(of: "<!-- table: \(name) -->") else {
        Issue.record("Docs/FORMAT.md has no table \(name)")
        return []
    }
    var rows: [(Int, String, String)] = []
    for line in lines[(start + 3)...] {
        guard line.hasPrefix("|") else { break }
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count >= 3, let offset = Int(cells[0]) else { continue }
        rows.append((offset, cells[1], cells[2]))
    }
    return rows
}



@Suite("FORMAT.md agrees with the code")
struct FormatSpecTests {
    @Test("the file header table matches FileHeader's offsets and encoder")
    func fileHeader() throws {
        let rows = try formatTable("file-header")
        let code: [String: Int] = [
            "magic": FileHeader.Offset.magic, "version": FileHeader.Offset.version,
            "pageSize": FileHeader.Offset.pageSize, "databaseID": FileHeader.Offset.databaseID,
            "pageCount": FileHeader.Offset.pageCount, "freeListHead": FileHeader.Offset.freeListHead,
            "freePageCount": FileHeader.Offset.freePageCount, "lastTxID": FileHeader.Offset.lastTxID,
            "rootSlotCount": FileHeader.Offset.rootSlotCount, "flags": FileHeader.Offset.flags,
            "roots": FileHeader.Offset.roots, "reserved": FileHeader.Offset.reserved,
            "checksum": FileHeader.checksumOffset,
        ]
        #expect(rows.count == code.count)
        for r in rows { #expect(code[r.field] == r.offset, "field \(r.field)") }
        // Sizes tile the copy exactly.
        var next = 0
        for r in rows { #expect(r.offset == next, "gap before \(r.field)"); next = r.offset + (Int(r.size) ?? 0) }
        #expect(next == FileHeader.copySize)
        // The encoder puts the fields where the table says.
        var h = FileHeader(pageSize: 8192, databaseID: Array(1...16))
        h.pageCount = 0x0102
        h.lastTxID = TxID(0x0A0B)
        let b = h.encodeCopy()
        #expect(Array(b[0..<8]) == Array("SombraDB".utf8))
        #expect(b.loadLE(UInt32.self, at: code["pageSize"]!) == 8192)
        #expect(b.loadLE(UInt64.self, at: code["pageCount"]!) == 0x0102)
        #expect(b.loadLE(UInt64.self, at: code["lastTxID"]!) == 0x0A0B)
        #expect(b[code["databaseID"]!] == 1)
        #expect(b.loadLE(UInt32.self, at: code["checksum"]!) == Checksum.crc32(b, range: 0..<252))
    }

    @Test("the page header table matches PageHeader")
    func pageHeader() throws {
        let rows = try formatTable("page-header")
        let code = ["checksum": PageHeader.checksumOffset, "kind": PageHeader.kindOffset,
                    "flags": PageHeader.flagsOffset, "reserved": PageHeader.reservedOffset,
                    "txID": PageHeader.txIDOffset]
        #expect(rows.count == code.count)
        for r in rows { #expect(code[r.field] == r.offset, "field \(r.field)") }
        #expect(rows.last.map { $0.offset + (Int($0.size) ?? 0) } == PageHeader.size)
    }

    @Test("the page kinds table matches PageKind")
    func pageKinds() throws {
        let rows = try formatTable("page-kinds")
        #expect(rows.count == PageKind.allCases.count)
        for r in rows {
            let kind = PageKind(rawValue: UInt8(r.offset))
            #expect(kind?.description == r.size, "kind \(r.offset)")
        }
    }

    @Test("the log header and frame tables match the WAL codec")
    func wal() throws {
        let header = try formatTable("wal-header")
        #expect(header.last.map { $0.offset + (Int($0.size) ?? 0) } == WALHeader.size)
        let h = WALHeader(pageSize: 4096, generation: 7, databaseID: Array(1...16), salt: 0xAABB)
        let b = h.encode()
        let at = Dictionary(uniqueKeysWithValues: header.map { ($0.field, $0.offset) })
        #expect(b.loadBE(UInt32.self, at: at["magic"]!) == WALHeader.magic)
        #expect(b.loadLE(UInt32.self, at: at["pageSize"]!) == 4096)
        #expect(b.loadLE(UInt32.self, at: at["generation"]!) == 7)
        #expect(b.loadLE(UInt64.self, at: at["salt"]!) == 0xAABB)
        #expect(b.loadLE(UInt32.self, at: at["checksum"]!) == Checksum.crc32(b, range: 0..<44))

        let frame = try formatTable("wal-frame")
        let f = Dictionary(uniqueKeysWithValues: frame.map { ($0.field, $0.offset) })
        #expect(f["payload"] == WALFrameHeader.size)
        #expect(b.loadLE(UInt32.self, at: at["version"]!) == WALHeader.version)
        var out: [UInt8] = []
        let page = [UInt8](repeating: 9, count: 4096)
        let sum = WALFrameHeader(page: PageID(5), txID: TxID(6), commitPageCount: 7, salt: 8).append(pageBytes: page, previous: 0, to: &out)
        #expect(out.loadLE(UInt64.self, at: f["page"]!) == 5)
        #expect(out.loadLE(UInt64.self, at: f["txID"]!) == 6)
        #expect(out.loadLE(UInt64.self, at: f["commitPageCount"]!) == 7)
        #expect(out.loadLE(UInt64.self, at: f["salt"]!) == 8)
        #expect(out.loadLE(UInt32.self, at: f["checksum"]!) == sum)
        #expect(out.count == WALFrameHeader.size + 4096)
        #expect(out.loadLE(UInt32.self, at: f["deltaLength"]!) == 0)

        // A delta frame: its length word, its payload after the header, and the runs' layout.
        var changed = page
        changed[100] = 1
        changed[101] = 2
        changed[3000] = 3
        let payload = try #require(WALDelta.encode(from: page, to: changed, limit: 4096))
        var deltaFrame: [UInt8] = []
        let deltaSum = WALFrameHeader(page: PageID(5), txID: TxID(6), commitPageCount: 0, salt: 8)
            .appendDelta(payload: payload, previous: sum, to: &deltaFrame)
        #expect(deltaFrame.loadLE(UInt32.self, at: f["deltaLength"]!) == UInt32(payload.count))
        #expect(Array(deltaFrame[f["payload"]!...]) == payload)
        #expect(deltaSum == WALFrameHeader.expectedChecksum(deltaFrame, at: 0, payloadBytes: payload.count, previous: sum))
        let run = try formatTable("wal-delta-run")
        let r = Dictionary(uniqueKeysWithValues: run.map { ($0.field, $0.offset) })
        #expect(payload.loadLE(UInt16.self, at: r["offset"]!) == 100)
        #expect(payload.loadLE(UInt16.self, at: r["length"]!) == 2)
        #expect(Array(payload[r["bytes"]!..<(r["bytes"]! + 2)]) == [1, 2])
        let second = r["bytes"]! + 2
        #expect(payload.loadLE(UInt16.self, at: second + r["offset"]!) == 3000)
        #expect(payload.count == 2 * WALDelta.runHeaderSize + 3)
    }
}
