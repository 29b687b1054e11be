// ExportsGraph: nodes, edges, their labels and properties, and property indexes.
// Layer: SombraCABI. Mutations run through `withWriter` (a read transaction gives
// SOMBRA_WRITE_IN_READ_TXN); reads through `withTransaction`. Arguments are decoded and validated before
// the transaction lock is taken.
import Sombra

// MARK: Nodes

@c public func sombra_create_node(_ txn: UInt64, _ labels: UnsafePointer<UnsafePointer<CChar>?>?,
                                  _ labelLens: UnsafePointer<UInt>?, _ labelCount: UInt, _ properties: UInt64,
                                  _ outNode: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outNode, "out_node")
        let names = try unsafe inputNames(labels, labelLens, labelCount, "label")
        let props = try propertiesArgument(properties)
        unsafe o.pointee = try withWriter(txn) { try $0.createNode(labels: names, properties: props).rawValue }
    }
}

@c public func sombra_delete_node(_ txn: UInt64, _ node: UInt64) -> Int32 {
    run { try withWriter(txn) { try $0.deleteNode(NodeID(node)) } }
}

@c public func sombra_get_node(_ txn: UInt64, _ node: UInt64, _ outLabels: UnsafeMutablePointer<UInt64>?,
                               _ outProperties: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let n = try withTransaction(txn) { tx throws -> Node in
            guard let n = try tx.node(NodeID(node)) else { throw SombraError.nodeNotFound(node) }
            return n
        }
        var labels: UInt64 = 0
        if unsafe outLabels != nil { labels = try newValue(.list(n.labels.map { .string($0) }), fromEngine: true) }
        if let p = unsafe outProperties {
            do {
                unsafe p.pointee = try newValue(.map(n.properties), fromEngine: true)
            } catch {
                if labels != 0 { _ = try? values.remove(labels) }
                throw error
            }
        }
        unsafe store(outLabels, labels)
    }
}

@c public func sombra_node_exists(_ txn: UInt64, _ node: UInt64, _ outExists: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let o = try unsafe out(outExists, "out_exists")
        unsafe o.pointee = try withTransaction(txn) { try $0.nodeExists(NodeID(node)) } ? 1 : 0
    }
}

@c public func sombra_add_label(_ txn: UInt64, _ node: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt) -> Int32 {
    run {
        let l = try unsafe inputName(label, labelLen, "label")
        try withWriter(txn) { try $0.addLabel(l, to: NodeID(node)) }
    }
}

@c public func sombra_remove_label(_ txn: UInt64, _ node: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                   _ outRemoved: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let l = try unsafe inputName(label, labelLen, "label")
        let removed = try withWriter(txn) { try $0.removeLabel(l, from: NodeID(node)) }
        unsafe store(outRemoved, removed ? 1 : 0)
    }
}

@c public func sombra_set_node_property(_ txn: UInt64, _ node: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt,
                                        _ value: UInt64) -> Int32 {
    run {
        let k = try unsafe inputName(key, keyLen, "property key")
        let v = try valueOf(value)
        try withWriter(txn) { try $0.setProperty(k, to: v, on: NodeID(node)) }
    }
}

@c public func sombra_get_node_property(_ txn: UInt64, _ node: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt,
                                        _ outValue: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outValue, "out_value")
        let k = try unsafe inputName(key, keyLen, "property key")
        let v = try withTransaction(txn) { tx throws -> Value? in
            guard try tx.nodeExists(NodeID(node)) else { throw SombraError.nodeNotFound(node) }
            return try tx.property(k, of: NodeID(node))
        }
        unsafe o.pointee = try v.map { try newValue($0, fromEngine: true) } ?? 0
    }
}

@c public func sombra_remove_node_property(_ txn: UInt64, _ node: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt,
                                           _ outRemoved: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let k = try unsafe inputName(key, keyLen, "property key")
        let old = try withWriter(txn) { try $0.removeProperty(k, from: NodeID(node)) }
        unsafe store(outRemoved, old == nil ? 0 : 1)
    }
}

// MARK: Edges

@c public func sombra_create_edge(_ txn: UInt64, _ source: UInt64, _ target: UInt64, _ type: UnsafePointer<CChar>?,
                                  _ typeLen: UInt, _ properties: UInt64, _ outEdge: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outEdge, "out_edge")
        let t = try unsafe inputName(type, typeLen, "edge type")
        let props = try propertiesArgument(properties)
        unsafe o.pointee = try withWriter(txn) {
            try $0.createEdge(from: NodeID(source), to: NodeID(target), type: t, properties: props).rawValue
        }
    }
}

