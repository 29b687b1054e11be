// BulkLoaderState: what the bulk loader holds between flushes (buffered records and index entries, the
// local id counters and counts, the names met so far) and the per-record work of `addNode`/`addEdge`.
//
// Invariants:
//  1. A record is validated exactly as `createNode`/`createEdge` validate it, in the same order, before
//     anything is buffered; a name the loader has interned was validated as that kind of name then.
//  2. An id is taken at the same point as `tx.nextID` took it, with the same checks; a count moves at the
//     same point as `tx.catalogAdd` moved it (BulkLoader invariant 4).
//  3. `bufferedBytes` grows with every buffered record by at least the bytes the record holds in memory.
//  4. `edges` is in edge-id order, and so is `edgeRecords` (the records of the edges with properties).
import SombraFormat
import SombraIndex
import SombraStorage

struct BulkLoaderState {
    var nodeRecords = RecordBuffer()
    /// Records of edges with properties (the others are made from their type's template when written).
    var edgeRecords = RecordBuffer()
    var labelEntries: [(label: UInt32, node: UInt64)] = []
    /// Every buffered edge in id order as (source, type, target, edge): the edges tree, then sorted, the
    /// out-edges tree, then with its ends swapped and sorted again, the in-edges tree.
    var edges: [AdjacencyEntry] = []
    var propertyEntries = BulkLoaderIndexEntries()
    var bufferedBytes = 0
    /// Nodes created by this loader are ids firstNode..<nextNode (none is deleted while loading).
    private var firstNode: UInt64 = 0
    private var nextNode: UInt64 = 0
    private(set) var nodesAdded = 0
    private(set) var edgesAdded = 0

    /// The next value of the node and edge id counters (read from the catalog at first use), and the counts
    /// added since the last flush.
    var nodeIDs = LocalSequence(Counter.nextNode)
    var edgeIDs = LocalSequence(Counter.nextEdge)
    var nodeCountAdded: UInt64 = 0
    var edgeCountAdded: UInt64 = 0
    var labelCountsAdded: [UInt32: UInt64] = [:]
    /// Names interned by this loader, per kind (each was validated as that kind when first met).
    private var labelIDs = KnownNames()
    private var propertyKeyIDs = KnownNames()
    /// The edge types met in this load, found by name (`edgeTypeIndex`, or a scan while there are few) and
    /// by id; the last one used is tried first.
    private(set) var edgeTypes: [EdgeType] = []
    private var edgeTypeIndex = KnownNames()
    private var edgeTypeByID: [UInt32: Int] = [:]
    private var lastEdgeType = -1

    struct EdgeType {
        let spelling: SpelledName
        var name: String { spelling.text }
        let id: UInt32
        /// The encoded property-less edge record of this type with both endpoints 0.
        let template: [UInt8]
        /// Edges of this type added since the last flush.
        var added: UInt64 = 0
    }

    /// Name ids by name, matched by UTF-8 bytes as the names tree matches them (NameCache invariant 2): two
    /// canonically equivalent Strings with different bytes are different names, so a String hit counts only
    /// when the bytes are the same; the other spelling takes the slow path every time.
    /// The first few names are also kept in a short list searched before the dictionary: a load meets the
    /// same handful of labels and keys on every node, and comparing one short String costs less than
    /// hashing it.
    struct KnownNames {
        private var ids: [String: (name: String, id: UInt32)] = [:]
        private var first: [(name: SpelledName, id: UInt32)] = []
        private static let firstLimit = 8

        subscript(_ name: String) -> UInt32? {
            for entry in first where entry.name.isSpelled(name) { return entry.id }
            guard first.count >= Self.firstLimit, let entry = ids[name], NameKey(entry.name) == NameKey(name) else { return nil }
            return entry.id
        }

        mutating func add(_ name: String, _ id: UInt32) {
            guard ids[name] == nil else { return }
            ids[name] = (name, id)
            if first.count < Self.firstLimit { first.append((SpelledName(name), id)) }
        }
    }

