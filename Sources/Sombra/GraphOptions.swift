// GraphOptions: how `GraphDB.open` opens a database (page size, cache, durability, checkpointing).
import SombraStorage

public struct GraphOptions: Sendable {
    /// Page size for a new database: a power of two from 4096 to 65536. An existing file keeps its own.
    public var pageSize: Int = 8192
    /// Bytes of page cache (clean pages); a write transaction may hold a further quarter of it dirty.
    public var cacheBytes: Int = 64 << 20
    public var syncMode: SyncMode = .full
    /// A commit leaving more than this many bytes of log not yet in the file triggers a checkpoint.
    public var checkpointThresholdBytes: Int = 16 << 20
    /// Log changed pages as delta frames where possible (PagerOptions.deltaFrames).
    public var deltaFrames: Bool = true
    public var readOnly: Bool = false
    /// Create the file when it does not exist (ignored when read-only).
    public var create: Bool = true

    public init() {}

    var pagerOptions: PagerOptions {
        var o = PagerOptions()
        o.pageSize = pageSize
        o.cacheBytesMax = cacheBytes
        o.dirtyBytesMax = max(cacheBytes / 4, 64 * pageSize)
        o.syncMode = syncMode
        o.checkpointThresholdBytes = checkpointThresholdBytes
        o.deltaFrames = deltaFrames
        o.readOnly = readOnly
        o.create = create && !readOnly
        return o
    }
}