@c public func sombra_delete_edge(_ txn: UInt64, _ edge: UInt64) -> Int32 {
    run { try withWriter(txn) { try $0.deleteEdge(EdgeID(edge)) } }
}

@c public func sombra_get_edge(_ txn: UInt64, _ edge: UInt64, _ outSource: UnsafeMutablePointer<UInt64>?,
                               _ outTarget: UnsafeMutablePointer<UInt64>?,
                               _ outType: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                               _ outTypeLen: UnsafeMutablePointer<UInt>?, _ outProperties: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let e = try withTransaction(txn) { tx throws -> Edge in
            guard let e = try tx.edge(EdgeID(edge)) else { throw SombraError.edgeNotFound(edge) }
            return e
        }
        var props: UInt64 = 0
        if unsafe outProperties != nil { props = try newValue(.map(e.properties), fromEngine: true) }
        if let pt = unsafe outType {
            do {
                let (s, n) = try unsafe issueString(e.type)
                unsafe pt.pointee = s
                unsafe store(outTypeLen, UInt(n))
            } catch {
                if props != 0 { _ = try? values.remove(props) }
                throw error
            }
        }
        unsafe store(outProperties, props)
        unsafe store(outSource, e.source.rawValue)
        unsafe store(outTarget, e.target.rawValue)
    }
}

@c public func sombra_edge_exists(_ txn: UInt64, _ edge: UInt64, _ outExists: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let o = try unsafe out(outExists, "out_exists")
        unsafe o.pointee = try withTransaction(txn) { try $0.edgeExists(EdgeID(edge)) } ? 1 : 0
    }
}

@c public func sombra_set_edge_property(_ txn: UInt64, _ edge: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt,
                                        _ value: UInt64) -> Int32 {
    run {
        let k = try unsafe inputName(key, keyLen, "property key")
        let v = try valueOf(value)
        try withWriter(txn) { try $0.setProperty(k, to: v, on: EdgeID(edge)) }
    }
}

@c public func sombra_get_edge_property(_ txn: UInt64, _ edge: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt,
                                        _ outValue: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outValue, "out_value")
        let k = try unsafe inputName(key, keyLen, "property key")
        let v = try withTransaction(txn) { tx throws -> Value? in
            guard try tx.edgeExists(EdgeID(edge)) else { throw SombraError.edgeNotFound(edge) }
            return try tx.property(k, of: EdgeID(edge))
        }
        unsafe o.pointee = try v.map { try newValue($0, fromEngine: true) } ?? 0
    }
}

@c public func sombra_remove_edge_property(_ txn: UInt64, _ edge: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt,
                                           _ outRemoved: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let k = try unsafe inputName(key, keyLen, "property key")
        let old = try withWriter(txn) { try $0.removeProperty(k, from: EdgeID(edge)) }
        unsafe store(outRemoved, old == nil ? 0 : 1)
    }
}

// MARK: Indexes

@c public func sombra_create_index(_ txn: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                   _ key: UnsafePointer<CChar>?, _ keyLen: UInt) -> Int32 {
    run {
        let l = try unsafe inputName(label, labelLen, "label")
        let k = try unsafe inputName(key, keyLen, "property key")
        try withWriter(txn) { try $0.createIndex(label: l, key: k) }
    }
}

@c public func sombra_drop_index(_ txn: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                 _ key: UnsafePointer<CChar>?, _ keyLen: UInt) -> Int32 {
    run {
        let l = try unsafe inputName(label, labelLen, "label")
        let k = try unsafe inputName(key, keyLen, "property key")
        try withWriter(txn) { try $0.dropIndex(label: l, key: k) }
    }
}

@c public func sombra_has_index(_ txn: UInt64, _ label: UnsafePointer<CChar>?, _ labelLen: UInt,
                                _ key: UnsafePointer<CChar>?, _ keyLen: UInt, _ outExists: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let o = try unsafe out(outExists, "out_exists")
        let l = try unsafe inputName(label, labelLen, "label")
        let k = try unsafe inputName(key, keyLen, "property key")
        unsafe o.pointee = try withTransaction(txn) { try $0.hasIndex(label: l, key: k) } ? 1 : 0
    }
}

@c public func sombra_list_indexes(_ txn: UInt64, _ outList: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let o = try unsafe out(outList, "out_list")
        let list: [Value] = try withTransaction(txn) { tx in
            try tx.indexes().map { Value.map(["label": .string($0.label), "key": .string($0.key)]) }
        }
        unsafe o.pointee = try newValue(.list(list))
    }
}
