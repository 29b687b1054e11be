// IndexMaintenance: declared property indexes on (label, key): creation over existing data, upkeep on
// every change, and dropping.
//
// Invariants:
//  1. For every node with label L and an indexable value v under key K, where (L, K) is indexed with id I,
//     the properties tree holds exactly one entry (I, v, node); and no other entries exist for I.
//  2. NaN and -0.0 never reach an index (rejected before writing).
import SombraFormat
import SombraIndex
import SombraStorage

extension WriteTransaction {
    /// Index entries a record implies: key -> value ([] exact, [1] truncated).
    func indexEntries(_ node: NodeID, _ r: NodeRecord?) throws(SombraError) -> [[UInt8]: [UInt8]] {
        guard let r else { return [:] }
        var out: [[UInt8]: [UInt8]] = [:]
        for l in r.labels {
            guard let decls = indexesByLabel[l] else { continue }
            for d in decls {
                guard let v = r.property(for: d.key), v.isIndexable else { continue }
                let (key, exact) = try GraphKeys.property(d.index, v, node.rawValue)
                out[key] = exact ? [] : [1]
            }
        }
        return out
    }

    /// Brings the property indexes from `old` to `new` for one node.
    func applyIndexChanges(_ node: NodeID, old: NodeRecord?, new: NodeRecord?) throws(SombraError) {
        guard !indexesByLabel.isEmpty else { return }
        let before = try indexEntries(node, old)
        let after = try indexEntries(node, new)
        for (k, _) in before where after[k] == nil { _ = try t.properties.remove(k, in: pageTx) }
        for (k, v) in after where before[k] != v { try t.properties.put(k, v, in: pageTx) }
    }

    /// Before any write: throws if a node with `labels` (names) and these property values would put NaN or
    /// -0.0 into an index. Only existing names can be indexed, so nothing is interned here.
    func precheckIndexable(labels: [String], properties: [String: Value]) throws(SombraError) {
        guard !indexesByLabel.isEmpty else { return }
        for label in labels {
            guard let l = try existingID(label), let decls = indexesByLabel[l] else { continue }
            for (key, value) in properties {
                guard let k = try existingID(key), decls.contains(where: { $0.key == k }) else { continue }
                try validateIndexable(value, key: key)
            }
        }
    }

    /// Throws if `r` would put NaN or -0.0 into an index (invariant 2).
    func checkIndexable(_ r: NodeRecord) throws(SombraError) {
        guard !indexesByLabel.isEmpty else { return }
        for l in r.labels {
            for d in indexesByLabel[l] ?? [] {
                if let v = r.property(for: d.key) { try validateIndexable(v, key: try name(d.key)) }
            }
        }
    }

    /// Declares an index on (label, key) and builds it over the existing nodes with that label.
    public func createIndex(label: String, key: String) throws(SombraError) {
        try checkUsable()
        try validateName(label, "label")
        try validateName(key, "property key")
        if let l = try existingID(label), let k = try existingID(key), try indexID(label: l, key: k) != nil {
            throw .indexExists("\(label).\(key)")
        }
        // Validate every existing value first, so a bad value leaves nothing behind.
        if let l = try existingID(label), let k = try existingID(key) {
            var scan = t.labels.scan(.prefix(GraphKeys.labelPrefix(l)), in: pageTx)
            while let (lk, _) = try scan.next() {
                guard let id = GraphKeys.readID(lk, at: 4) else { throw .corruptPage(page: t.labels.root.rawValue, reason: "bad label key") }
                if let v = try nodeRecord(NodeID(id))?.property(for: k) {
                    do throws(SombraError) { try validateIndexable(v, key: key) } catch {
                        throw .invalidArgument("cannot index \(label).\(key): node \(id) holds \(v)")
                    }
                }
            }
        }
        try mutate { () throws(SombraError) in
            let l = try intern(label, "label")
            let k = try intern(key, "property key")
            let raw = try nextID(Counter.nextIndex)
            guard raw <= UInt64(UInt32.max) else { throw .invalidArgument("index ids are exhausted") }
            let index = UInt32(raw)
            try t.catalog.put(GraphKeys.indexDeclaration(l, k), GraphKeys.u32Value(index), in: pageTx)
            indexesByLabel[l, default: []].append((k, index))
            // Collect the entries, sort them, and insert in key order (sequential inserts fill pages).
            var entries: [([UInt8], [UInt8])] = []
            var scan = t.labels.scan(.prefix(GraphKeys.labelPrefix(l)), in: pageTx)
            while let (lk, _) = try scan.next() {
                guard let id = GraphKeys.readID(lk, at: 4) else { throw .corruptPage(page: t.labels.root.rawValue, reason: "bad label key") }
                if let v = try nodeRecord(NodeID(id))?.property(for: k), v.isIndexable {
                    let (key, exact) = try GraphKeys.property(index, v, id)
                    entries.append((key, exact ? [] : [1]))
                }
            }
            entries.sort { KeyEncoding.compare($0.0, $1.0) < 0 }
            for (key, v) in entries { try t.properties.put(key, v, in: pageTx) }
        }
    }

    /// Removes the index on (label, key) and all its entries.
    public func dropIndex(label: String, key: String) throws(SombraError) {
        try checkUsable()
        guard let l = try existingID(label), let k = try existingID(key), let index = try indexID(label: l, key: k) else {
            throw .indexNotFound("\(label).\(key)")
        }
        try mutate { () throws(SombraError) in
            var keys: [[UInt8]] = []
            var scan = t.properties.scan(.prefix(GraphKeys.labelPrefix(index)), in: pageTx)
            while let (pk, _) = try scan.next() { keys.append(pk) }
            for pk in keys { _ = try t.properties.remove(pk, in: pageTx) }
            _ = try t.catalog.remove(GraphKeys.indexDeclaration(l, k), in: pageTx)
            indexesByLabel[l]?.removeAll { $0.index == index }
            if indexesByLabel[l]?.isEmpty == true { indexesByLabel[l] = nil }
        }
    }
}