    /// Encoded records back to back in one array (no object per record), each with its id and end offset.
    struct RecordBuffer {
        private(set) var bytes: [UInt8] = []
        private(set) var records: [(id: UInt64, end: Int)] = []
        /// Bytes one record costs besides its encoding.
        static let overheadBytes = MemoryLayout<(id: UInt64, end: Int)>.stride

        var count: Int { records.count }
        func id(_ i: Int) -> UInt64 { records[i].id }
        func record(_ i: Int) -> ArraySlice<UInt8> { bytes[(i == 0 ? 0 : records[i - 1].end)..<records[i].end] }

        mutating func append(_ id: UInt64, _ record: [UInt8]) {
            bytes.append(contentsOf: record)
            records.append((id, bytes.count))
        }

        /// The index of the record with `id` (ids ascend in append order), nil if there is none.
        func index(of id: UInt64) -> Int? {
            var low = 0
            var high = records.count
            while low < high {
                let mid = low + (high - low) / 2
                if records[mid].id < id { low = mid + 1 } else { high = mid }
            }
            return low < records.count && records[low].id == id ? low : nil
        }

        mutating func removeAll() {
            bytes.removeAll(keepingCapacity: true)
            records.removeAll(keepingCapacity: true)
        }
    }

    struct AdjacencyEntry: Comparable {
        var a: UInt64, type: UInt32, b: UInt64, edge: UInt64
        /// The type's index in the loader's edge types (fills what would be padding).
        var typeIndex: UInt32 = 0
        static func < (x: AdjacencyEntry, y: AdjacencyEntry) -> Bool {
            (x.a, x.type, x.b, x.edge) < (y.a, y.type, y.b, y.edge)
        }
    }

    /// A sequence counter of the catalog, taken locally during the load.
    struct LocalSequence {
        let counter: String
        var next: UInt64? = nil
        init(_ counter: String) { self.counter = counter }
    }

    mutating func addNode(labels: [String], properties: [String: Value], tx: WriteTransaction) throws(SombraError) -> NodeID {
        // Validation in createNode's order; the ids of names met before are looked up once and reused.
        var knownLabels: [UInt32?] = []
        knownLabels.reserveCapacity(labels.count)
        for l in labels {
            let id = labelIDs[l]
            if id == nil { try tx.validateName(l, "label") }
            knownLabels.append(id)
        }
        var knownKeys: [UInt32?] = []
        knownKeys.reserveCapacity(properties.count)
        for (k, v) in properties {
            let id = propertyKeyIDs[k]
            if id == nil { try tx.validateName(k, "property key") }
            try tx.validateValue(v, key: k)
            knownKeys.append(id)
        }
        try precheckIndexable(labels: labels, knownLabels, properties: properties, knownKeys, tx: tx)
        let raw = try Self.takeID(&nodeIDs, tx: tx)
        if nextNode == 0 { firstNode = raw }
        nextNode = raw + 1
        var labelList: [UInt32] = []
        labelList.reserveCapacity(labels.count)
        for (i, l) in labels.enumerated() {
            if let id = knownLabels[i] {
                labelList.append(id)
            } else {
                labelList.append(try Self.intern(l, "label", &labelIDs, tx: tx))
            }
        }
        var props: [Property] = []
        props.reserveCapacity(properties.count)
        for (j, (k, v)) in properties.enumerated() {
            if let id = knownKeys[j] {
                props.append(Property(key: id, value: v))
            } else {
                props.append(Property(key: try Self.intern(k, "property key", &propertyKeyIDs, tx: tx), value: v))
            }
        }
        let record = try NodeRecord(labels: labelList, properties: props)
        // tx.checkIndexable(record) is not repeated here: it checks the pairs precheckIndexable checked
        // (indexes exist only on names that existed then, and those ids are the ones the record holds).
        let bytes = try tx.encodeChecked(record)
        nodeRecords.append(raw, bytes)
        bufferedBytes += bytes.count + RecordBuffer.overheadBytes
        for l in record.labels {
            labelEntries.append((l, raw))
            labelCountsAdded[l, default: 0] += 1
            bufferedBytes += 16
        }
        if !tx.indexesByLabel.isEmpty { try addIndexEntries(raw, record, tx: tx) }
        nodeCountAdded += 1
        nodesAdded += 1
        return NodeID(raw)
    }

