// GraphMutations: creating, changing and deleting nodes and edges (see WriteTransaction's invariants).
import SombraFormat
import SombraIndex
import SombraStorage

extension WriteTransaction {
    // MARK: Nodes

    /// Creates a node; returns its id (ids increase and are never reused).
    @discardableResult
    public func createNode(labels: [String] = [], properties: [String: Value] = [:]) throws(SombraError) -> NodeID {
        try checkUsable()
        for l in labels { try validateName(l, "label") }
        try precheck(properties)
        try precheckIndexable(labels: labels, properties: properties)
        var planned = PlannedIDs()
        var plannedLabels: [UInt32] = []
        for l in labels { plannedLabels.append(try planned.id(l, self)) }
        var plannedProperties: [Property] = []
        for (k, v) in properties { plannedProperties.append(Property(key: try planned.id(k, self), value: v)) }
        _ = try encodeChecked(try NodeRecord(labels: plannedLabels, properties: plannedProperties))
        return try mutate { () throws(SombraError) -> NodeID in
            let id = NodeID(try nextID(Counter.nextNode))
            try writeNewNode(id, labels: labels, properties: properties)
            return id
        }
    }

    /// Sets (adds or replaces) one property of a node.
    public func setProperty(_ key: String, to value: Value, on node: NodeID) throws(SombraError) {
        try checkUsable()
        try validateName(key, "property key")
        try precheck([key: value])
        guard let old = try nodeRecord(node) else { throw .nodeNotFound(node.rawValue) }
        var labelNames: [String] = []
        for l in old.labels { labelNames.append(try name(l)) }
        try precheckIndexable(labels: labelNames, properties: [key: value])
        var planned = old
        var ids = PlannedIDs()
        _ = planned.setProperty(value, for: try ids.id(key, self))
        _ = try encodeChecked(planned)
        try mutate { () throws(SombraError) in
            var record = old
            _ = record.setProperty(value, for: try intern(key, "property key"))
            try checkIndexable(record)
            try t.nodes.put(GraphKeys.id(node.rawValue), try encodeChecked(record), in: pageTx)
            try applyIndexChanges(node, old: old, new: record)
        }
    }

    /// Removes one property of a node; returns the old value, if there was one.
    @discardableResult
    public func removeProperty(_ key: String, from node: NodeID) throws(SombraError) -> Value? {
        try checkUsable()
        guard let old = try nodeRecord(node) else { throw .nodeNotFound(node.rawValue) }
        guard let k = try existingID(key), old.property(for: k) != nil else { return nil }
        return try mutate { () throws(SombraError) -> Value? in
            var record = old
            let removed = record.removeProperty(for: k)
            try t.nodes.put(GraphKeys.id(node.rawValue), try encodeChecked(record), in: pageTx)
            try applyIndexChanges(node, old: old, new: record)
            return removed
        }
    }

    /// Adds a label to a node (no change if it has it already).
    public func addLabel(_ label: String, to node: NodeID) throws(SombraError) {
        try checkUsable()
        try validateName(label, "label")
        guard let old = try nodeRecord(node) else { throw .nodeNotFound(node.rawValue) }
        var props: [String: Value] = [:]
        for p in old.properties { props[try name(p.key)] = p.value }
        try precheckIndexable(labels: [label], properties: props)
        var planned = old
        var ids = PlannedIDs()
        _ = planned.addLabel(try ids.id(label, self))
        _ = try encodeChecked(planned)
        try mutate { () throws(SombraError) in
            let l = try intern(label, "label")
            var record = old
            guard record.addLabel(l) else { return }
            try checkIndexable(record)
            try t.nodes.put(GraphKeys.id(node.rawValue), try encodeChecked(record), in: pageTx)
            try t.labels.put(GraphKeys.label(l, node.rawValue), [], in: pageTx)
            try catalogAdd(GraphKeys.labelCount(l), 1)
            try applyIndexChanges(node, old: old, new: record)
        }
    }

