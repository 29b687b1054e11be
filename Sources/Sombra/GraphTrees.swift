// GraphTrees: the eight B+trees a graph lives in, registered by root in the file header's slots.
//
// Invariants:
//  1. Slots 0-7 hold the roots below once the graph is initialized; a root never moves (the B+tree keeps
//     its root page fixed), so the header changes only when trees are created.
//  2. A database whose slots are all empty is an empty graph (a read-only open of a fresh file).
import SombraFormat
import SombraIndex
import SombraStorage

enum TreeSlot: Int, CaseIterable {
    case catalog = 0, names, nodes, edges, outEdges, inEdges, labels, properties

    /// The number of slots (`allCases.count`, without building the array).
    static let count = 8

    var name: String {
        switch self {
        case .catalog: return "catalog"
        case .names: return "names"
        case .nodes: return "nodes"
        case .edges: return "edges"
        case .outEdges: return "out-edges"
        case .inEdges: return "in-edges"
        case .labels: return "labels"
        case .properties: return "properties"
        }
    }
}

struct GraphTrees {
    let catalog: BTree
    let names: BTree
    let nodes: BTree
    let edges: BTree
    let outEdges: BTree
    let inEdges: BTree
    let labels: BTree
    let properties: BTree

    /// The trees registered in `header`, or nil if the graph was never initialized.
    init?(header: FileHeader) {
        let r = header.roots
        guard r.count >= TreeSlot.count, !r.prefix(TreeSlot.count).contains(.none) else { return nil }
        catalog = BTree(root: r[TreeSlot.catalog.rawValue])
        names = BTree(root: r[TreeSlot.names.rawValue])
        nodes = BTree(root: r[TreeSlot.nodes.rawValue])
        edges = BTree(root: r[TreeSlot.edges.rawValue])
        outEdges = BTree(root: r[TreeSlot.outEdges.rawValue])
        inEdges = BTree(root: r[TreeSlot.inEdges.rawValue])
        labels = BTree(root: r[TreeSlot.labels.rawValue])
        properties = BTree(root: r[TreeSlot.properties.rawValue])
    }

    var all: [(TreeSlot, BTree)] {
        [(.catalog, catalog), (.names, names), (.nodes, nodes), (.edges, edges), (.outEdges, outEdges),
         (.inEdges, inEdges), (.labels, labels), (.properties, properties)]
    }

    /// Creates every tree in `w` and registers its root (a new database's first transaction).
    static func initialize(in w: PageWriteTransaction) throws(SombraError) -> GraphTrees? {
        for slot in TreeSlot.allCases where w.header.roots[slot.rawValue] == .none {
            let tree = try BTree.create(in: w)
            try w.setRoot(slot.rawValue, tree.root)
        }
        return GraphTrees(header: w.header)
    }
}
