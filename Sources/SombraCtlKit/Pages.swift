// `sombractl pages DB`: pages by kind with their counts and fill, the free list, and each tree's figures
// (root, depth, cells (JSON "entries"; adjacency chunks in the adjacency trees), leaf/interior/overflow
// pages, leaf fill); `--list` adds one line per page.
// Read-only.
import ArgumentParser
import Foundation
import Sombra

struct Pages: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count pages by kind with their fill, the free list and each tree (read-only).")

    @Argument(help: "The database file.")
    var database: String

    @Flag(name: .long, help: "List every page with its kind, owner and fill.")
    var list = false

    @OptionGroup var output: FormatOption

    func run() throws {
        try Database.reading(database) { db in
            let c = try db.pageCensus(listPages: list)
            let kindOrder = ["leaf", "interior", "overflow", "free"]
            if output.isJSON {
                var o = JSONObject()
                o.set("database", database)
                o.set("page_size", c.pageSize)
                o.set("page_count", c.pageCount)
                var kinds: [(String, JSON)] = [("header", .object([("pages", .int(1))]))]
                for k in kindOrder {
                    let f = c.kinds[k] ?? .init()
                    var e = JSONObject()
                    e.set("pages", f.pages)
                    e.set("used_bytes", f.usedBytes)
                    e.set("usable_bytes", f.usableBytes)
                    e.set("fill", f.usableBytes > 0 ? Double(f.usedBytes) / Double(f.usableBytes) : 0)
                    kinds.append((k, e.json))
                }
                o.set("kinds", .object(kinds))
                o.set("damaged_pages", .array(c.damagedPages.map { .uint($0) }))
                o.set("free_list_length", c.freeListLength)
                o.set("header_free_page_count", c.headerFreePageCount)
                o.set("trees", .array(c.trees.map { t in
                    var e = JSONObject()
                    e.set("name", t.name); e.set("root", t.root); e.set("depth", t.depth); e.set("entries", t.entries)
                    e.set("leaf_pages", t.leafPages); e.set("interior_pages", t.interiorPages)
                    e.set("overflow_pages", t.overflowPages); e.set("leaf_fill", t.leafFill)
                    return e.json
                }))
                if list {
                    o.set("pages", .array(c.perPage.map { p in
                        var e = JSONObject()
                        e.set("page", p.page); e.set("kind", p.kind)
                        e.set("owner", p.owner.map { JSON.string($0) } ?? .null)
                        e.set("fill", p.fill.map { JSON.double($0) } ?? .null)
                        return e.json
                    }))
                }
                emit(o.json)
                return
            }
            console.out("pages: \(c.pageCount) of \(c.pageSize) bytes")
            console.out("\(pad("kind", 10)) \(padLeft("pages", 9)) \(padLeft("fill", 8))")
            console.out("\(pad("header", 10)) \(padLeft("1", 9))")
            for k in kindOrder {
                let f = c.kinds[k] ?? .init()
                let fill = f.usableBytes > 0 ? percent(f.usedBytes, f.usableBytes) : ""
                console.out("\(pad(k, 10)) \(padLeft(String(f.pages), 9)) \(padLeft(fill, 8))")
            }
            console.out("\(pad("damaged", 10)) \(padLeft(String(c.damagedPages.count), 9))")
            console.out("free list: \(c.freeListLength) pages (the header counts \(c.headerFreePageCount))")
            if !c.damagedPages.isEmpty {
                console.out("damaged pages: \(c.damagedPages.prefix(50).map(String.init).joined(separator: " "))\(c.damagedPages.count > 50 ? " …" : "")")
            }
            console.out("")
            console.out("\(pad("tree", 11)) \(padLeft("root", 7)) \(padLeft("depth", 5)) \(padLeft("cells", 9)) \(padLeft("leaves", 7)) \(padLeft("interior", 8)) \(padLeft("overflow", 8)) \(padLeft("leaf fill", 9))")
            for t in c.trees {
                console.out("\(pad(t.name, 11)) \(padLeft(String(t.root), 7)) \(padLeft(String(t.depth), 5)) \(padLeft(String(t.entries), 9)) \(padLeft(String(t.leafPages), 7)) \(padLeft(String(t.interiorPages), 8)) \(padLeft(String(t.overflowPages), 8)) \(padLeft(String(format: "%.1f%%", t.leafFill * 100), 9))")
            }
            console.out("(cells: one per record or index entry; in out-edges and in-edges one per adjacency chunk, which holds a run of a node's edges)")
            if list {
                console.out("")
                for p in c.perPage {
                    let fill = p.fill.map { String(format: "%.1f%%", $0 * 100) } ?? ""
                    console.out("\(padLeft(String(p.page), 8)) \(pad(p.kind, 9)) \(pad(p.owner ?? "-", 11)) \(fill)")
                }
            }
        }
    }
}