    /// Removes a label from a node; returns whether it had it.
    @discardableResult
    public func removeLabel(_ label: String, from node: NodeID) throws(SombraError) -> Bool {
        try checkUsable()
        guard let old = try nodeRecord(node) else { throw .nodeNotFound(node.rawValue) }
        guard let l = try existingID(label), old.hasLabel(l) else { return false }
        return try mutate { () throws(SombraError) -> Bool in
            var record = old
            _ = record.removeLabel(l)
            try t.nodes.put(GraphKeys.id(node.rawValue), try encodeChecked(record), in: pageTx)
            _ = try t.labels.remove(GraphKeys.label(l, node.rawValue), in: pageTx)
            try catalogAdd(GraphKeys.labelCount(l), -1)
            try applyIndexChanges(node, old: old, new: record)
            return true
        }
    }

    /// Deletes a node and every edge attached to it.
    public func deleteNode(_ node: NodeID) throws(SombraError) {
        try checkUsable()
        guard let old = try nodeRecord(node) else { throw .nodeNotFound(node.rawValue) }
        try mutate { () throws(SombraError) in
            var attached = Set<UInt64>()
            for outgoing in [true, false] {
                let next = adjacencyCursor(node, outgoing: outgoing, types: nil)
                while let (_, _, _, e) = try next() { attached.insert(e) }
            }
            for e in attached.sorted() { try removeEdge(EdgeID(e)) }
            for l in old.labels {
                _ = try t.labels.remove(GraphKeys.label(l, node.rawValue), in: pageTx)
                try catalogAdd(GraphKeys.labelCount(l), -1)
            }
            try applyIndexChanges(node, old: old, new: nil)
            _ = try t.nodes.remove(GraphKeys.id(node.rawValue), in: pageTx)
            try catalogAdd(GraphKeys.counter(Counter.nodeCount), -1)
        }
    }

    // MARK: Edges

    /// Creates an edge from `source` to `target`; both must exist. Parallel edges and self-loops are allowed.
    @discardableResult
    public func createEdge(from source: NodeID, to target: NodeID, type: String,
                           properties: [String: Value] = [:]) throws(SombraError) -> EdgeID {
        try checkUsable()
        try validateName(type, "edge type")
        try precheck(properties)
        guard try nodeExists(source) else { throw .nodeNotFound(source.rawValue) }
        guard try nodeExists(target) else { throw .nodeNotFound(target.rawValue) }
        var planned = PlannedIDs()
        let plannedType = try planned.id(type, self)
        var plannedProperties: [Property] = []
        for (k, v) in properties { plannedProperties.append(Property(key: try planned.id(k, self), value: v)) }
        _ = try encodeChecked(try EdgeRecord(source: source.rawValue, target: target.rawValue, type: plannedType,
                                             properties: plannedProperties))
        return try mutate { () throws(SombraError) -> EdgeID in
            let id = EdgeID(try nextID(Counter.nextEdge))
            try writeNewEdge(id, from: source, to: target, type: type, properties: properties)
            return id
        }
    }

    public func setProperty(_ key: String, to value: Value, on edge: EdgeID) throws(SombraError) {
        try checkUsable()
        try validateName(key, "property key")
        try precheck([key: value])
        guard let old = try edgeRecord(edge) else { throw .edgeNotFound(edge.rawValue) }
        var planned = old
        var ids = PlannedIDs()
        _ = planned.setProperty(value, for: try ids.id(key, self))
        _ = try encodeChecked(planned)
        try mutate { () throws(SombraError) in
            var record = old
            _ = record.setProperty(value, for: try intern(key, "property key"))
            try t.edges.put(GraphKeys.id(edge.rawValue), try encodeChecked(record), in: pageTx)
        }
    }

    @discardableResult
    public func removeProperty(_ key: String, from edge: EdgeID) throws(SombraError) -> Value? {
        try checkUsable()
        guard let old = try edgeRecord(edge) else { throw .edgeNotFound(edge.rawValue) }
        guard let k = try existingID(key), old.property(for: k) != nil else { return nil }
        return try mutate { () throws(SombraError) -> Value? in
            var record = old
            let removed = record.removeProperty(for: k)
            try t.edges.put(GraphKeys.id(edge.rawValue), try encodeChecked(record), in: pageTx)
            return removed
        }
    }

