// PagerOpen: creating a database file, opening an existing one, and log recovery at open.
//
// Order at open (Docs/DESIGN.md, "Open and recovery"):
//  1. open the file and take the lock (exclusive to write, shared to read) before reading anything;
//  2. validate the header (either copy) without writing;
//  3. scan the log read-only (WALFile.recover) and adopt its committed prefix in memory;
//  4. only a read-write open then writes: it replaces a missing, damaged or foreign log with a fresh one.
// Nothing in the database file is modified by opening, so a crash during recovery loses nothing; a read-write
// open cuts the log's invalid tail (past its last whole commit) once the scan has validated it.
import SombraFormat
import SombraIO

extension Pager {
    /// Opens (or, with `options.create`, creates) the database at `path`.
    public static func open(path: String, options: PagerOptions = PagerOptions(),
                            fileSystem: any FileSystem = POSIXFileSystem()) throws(SombraError) -> Pager {
        if fileSystem.isDirectory(path) { throw .notADatabase(reason: "\(path) is a directory") }
        if !fileSystem.exists(path) {
            guard options.create, !options.readOnly else { throw .fileNotFound(path: path) }
            try create(path: path, options: options, fileSystem: fileSystem)
        }
        let db = try fileSystem.open(path, mode: options.readOnly ? .readOnly : .readWrite)
        do throws(SombraError) {
            try db.lock(options.readOnly ? .shared : .exclusive)
            let header = try readHeader(db)
            let pageSize = Int(header.pageSize)
            let walPath = path + "-wal"
            var recovery = WALRecovery()
            var walFile: WALFile? = nil
            // A log found at open may not have a durable directory entry either (an open that failed after
            // creating it, or a process that crashed before its first log sync): a read-write handle always
            // syncs the directory at its first log sync (Pager.syncLog), once.
            let logEntryDurable = options.readOnly
            if fileSystem.exists(walPath) {
                let f = try fileSystem.open(walPath, mode: options.readOnly ? .readOnly : .readWrite)
                let (r, walHeader) = try WALFile.recover(file: f, databaseID: header.databaseID, pageSize: pageSize)
                if r.headerValid, let walHeader {
                    recovery = r
                    walFile = WALFile(file: f, pageSize: pageSize, header: walHeader)
                } else if options.readOnly {
                    f.close()
                } else {
                    // A missing, damaged or foreign log holds nothing of ours: start a fresh one.
                    walFile = try freshLog(f, header: header, generation: (walHeader?.generation ?? 0) &+ 1)
                }
            } else if !options.readOnly {
                // Opening syncs nothing: the new log's header and its directory entry are made durable by the
                // first log sync, before any commit that needs them is acknowledged (Pager.syncLog).
                let f = try fileSystem.open(walPath, mode: .create)
                walFile = try freshLog(f, header: header, generation: 1)
            }
            if let committed = recovery.header, committed.lastTxID < header.lastTxID {
                throw SombraError.corruptWAL(reason: "log commits (tx \(committed.lastTxID.rawValue)) are older than the database file (tx \(header.lastTxID.rawValue))")
            }
            // Cut off an invalid tail (frames of transactions lost in a crash): a later transaction that writes
            // the same bytes at the same place (a retry) would chain into it and revive a lost commit.
            if recovery.headerValid, let walFile, !options.readOnly {
                let validEnd = recovery.logEnd
                if recovery.logBytes > validEnd {
                    try walFile.file.truncate(to: validEnd)
                    if options.syncMode != .off { try walFile.file.sync() }
                }
            }
            let pager = Pager(fileSystem: fileSystem, path: path, options: options, db: db, wal: walFile,
                              header: header, recovery: recovery)
            pager.state.withLock { $0.logEntryDurable = logEntryDurable }
            return pager
        } catch {
            db.close()
            throw error
        }
    }

    /// Reads and validates page 0 of an open file.
    static func readHeader(_ db: any StorageFile) throws(SombraError) -> FileHeader {
        let size = try db.size()
        if size == 0 { throw .notADatabase(reason: "file is empty") }
        guard size >= UInt64(FileHeader.copySize) else {
            throw .notADatabase(reason: "file is too short (\(size) bytes) to be a database")
        }
        let head = try db.read(at: 0, count: Int(min(size, UInt64(PageSize.maximum))))
        let header = try FileHeader.decodePage(head)
        guard size >= UInt64(header.pageSize) else {
            throw .notADatabase(reason: "file is shorter (\(size) bytes) than one page")
        }
        return header
    }

    static func freshLog(_ f: any StorageFile, header: FileHeader, generation: UInt32) throws(SombraError) -> WALFile {
        let h = WALHeader(pageSize: header.pageSize, generation: generation, databaseID: header.databaseID,
                          salt: randomSalt())
        try f.truncate(to: 0)
        try f.write(h.encode(), at: 0)
        return WALFile(file: f, pageSize: Int(header.pageSize), header: h)
    }

    static func randomSalt() -> UInt64 {
        var g = SystemRandomNumberGenerator()
        return g.next() | 1
    }

    /// Writes a new, empty database: page 0 holding both header copies, then syncs file and directory.
    static func create(path: String, options: PagerOptions, fileSystem: any FileSystem) throws(SombraError) {
        try PageSize.validate(options.pageSize)
        var g = SystemRandomNumberGenerator()
        var id: [UInt8] = []
        id.appendLE(g.next())
        id.appendLE(g.next())
        let header = FileHeader(pageSize: UInt32(options.pageSize), databaseID: id)
        // Atomic creation: the header is written and synced under a temporary name, then renamed into
        // place. A crash leaves either no database or a complete one, never an empty or short file; a
        // leftover temporary file is removed by the next creation.
        let temporary = path + "-creating"
        try? fileSystem.remove(temporary)
        let f = try fileSystem.open(temporary, mode: .create)
        do throws(SombraError) {
            try f.lock(.exclusive)
            try f.write(header.encodePage(), at: 0)
            if options.syncMode != .off { try f.sync() }
            f.close()
            try fileSystem.rename(temporary, to: path)
            if options.syncMode != .off { try fileSystem.syncDirectory(containing: path) }
        } catch {
            f.close()
            try? fileSystem.remove(temporary)
            throw error
        }
    }
}
