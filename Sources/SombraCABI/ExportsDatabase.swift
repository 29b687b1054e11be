// ExportsDatabase: version, error messages, string freeing, open/close, checkpoint and statistics.
// Layer: SombraCABI. See sombra.h for the contract of each function.
//
// Invariants:
//  1. `sombra_options` is read as six little-endian-native UInt64 fields at offsets 0, 8, ..., 40, and
//     only when its `struct_size` is exactly 48, so a caller compiled against another layout is refused.
//  2. sombra_close marks the database closing, ends its transactions, then closes the engine, and
//     releases the handle whatever the outcome (see Boxes, invariant 2).
import Sombra
import SombraFormat
import SombraStorage

enum Version {
    static let library = "0.1.0"
    static let abi = 1
    /// The version text, made once and kept for the life of the process (sombra_version lends it).
    static let text: CBuffer? = try? CBuffer(Array("\(library) (abi \(abi), format \(FileHeader.formatVersion))".utf8))
}

@c public func sombra_version(_ outText: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                              _ outLen: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let o = try unsafe out(outText, "out_text")
        guard let t = Version.text else { throw CABIError.nomem("version text") }
        unsafe o.pointee = UnsafePointer(bitPattern: t.address)
        unsafe store(outLen, UInt(t.count))
    }
}

@c public func sombra_errmsg(_ outMsg: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                             _ outLen: UnsafeMutablePointer<UInt>?) -> Int32 {
    guard let o = unsafe outMsg else { return Status.misuse }
    if let (p, n) = unsafe ErrorMessage.current() {
        unsafe o.pointee = p
        unsafe store(outLen, UInt(n))
    } else {
        let empty: StaticString = ""
        unsafe o.pointee = unsafe UnsafeRawPointer(empty.utf8Start).assumingMemoryBound(to: CChar.self)
        unsafe store(outLen, 0)
    }
    return Status.ok
}

@c public func sombra_status_name(_ status: Int32, _ outName: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    run {
        let o = try unsafe out(outName, "out_name")
        let name = StatusNames.name(status)
        unsafe o.pointee = unsafe UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
    }
}

@c public func sombra_free_string(_ s: UnsafeMutablePointer<CChar>?) -> Int32 {
    run {
        guard let s = unsafe s else { return }
        guard unsafe releaseString(s) else {
            throw CABIError.misuse("pointer was not returned by libsombra or was already freed")
        }
    }
}

// MARK: Options and open

enum OpenFlags {
    static let readOnly: UInt64 = 1
    static let noCreate: UInt64 = 2
    static let all: UInt64 = 3
}

enum OptionsLayout {
    static let size: UInt64 = 48
}

@c public func sombra_options_init(_ options: UnsafeMutableRawPointer?) -> Int32 {
    run {
        guard let o = unsafe options else { throw CABIError.misuse("options is NULL") }
        let d = GraphOptions()
        let fields: [UInt64] = [OptionsLayout.size, UInt64(d.pageSize), UInt64(d.cacheBytes),
                                UInt64(d.checkpointThresholdBytes), 0, 0]
        for (i, f) in fields.enumerated() { unsafe o.storeBytes(of: f, toByteOffset: i * 8, as: UInt64.self) }
    }
}

/// Reads a `sombra_options` (invariant 1).
func readOptions(_ p: UnsafeRawPointer?) throws -> GraphOptions {
    var o = GraphOptions()
    guard let p = unsafe p else { return o }
    let f = (0..<6).map { unsafe p.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) }
    guard f[0] == OptionsLayout.size else {
        throw CABIError.misuse("options.struct_size is \(f[0]); call sombra_options_init (expected \(OptionsLayout.size))")
    }
    guard let pageSize = Int(exactly: f[1]), let cache = Int(exactly: f[2]), let threshold = Int(exactly: f[3]) else {
        throw SombraError.invalidArgument("page_size, cache_bytes and checkpoint_threshold_bytes must be below 2^63")
    }
    let modes: [SyncMode] = [.full, .normal, .groupCommit, .off]
    guard f[4] < UInt64(modes.count) else { throw SombraError.invalidArgument("sync_mode \(f[4]) is not a SOMBRA_SYNC_* value") }
    guard f[5] & ~OpenFlags.all == 0 else { throw SombraError.invalidArgument("flags \(f[5]) has unknown bits") }
    o.pageSize = pageSize
    o.cacheBytes = cache
    o.checkpointThresholdBytes = threshold
    o.syncMode = modes[Int(f[4])]
    o.readOnly = f[5] & OpenFlags.readOnly != 0
    o.create = f[5] & OpenFlags.noCreate == 0
    return o
}

