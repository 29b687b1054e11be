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

    public init() {}
}