    public func deleteEdge(_ edge: EdgeID) throws(SombraError) {
        try checkUsable()
        guard try edgeExists(edge) else { throw .edgeNotFound(edge.rawValue) }
        try mutate { () throws(SombraError) in try removeEdge(edge) }
    }

    /// Removes an edge's record, both adjacency entries and its counts (inside a mutation).
    func removeEdge(_ edge: EdgeID) throws(SombraError) {
        guard let r = try edgeRecord(edge) else { throw .edgeNotFound(edge.rawValue) }
        try AdjacencyChunks.remove(AdjacencyKey(this: r.source, type: r.type, other: r.target, edge: edge.rawValue), from: t.outEdges, pageTx)
        try AdjacencyChunks.remove(AdjacencyKey(this: r.target, type: r.type, other: r.source, edge: edge.rawValue), from: t.inEdges, pageTx)
        _ = try t.edges.remove(GraphKeys.id(edge.rawValue), in: pageTx)
        try catalogAdd(GraphKeys.typeCount(r.type), -1)
        try catalogAdd(GraphKeys.counter(Counter.edgeCount), -1)
    }

    // MARK: Writing new records (inside a mutation; shared by the public and the keep-id paths)

    /// Interns the names, writes the node record, its label entries, its index entries and its counts.
    func writeNewNode(_ id: NodeID, labels: [String], properties: [String: Value]) throws(SombraError) {
        var labelIDs: [UInt32] = []
        for l in labels { labelIDs.append(try intern(l, "label")) }
        var props: [Property] = []
        for (k, v) in properties { props.append(Property(key: try intern(k, "property key"), value: v)) }
        let record = try NodeRecord(labels: labelIDs, properties: props)
        try checkIndexable(record)
        try t.nodes.put(GraphKeys.id(id.rawValue), try encodeChecked(record), in: pageTx)
        for l in record.labels {
            try t.labels.put(GraphKeys.label(l, id.rawValue), [], in: pageTx)
            try catalogAdd(GraphKeys.labelCount(l), 1)
        }
        try applyIndexChanges(id, old: nil, new: record)
        try catalogAdd(GraphKeys.counter(Counter.nodeCount), 1)
    }

    /// Interns the names, writes the edge record, both adjacency entries and its counts.
    func writeNewEdge(_ id: EdgeID, from source: NodeID, to target: NodeID, type: String,
                      properties: [String: Value]) throws(SombraError) {
        let typeID = try intern(type, "edge type")
        var props: [Property] = []
        for (k, v) in properties { props.append(Property(key: try intern(k, "property key"), value: v)) }
        let record = try EdgeRecord(source: source.rawValue, target: target.rawValue, type: typeID, properties: props)
        try t.edges.put(GraphKeys.id(id.rawValue), try encodeChecked(record), in: pageTx)
        try AdjacencyChunks.insert(AdjacencyKey(this: source.rawValue, type: typeID, other: target.rawValue, edge: id.rawValue), into: t.outEdges, pageTx)
        try AdjacencyChunks.insert(AdjacencyKey(this: target.rawValue, type: typeID, other: source.rawValue, edge: id.rawValue), into: t.inEdges, pageTx)
        try catalogAdd(GraphKeys.typeCount(typeID), 1)
        try catalogAdd(GraphKeys.counter(Counter.edgeCount), 1)
    }

    // MARK: Checks before mutating

    /// Names and nesting, checked before anything is written. Sizes are checked on the planned record.
    func precheck(_ properties: [String: Value]) throws(SombraError) {
        for (k, v) in properties {
            try validateName(k, "property key")
            try validateValue(v, key: k)
        }
    }
}

/// Ids for a record planned before any write (so its size can be checked while nothing has changed): a
/// name's id if it exists, else a distinct placeholder of the widest varint size, so the planned record is
/// never smaller than the one the mutation will write.
struct PlannedIDs {
    private var placeholders: [NameKey: UInt32] = [:]

    mutating func id(_ name: String, _ tx: WriteTransaction) throws(SombraError) -> UInt32 {
        if let id = try tx.existingID(name) { return id }
        if let id = placeholders[NameKey(name)] { return id }
        let id = UInt32.max - UInt32(clamping: placeholders.count)
        placeholders[NameKey(name)] = id
        return id
    }
}
