// PagerOptions: how a database file is opened, and the durability guarantee of each sync mode.
// The guarantees are stated in Docs/DESIGN.md, "Sync modes"; each case's comment repeats it.

public enum SyncMode: String, Sendable, CaseIterable {
    /// The log is synced before commit returns: a returned commit survives a crash or power loss.
    case full
    /// Always consistent; a commit survives a process crash, but the newest commits may be lost on power
    /// loss (the log is synced only at checkpoint, before the database file is written).
    case normal
    /// Like `full`, but commits from several threads share one sync: the committing thread appends under
    /// the writer lock, releases it, and waits until a sync covers its frames.
    case groupCommit
    /// No syncs at all; for bulk loads and tests. A crash can lose any commit since the last clean close,
    /// and power loss can corrupt the file.
    case off
}

public struct PagerOptions: Sendable {
    /// Page size for a new database (power of two, 4 KiB to 64 KiB). An existing file keeps its own.
    public var pageSize: Int = 8192
    /// Upper bound on the bytes of clean pages held by the page cache.
    public var cacheBytesMax: Int = 64 << 20
    /// A write transaction spills its dirty pages to the log (uncommitted) past this many bytes.
    public var dirtyBytesMax: Int = 16 << 20
    public var syncMode: SyncMode = .full
    /// A commit that leaves more than this many bytes of log not yet copied into the file runs a checkpoint.
    public var checkpointThresholdBytes: Int = 16 << 20
    public var readOnly: Bool = false
    /// Create the file if it does not exist.
    public var create: Bool = true
    /// Pages by which the database file grows at a time.
    public var growthChunkPages: Int = 64
    /// A log restart keeps the log file's length (the next generation overwrites it in place, so commits
    /// do not change the file's size) up to this many bytes, or twice `checkpointThresholdBytes` if that
    /// is more; a longer log (after a large transaction) is cut back to it.
    public var logBytesKeptMax: Int = 32 << 20
    /// A transaction that grows the database by at least this many pages (pages numbered at or past the
    /// committed page count, which no reader or committed state can see) writes them straight into the
    /// database file and syncs it before its commit frame, instead of through the log; the checkpoint then
    /// has nothing to copy for them. Smaller transactions keep to the log (one sync per commit).
    public var directWritePagesMin: Int = 256
    /// Log a changed page as the bytes that differ from its previous frame in the log (a delta frame)
    /// when it can (FORMAT.md, "Delta frames"); off, every frame holds a whole page. Either way the log is
    /// read the same.
    public var deltaFrames: Bool = true

    /// The log length a restart keeps.
    var logBytesKept: UInt64 {
        let doubled = checkpointThresholdBytes > Int.max / 2 ? Int.max : checkpointThresholdBytes * 2
        return UInt64(max(0, logBytesKeptMax, doubled))
    }

    public init() {}
}