    mutating func addEdge(from source: NodeID, to target: NodeID, type: String, properties: [String: Value],
                          tx: WriteTransaction) throws(SombraError) -> EdgeID {
        var typeIndex = findEdgeType(type)
        if typeIndex == nil { try tx.validateName(type, "edge type") }
        for (k, v) in properties {
            if propertyKeyIDs[k] == nil { try tx.validateName(k, "property key") }
            try tx.validateValue(v, key: k)
        }
        try checkNodeExists(source, tx: tx)
        try checkNodeExists(target, tx: tx)
        let raw = try Self.takeID(&edgeIDs, tx: tx)
        if typeIndex == nil { typeIndex = try addEdgeType(type, tx: tx) }
        let t = typeIndex ?? 0
        lastEdgeType = t
        let typeID = edgeTypes[t].id
        var recordBytes = 0
        if !properties.isEmpty {
            var props: [Property] = []
            props.reserveCapacity(properties.count)
            for (k, v) in properties {
                props.append(Property(key: try Self.intern(k, "property key", &propertyKeyIDs, tx: tx), value: v))
            }
            let bytes = try tx.encodeChecked(try EdgeRecord(source: source.rawValue, target: target.rawValue, type: typeID, properties: props))
            edgeRecords.append(raw, bytes)
            recordBytes = bytes.count + RecordBuffer.overheadBytes
        }
        edges.append(AdjacencyEntry(a: source.rawValue, type: typeID, b: target.rawValue, edge: raw, typeIndex: UInt32(t)))
        bufferedBytes += recordBytes + MemoryLayout<AdjacencyEntry>.stride
        edgeTypes[t].added += 1
        edgeCountAdded += 1
        edgesAdded += 1
        return EdgeID(raw)
    }

    /// The index in `edgeTypes` of the type spelled exactly `name`, nil if the loader has not met it.
    private func findEdgeType(_ name: String) -> Int? {
        if lastEdgeType >= 0, edgeTypes[lastEdgeType].spelling.isSpelled(name) { return lastEdgeType }
        guard edgeTypes.count > 8 else {
            return edgeTypes.indices.first { edgeTypes[$0].spelling.isSpelled(name) }
        }
        return edgeTypeIndex[name].map { Int($0) }
    }

    /// Interns `name` as an edge type (tx.intern) and returns its entry, made on first meeting its id.
    private mutating func addEdgeType(_ name: String, tx: WriteTransaction) throws(SombraError) -> Int {
        let id = try tx.intern(name, "edge type")
        // Met before: `edgeTypeIndex` may hold a canonically equivalent spelling under this String key.
        if let known = edgeTypeByID[id] { return known }
        let template = try tx.encodeChecked(try EdgeRecord(source: 0, target: 0, type: id))
        edgeTypes.append(EdgeType(spelling: SpelledName(name), id: id, template: template))
        edgeTypeByID[id] = edgeTypes.count - 1
        edgeTypeIndex.add(name, UInt32(edgeTypes.count - 1))
        return edgeTypes.count - 1
    }

    /// The record of buffered edge `e` (an `edges` entry, ends not swapped): its own in `records` if it has
    /// properties, else its type's template with the endpoints stored, in `scratch`.
    static func edgeRecord(_ e: AdjacencyEntry, records: RecordBuffer, types: [EdgeType],
                           scratch: inout [UInt8]) -> ArraySlice<UInt8> {
        if records.count > 0, let i = records.index(of: e.edge) { return records.record(i) }
        scratch.removeAll(keepingCapacity: true)
        // Docs/FORMAT.md, "Edge record": the format byte, the endpoints as varints, then what the template
        // holds after its own endpoints (two 0 varints, one byte each): the type and an empty property list.
        let template = types[Int(e.typeIndex)].template
        scratch.append(EdgeRecord.formatVersion)
        Varint.append(e.a, to: &scratch)
        Varint.append(e.b, to: &scratch)
        scratch.append(contentsOf: template[3...])
        return scratch[...]
    }

