// WriteTransaction: the one writer. Every change to the graph goes through here and keeps the records,
// the adjacency trees, the label index, the declared property indexes and the counts in step.
//
// Invariants:
//  1. Each public mutation validates everything it can (ids exist, names, values, sizes) before changing a
//     page, so a caller's mistake leaves the transaction usable and unchanged.
//  2. A failure after a mutation has begun (I/O, corruption) rolls the whole transaction back: nothing is
//     ever half-written. Further use then fails with `.transactionEnded`.
//  3. Counters and counts are kept in memory during the transaction and written to the catalog at commit.
//  4. Names created here enter the shared name cache only after the commit succeeds.
import SombraFormat
import SombraIndex
import SombraStorage

public final class WriteTransaction: Transaction {
    let pageTx: PageWriteTransaction
    /// Catalog values changed by this transaction (written at commit).
    var catalogCache: [[UInt8]: UInt64] = [:]
    var newNames: [NameKey: UInt32] = [:]
    var newNamesByID: [UInt32: String] = [:]
    /// Declared indexes by label: (key id, index id). Loaded at begin, kept current.
    var indexesByLabel: [UInt32: [(key: UInt32, index: UInt32)]] = [:]
    private(set) var commitID: UInt64? = nil

    init(db: GraphDB, pageTx: PageWriteTransaction) throws(SombraError) {
        self.pageTx = pageTx
        var trees = GraphTrees(header: pageTx.header)
        if trees == nil { trees = try GraphTrees.initialize(in: pageTx) }
        super.init(db: db, pages: pageTx, trees: trees)
        try loadIndexDeclarations()
    }

    public override var isActive: Bool { pageTx.isActive }
    public override var snapshotID: UInt64 { pageTx.base.txID.rawValue }
    override func uncommittedName(_ id: UInt32) -> String? { newNamesByID[id] }
    override func uncommittedID(_ name: String) -> UInt32? { newNames[NameKey(name)] }
    override var publishesNamesToCache: Bool { false }
    override var readsFixedSnapshot: Bool { false }

    var t: GraphTrees {
        // Invariant: a write transaction always has its trees (created in init when missing).
        trees!
    }

    // MARK: Ending

    /// Commits; returns the commit id (the snapshot id of readers that see this commit).
    @discardableResult
    public func commit() throws(SombraError) -> UInt64 {
        try checkUsable()
        try mutate { () throws(SombraError) in try flushCatalog() }
        let id = try pageTx.commit().rawValue
        db.names.add(newNamesByID)
        commitID = id
        return id
    }

    public func rollback() { pageTx.rollback() }

    /// Runs a mutation; any error inside rolls the transaction back (invariant 2).
    func mutate<R>(_ body: () throws(SombraError) -> R) throws(SombraError) -> R {
        do { return try body() } catch {
            pageTx.rollback()
            throw error
        }
    }

    // MARK: Catalog counters (invariant 3)

    /// Counts read in the writer include its own changes (Transaction invariant 1): changed catalog values
    /// are in `catalogCache` until commit.
    override func catalogValue(_ key: [UInt8]) throws(SombraError) -> UInt64 {
        if let v = catalogCache[key] { return v }
        return try super.catalogValue(key)
    }

    override func countsByName(prefix: UInt8) throws(SombraError) -> [String: Int] {
        var out = try super.countsByName(prefix: prefix)
        for (k, v) in catalogCache where k.count == 5 && k.first == prefix {
            out[try name(k.loadBE(UInt32.self, at: 1))] = v > 0 ? Int(clamping: v) : nil
        }
        return out
    }

    func catalogGet(_ key: [UInt8]) throws(SombraError) -> UInt64 {
        if let v = catalogCache[key] { return v }
        let v = try catalogValue(key)
        catalogCache[key] = v
        return v
    }

    func catalogAdd(_ key: [UInt8], _ delta: Int64) throws(SombraError) {
        let v = try catalogGet(key)
        let next = delta >= 0 ? v.addingReportingOverflow(UInt64(delta)) : v.subtractingReportingOverflow(UInt64(-delta))
        guard !next.overflow else {
            throw .corruptPage(page: t.catalog.root.rawValue, reason: "a count would go out of range")
        }
        catalogCache[key] = next.partialValue
    }

