// LogCheck: examines the write-ahead log beside the database the way recovery does, and says what
// recovery left out: a torn or uncommitted tail (a warning: discarding it is the design), or commit frames
// beyond a damaged frame (an error: those commits were acknowledged and are not applied).
// Layer: graph facade (Sombra), over the pager's read-only log scan.
//
// Invariants:
//  1. Only reads: the log is opened read-only through the pager's file system and scanned with the same
//     function recovery uses (WALFile.recover), so the verdict matches what an open would adopt.
//  2. The scan past the valid prefix reads frame headers only, following their length words, at most
//     `framesScannedMax` of them; it stops at a header whose length word is out of range or whose frame
//     runs past the end of the file (the rest is reported as bytes that are not a whole frame).
//  3. A restarted log keeps its length: frames of an earlier salt right after the valid prefix are reused
//     space, not a finding.
import SombraFormat
import SombraIO
import SombraStorage

struct LogCheck {
    static let framesScannedMax = 1 << 20
    let pager: Pager

    func run(into report: inout VerifyReport) {
        let fs = pager.fileSystem
        let path = pager.walPath
        guard fs.exists(path) else { return }
        let file: any StorageFile
        do throws(SombraError) { file = try fs.open(path, mode: .readOnly) } catch {
            return report.add(.log, page: nil, "the log \(path) cannot be opened: \(error)", severity: .warning)
        }
        defer { file.close() }
        do throws(SombraError) { try check(file, &report) } catch {
            report.add(.log, page: nil, "the log cannot be read: \(error)", severity: .warning)
        }
    }

    func check(_ file: any StorageFile, _ report: inout VerifyReport) throws(SombraError) {
        let size = try file.size()
        guard size > 0 else { return }
        let pageSize = pager.pageSize
        let (r, header) = try WALFile.recover(file: file, databaseID: pager.databaseID, pageSize: pageSize)
        guard r.headerValid, let header else {
            return report.add(.log, page: nil, "the log's \(size) bytes are ignored: \(r.stopReason)", severity: .warning)
        }
        let validEnd = r.logEnd
        guard size > validEnd else { return }
        let lastTx = r.header?.lastTxID ?? TxID(0)
        // Walk the frames after the last commit by their length words (no checksums: recovery already
        // said why it stopped), counting commit frames of this generation that recovery did not reach.
        var framesAfter: UInt64 = 0
        var partialBytes: UInt64 = 0
        var laterCommits = 0
        var newestLostTx = lastTx
        var offset = validEnd
        while framesAfter < UInt64(LogCheck.framesScannedMax), offset < size {
            let bytes = try file.read(at: offset, count: WALFrameHeader.size)
            guard bytes.count == WALFrameHeader.size, let h = try? WALFrameHeader.decode(bytes),
                  let payload = h.payloadBytes(pageSize: pageSize),
                  size - offset >= UInt64(WALFrameHeader.size + payload) else {
                partialBytes = size - offset
                break
            }
            // A first frame of another salt: the log was restarted and kept its length, so what follows is
            // an earlier generation's frames in space the next commits will overwrite, not a lost tail.
            if framesAfter == 0, h.salt != header.salt { return }
            // Past the first frame, another salt ends this generation's frames the same way.
            if h.salt != header.salt { break }
            framesAfter += 1
            if h.isCommit, h.txID > lastTx {
                laterCommits += 1
                newestLostTx = max(newestLostTx, h.txID)
            }
            offset += UInt64(WALFrameHeader.size + payload)
        }
        let firstBad = r.lastCommitFrame + 1
        if laterCommits > 0 {
            report.add(.log, page: nil, "recovery stops at frame \(firstBad) (\(r.stopReason)); \(laterCommits) later commit frame(s) of this log, up to transaction \(newestLostTx.rawValue), are not applied")
            return
        }
        var what: [String] = []
        if framesAfter > 0 { what.append("\(framesAfter) frame(s) of no committed transaction") }
        if partialBytes > 0 { what.append("a partial frame of \(partialBytes) bytes") }
        report.add(.log, page: nil, "after its last commit (frame \(r.lastCommitFrame)) the log holds \(what.joined(separator: " and ")), ignored by recovery (\(r.stopReason))", severity: .warning)
    }
}