    /// The edges added per type since the last call, (type id, count), and zero counts from then on.
    mutating func takeTypeCounts() -> [(type: UInt32, added: UInt64)] {
        var out: [(type: UInt32, added: UInt64)] = []
        for i in edgeTypes.indices where edgeTypes[i].added > 0 {
            out.append((edgeTypes[i].id, edgeTypes[i].added))
            edgeTypes[i].added = 0
        }
        return out
    }

    /// The entries `tx.indexEntries` gives for a new node, appended without building a dictionary (a key
    /// repeated within the node is kept once, as the dictionary keeps it).
    private mutating func addIndexEntries(_ node: UInt64, _ record: NodeRecord, tx: WriteTransaction) throws(SombraError) {
        let first = propertyEntries.count
        var added = 0
        do throws(SombraError) {
            for l in record.labels {
                guard let decls = tx.indexesByLabel[l] else { continue }
                for d in decls {
                    guard let v = record.property(for: d.key), v.isIndexable else { continue }
                    let (key, exact) = try GraphKeys.property(d.index, v, node)
                    guard !propertyEntries.contains(key, from: first) else { continue }
                    propertyEntries.append(key: key, exact: exact)
                    added += key.count + BulkLoaderIndexEntries.overheadBytes
                }
            }
        } catch {
            propertyEntries.truncate(to: first)   // all or nothing, as the dictionary was
            throw error
        }
        bufferedBytes += added
    }

    private func checkNodeExists(_ n: NodeID, tx: WriteTransaction) throws(SombraError) {
        guard !(n.rawValue >= firstNode && n.rawValue < nextNode) else { return }
        guard try tx.nodeExistsInTrees(n) else { throw .nodeNotFound(n.rawValue) }
    }

    /// `tx.precheckIndexable`, with the ids of names the loader knows (`knownLabels`, `knownKeys`, in the
    /// order of `labels` and of `properties`' iteration) instead of a second lookup.
    private func precheckIndexable(labels: [String], _ knownLabels: [UInt32?], properties: [String: Value],
                                   _ knownKeys: [UInt32?], tx: WriteTransaction) throws(SombraError) {
        guard !tx.indexesByLabel.isEmpty else { return }
        for (i, label) in labels.enumerated() {
            guard let l = try Self.id(knownLabels[i], label, tx: tx), let decls = tx.indexesByLabel[l] else { continue }
            for (j, (key, value)) in properties.enumerated() {
                guard let k = try Self.id(knownKeys[j], key, tx: tx), decls.contains(where: { $0.key == k }) else { continue }
                try tx.validateIndexable(value, key: key)
            }
        }
    }

    /// `known`, else the id of an existing name (nil if the name does not exist yet).
    private static func id(_ known: UInt32?, _ name: String, tx: WriteTransaction) throws(SombraError) -> UInt32? {
        if let known { return known }
        return try tx.existingID(name)
    }

    /// The id of `name` through `tx.intern`, remembered in `known` for the rest of the load.
    private static func intern(_ name: String, _ what: String, _ known: inout KnownNames,
                               tx: WriteTransaction) throws(SombraError) -> UInt32 {
        if let id = known[name] { return id }
        let id = try tx.intern(name, what)
        known.add(name, id)
        return id
    }

    /// `tx.nextID` on the local copy of the counter (the same checks, the same values).
    private static func takeID(_ sequence: inout LocalSequence, tx: WriteTransaction) throws(SombraError) -> UInt64 {
        let v: UInt64
        if let next = sequence.next {
            v = next
        } else {
            v = max(try tx.catalogGet(GraphKeys.counter(sequence.counter)), 1)
        }
        guard v < UInt64.max - 1 else { throw .invalidArgument("\(sequence.counter) ids are exhausted") }
        sequence.next = v + 1
        return v
    }
}