@c public func sombra_open(_ path: UnsafePointer<CChar>?, _ pathLen: UInt, _ options: UnsafeRawPointer?,
                           _ outDB: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outDB, "out_db")
        let p = try unsafe inputString(path, pathLen, max: Limits.pathBytes, what: "path") { .keyTooLarge(size: $0, max: $1) }
        guard !p.isEmpty, !p.utf8.contains(0) else { throw SombraError.invalidArgument("path is empty or contains NUL") }
        let opts = try unsafe readOptions(options)
        let db = try GraphDB.open(p, options: opts)
        do {
            unsafe o.pointee = try databases.insert(DBBox(db))
        } catch {
            try? db.close()
            throw error
        }
    }
}

@c public func sombra_close(_ db: UInt64) -> Int32 {
    run {
        let box = try databases.get(db)
        let open: Set<UInt64> = try box.state.withLock { s in
            guard !s.closing else { throw CABIError.misuse("database \(hex(db)) is already being closed") }
            s.closing = true
            return s.transactions
        }
        defer { _ = try? databases.remove(db) }
        for t in open { _ = try? endTransaction(t, commit: false) }
        try box.db.close()
    }
}

@c public func sombra_checkpoint(_ db: UInt64, _ outFrames: UnsafeMutablePointer<UInt64>?,
                                 _ outPages: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let box = try databases.get(db)
        let r = try box.db.checkpoint()
        unsafe store(outFrames, UInt64(clamping: r.framesBackfilled))
        unsafe store(outPages, UInt64(clamping: r.pagesWritten))
    }
}

@c public func sombra_stats(_ db: UInt64, _ outMap: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outMap, "out_map")
        let box = try databases.get(db)
        let s = box.db.storageStats
        func i<T: BinaryInteger>(_ v: T) -> Value { .int(Int64(clamping: v)) }
        let m: [String: Value] = [
            "page_size": i(s.pageSize), "page_count": i(s.pageCount), "free_page_count": i(s.freePageCount),
            "wal_frames": i(s.walFrames), "wal_backfilled_frames": i(s.walBackfilledFrames),
            "wal_generation": i(s.walGeneration), "active_readers": i(s.activeReaders),
            "checkpoints": i(s.checkpoints), "wal_restarts": i(s.walRestarts), "last_tx_id": i(s.lastTxID),
            "cache_hits": i(s.cache.hits), "cache_misses": i(s.cache.misses),
            "cache_evictions": i(s.cache.evictions), "cache_pages": i(s.cache.pages),
            "cache_bytes": i(s.cache.bytes), "cache_bytes_max": i(s.cache.bytesMax),
            "read_only": .bool(box.db.isReadOnly), "poisoned": s.poisoned.map { .string($0) } ?? .null,
        ]
        unsafe o.pointee = try newValue(.map(m))
    }
}

/// Names for status codes (static text for sombra_status_name).
enum StatusNames {
    static func name(_ status: Int32) -> StaticString {
        switch status {
        case 0: return "SOMBRA_OK"
        case 1: return "SOMBRA_MISUSE"
        case 2: return "SOMBRA_NOMEM"
        case 3: return "SOMBRA_DONE"
        case 4: return "SOMBRA_INVALID_UTF8"
        case 5: return "SOMBRA_WRONG_KIND"
        case 6: return "SOMBRA_RANGE"
        case 7: return "SOMBRA_JSON"
        case 8: return "SOMBRA_LIMIT"
        case 9: return "SOMBRA_INTERNAL"
        case 10: return "SOMBRA_NOT_A_DATABASE"
        case 11: return "SOMBRA_UNSUPPORTED_VERSION"
        case 12: return "SOMBRA_INVALID_PAGE_SIZE"
        case 13: return "SOMBRA_CORRUPT_HEADER"
        case 14: return "SOMBRA_CORRUPT_PAGE"
        case 15: return "SOMBRA_CORRUPT_WAL"
        case 20: return "SOMBRA_IO"
        case 21: return "SOMBRA_DISK_FULL"
        case 22: return "SOMBRA_LOCKED"
        case 23: return "SOMBRA_FILE_NOT_FOUND"
        case 30: return "SOMBRA_POISONED"
        case 31: return "SOMBRA_READ_ONLY"
        case 32: return "SOMBRA_CLOSED"
        case 33: return "SOMBRA_TRANSACTION_ENDED"
        case 34: return "SOMBRA_WRITE_IN_READ_TXN"
        case 35: return "SOMBRA_CACHE_EXHAUSTED"
        case 36: return "SOMBRA_BUSY"
        case 40: return "SOMBRA_KEY_TOO_LARGE"
        case 41: return "SOMBRA_VALUE_TOO_LARGE"
        case 42: return "SOMBRA_INVALID_ARGUMENT"
        case 43: return "SOMBRA_NODE_NOT_FOUND"
        case 44: return "SOMBRA_EDGE_NOT_FOUND"
        case 45: return "SOMBRA_INDEX_EXISTS"
        case 46: return "SOMBRA_INDEX_NOT_FOUND"
        default: return "SOMBRA_UNKNOWN"
        }
    }
}