    /// Takes the next value of a sequence counter (ids start at 1).
    func nextID(_ counter: String) throws(SombraError) -> UInt64 {
        let key = GraphKeys.counter(counter)
        let v = max(try catalogGet(key), 1)
        guard v < UInt64.max - 1 else { throw .invalidArgument("\(counter) ids are exhausted") }
        catalogCache[key] = v + 1
        return v
    }

    func flushCatalog() throws(SombraError) {
        for (k, v) in catalogCache.sorted(by: { KeyEncoding.compare($0.key, $1.key) < 0 }) {
            if k.first != 0x01 && v == 0 {
                _ = try t.catalog.remove(k, in: pageTx)
            } else {
                try t.catalog.put(k, GraphKeys.u64Value(v), in: pageTx)
            }
        }
        catalogCache.removeAll()
    }

    // MARK: Names

    /// The id of `name`, creating it if it is new.
    func intern(_ name: String, _ what: String) throws(SombraError) -> UInt32 {
        if let id = try existingID(name) { return id }
        try validateName(name, what)
        let raw = try nextID(Counter.nextName)
        guard raw <= UInt64(UInt32.max) else { throw .invalidArgument("the name dictionary is full") }
        let id = UInt32(raw)
        try t.names.put(GraphKeys.nameToID(name), GraphKeys.u32Value(id), in: pageTx)
        try t.names.put(GraphKeys.idToName(id), Array(name.utf8), in: pageTx)
        newNames[NameKey(name)] = id
        newNamesByID[id] = name
        return id
    }

    func loadIndexDeclarations() throws(SombraError) {
        var scan = t.catalog.scan(.prefix([0x04]), in: pageTx)
        while let (k, v) = try scan.next() {
            guard k.count == 9, let index = GraphKeys.readU32Value(v) else {
                throw .corruptPage(page: t.catalog.root.rawValue, reason: "index declaration is malformed")
            }
            indexesByLabel[k.loadBE(UInt32.self, at: 1), default: []].append((k.loadBE(UInt32.self, at: 5), index))
        }
    }

    // MARK: Validation helpers

    /// NameRules, plus the names tree's key limit: a name is stored as a key of 1 + its UTF-8 bytes, so
    /// with small pages the longest name is `BTree.maxKeyBytes(pageSize:) - 1` bytes (998 with 4 KiB pages).
    func validateName(_ name: String, _ what: String) throws(SombraError) {
        try NameRules.validate(name, what)
        let longest = BTree.maxKeyBytes(pageSize: pageTx.pageSize) - 1
        let n = name.utf8.count
        guard n <= longest else {
            throw .invalidArgument("\(what) name is \(n) bytes; with \(pageTx.pageSize)-byte pages the maximum is \(longest)")
        }
    }

    func validateValue(_ v: Value, key: String) throws(SombraError) {
        guard v.nestingDepth <= ValueCodec.maxValueNestingDepth else {
            throw .invalidArgument("value of \(key) is nested deeper than \(ValueCodec.maxValueNestingDepth)")
        }
    }

    /// Refuses values an index cannot order (invariant: indexes stay ordered; NaN and -0.0 are rejected
    /// in indexed properties so that equality means one thing).
    func validateIndexable(_ v: Value, key: String) throws(SombraError) {
        if case .double(let d) = v {
            if d.isNaN { throw .invalidArgument("NaN cannot be stored in indexed property \(key)") }
            if d == 0 && d.sign == .minus { throw .invalidArgument("-0.0 cannot be stored in indexed property \(key)") }
        }
    }

    func encodeChecked(_ r: NodeRecord) throws(SombraError) -> [UInt8] {
        let bytes = try r.encode()
        guard bytes.count <= BTree.maxValueBytes else { throw .valueTooLarge(size: bytes.count, max: BTree.maxValueBytes) }
        return bytes
    }

    func encodeChecked(_ r: EdgeRecord) throws(SombraError) -> [UInt8] {
        let bytes = try r.encode()
        guard bytes.count <= BTree.maxValueBytes else { throw .valueTooLarge(size: bytes.count, max: BTree.maxValueBytes) }
        return bytes
    }
}
