// LeafClassifier: decides which graph tree a leaf page belongs to from its entries alone, for leaves no
// tree reaches any more (Docs/FORMAT.md, "Graph trees", gives the key layouts this relies on).
// Layer: graph facade (Sombra). Used by SalvageScan.
//
//   nodes    8-byte keys, values that decode as node records
//   edges    8-byte keys, values that decode as edge records
//   names    0x01|name -> 4-byte id;  0x02|id(4) -> UTF-8 name without NUL (names never hold NUL)
//   catalog  0x01|name -> 8-byte u64; 0x02|label(4) or 0x03|type(4) -> 8-byte u64; 0x04|l|k -> 4-byte id
// Label, adjacency and property-index leaves are `other`: salvage rebuilds those from the records.
//
// Invariants:
//  1. Only entries that decode as the chosen kind are returned; a page whose entries fit no kind, or fit
//     names and catalog both, is `other`.
//  2. Decoding never traps (records go through their validating decoders).
import SombraFormat

enum LeafContent {
    case nodes([(UInt64, NodeRecord)])
    case edges([(UInt64, EdgeRecord)])
    case names([(key: [UInt8], value: [UInt8])])
    case catalog([(key: [UInt8], value: [UInt8])])
    case other
}

enum LeafClassifier {
    static func classify(_ entries: [(key: [UInt8], value: [UInt8])]) -> LeafContent {
        guard !entries.isEmpty else { return .other }
        if entries.allSatisfy({ $0.key.count == 8 }) {
            var nodes: [(UInt64, NodeRecord)] = []
            var edges: [(UInt64, EdgeRecord)] = []
            for e in entries {
                let id = e.key.loadBE(UInt64.self, at: 0)
                guard id != 0 else { continue }
                if let r = try? NodeRecord.decode(e.value) { nodes.append((id, r)) }
                else if let r = try? EdgeRecord.decode(e.value) { edges.append((id, r)) }
            }
            if !nodes.isEmpty, nodes.count >= edges.count { return .nodes(nodes) }
            if !edges.isEmpty { return .edges(edges) }
        }
        var namesVotes = 0
        var catalogVotes = 0
        for e in entries {
            switch vote(e.key, e.value) {
            case .names: namesVotes += 1
            case .catalog: catalogVotes += 1
            case .either: break
            case .neither: return .other
            }
        }
        if namesVotes > 0, catalogVotes == 0 { return .names(entries) }
        if catalogVotes > 0, namesVotes == 0 { return .catalog(entries) }
        return .other
    }

    enum Vote { case names, catalog, either, neither }

    static func vote(_ key: [UInt8], _ value: [UInt8]) -> Vote {
        guard let tag = key.first else { return .neither }
        switch tag {
        case 0x01:
            if value.count == 4 { return .names }
            if value.count == 8 { return .catalog }
            return .neither
        case 0x02 where key.count == 5:
            let isName = !value.isEmpty && !value.contains(0) && String(validating: value, as: UTF8.self) != nil
            if value.count == 8 { return isName ? .either : .catalog }
            return isName ? .names : .neither
        case 0x03 where key.count == 5:
            return value.count == 8 ? .catalog : .neither
        case 0x04 where key.count == 9:
            return value.count == 4 ? .catalog : .neither
        default:
            return .neither
        }
    }
}
