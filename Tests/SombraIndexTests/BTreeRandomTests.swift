// Randomized differential test: the B+tree against SortedModel, with commits and rollbacks.
import Testing
@testable import SombraIndex
import SombraFormat
import SombraStorage
import SombraTestSupport

/// Drives random operations against a tree and the model and counts every disagreement.
final class RandomDriver {
    let seed: UInt64
    var random: SeededRandom
    let store: any TransactionalPageStore
    var tree: BTree
    var model = SortedModel()
    let maxKey: Int
    var mismatches = 0
    var messages: [String] = []
    var operations = 0
    var transactions = 0
    var keyTarget = 2500
    var keysMax = 0
    var depthMax = 0

    init(seed: UInt64, pageSize: Int, store: (any TransactionalPageStore)? = nil) throws {
        self.seed = seed
        random = SeededRandom(seed: seed)
        let store = try store ?? MemoryPageStore(pageSize: pageSize)
        self.store = store
        tree = try store.createTree()
        maxKey = BTree.maxKeyBytes(pageSize: pageSize)
    }

    func mismatch(_ message: @autoclosure () -> String) {
        mismatches += 1
        if messages.count < 10 { messages.append("op \(operations): \(message())") }
    }

    func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { mismatch(message()) }
    }

    // MARK: Inputs

    func newKey() -> [UInt8] {
        let roll = random.below(100)
        let length = roll < 70 ? 1 + random.below(16)
            : roll < 90 ? 17 + random.below(184)
            : roll < 97 ? 201 + random.below(700)
            : maxKey - random.below(10)
        var key = random.randomBytes(length)
        key[0] = UInt8(random.below(6))             // a small alphabet up front makes prefixes meaningful
        if length > 1 { key[1] = UInt8(random.below(4)) }
        if length > 16, random.chance(60) {
            // Long shared prefixes make long separators: fat interior cells, deeper trees, interior splits.
            for i in 2..<(length - 8) { key[i] = key[0] }
        }
        return key
    }

    func anyKey() -> [UInt8] {
        if model.count > 0, random.chance(60) { return model.keys[random.below(model.count)] }
        return newKey()
    }

    func newValue(for key: [UInt8]) -> [UInt8] {
        let roll = random.below(1000)
        let inline = BTree.maxInlineValueBytes(keyBytes: key.count, pageSize: store.pageSize)
        let size = roll < 600 ? random.below(65)
            : roll < 800 ? 65 + random.below(836)
            : roll < 880 ? max(0, inline - 2 + random.below(5))
            : roll < 990 ? 1000 + random.below(19_000)
            : 20_000 + random.below(100_000)
        return random.chance(50) && size > 64 ? random.compressibleBytes(size) : random.randomBytes(size)
    }

    func bound() -> KeyBound {
        switch random.below(3) {
        case 0: return .unbounded
        case 1: return .included(anyKey())
        default: return .excluded(anyKey())
        }
    }

    // MARK: Operations

    func step() throws {
        operations += 1
        if model.count > keyTarget, random.chance(40) {
            return try remove(model.keys[random.below(model.count)])
        }
        let roll = random.below(100)
        switch roll {
        case 0..<30: try put()
        case 30..<33: try insertOrUpdate()
        case 33..<45: try remove(anyKey())
        case 45..<68: try get()
        case 68..<80: try rangeScan()
        case 80..<86: try prefixScan()
        case 86..<93: try count()
        case 93..<99: try cursorWalk()
        default:
            if random.chance(1) { try removeRange() } else { try put() }
        }
    }

    func put() throws {
        let key = anyKey()
        let value = newValue(for: key)
        try tree.put(key, value, in: store.writer)
        model.put(key, value)
    }

    func insertOrUpdate() throws {
        let key = anyKey()
        let value = newValue(for: key)
        let existed = model[key] != nil
        if random.chance(50) {
            check(try tree.insert(key, value, in: store.writer) == !existed, "insert result for existing=\(existed)")
            if !existed { model.put(key, value) }
        } else {
            check(try tree.update(key, value, in: store.writer) == existed, "update result for existing=\(existed)")
            if existed { model.put(key, value) }
        }
    }

    func remove(_ key: [UInt8]) throws {
        let expected = model.remove(key)
        check(try tree.remove(key, in: store.writer) == expected, "remove returned \(!expected), model \(expected)")
    }

    func get() throws {
        let key = anyKey()
        let value = try tree.get(key, in: store.writer)
        check(sameBytes(value, model[key]), "get of \(key.count)-byte key: \(value?.count ?? -1) bytes, model \(model[key]?.count ?? -1)")
        check(try tree.contains(key, in: store.writer) == (model[key] != nil), "contains disagrees")
    }

    func rangeScan() throws {
        let range = KeyRange(lower: bound(), upper: bound())
        let reverse = random.chance(50)
        let expected = model.indices(range)
        let limit = 25
        let wanted = reverse ? Array(expected.reversed().prefix(limit)) : Array(expected.prefix(limit))
        var scan = tree.scan(range, reverse: reverse, in: store.writer)
        var got = 0
        while got < wanted.count, let entry = try scan.next() {
            let key = model.keys[wanted[got]]
            check(entry.key == key && sameBytes(entry.value, model[key]), "scan entry \(got) (reverse \(reverse)) differs")
            got += 1
        }
        if got == wanted.count, wanted.count < limit {
            check(try scan.next() == nil, "scan (reverse \(reverse)) yields more than the \(wanted.count) model entries")
        }
        check(got == wanted.count, "scan (reverse \(reverse)) yields \(got) entries, model \(wanted.count)")
    }

    func prefixScan() throws {
        var prefix = model.count > 0 && random.chance(50)
            ? Array(model.keys[random.below(model.count)].prefix(1 + random.below(3)))
            : [UInt8(random.below(6))]
        if random.chance(5) { prefix = [0xFF] }
        let range = KeyRange.prefix(prefix)
        let expected = model.indices(range).map { model.keys[$0] }
        let reverse = random.chance(30)
        let got = try keys(tree, range, reverse: reverse, in: store.writer)
        check(got == (reverse ? expected.reversed() : expected), "prefix scan of \(prefix) differs")
        check(expected.allSatisfy { $0.starts(with: prefix) }, "model prefix range wrong")
    }

    func count() throws {
        let range = KeyRange(lower: bound(), upper: bound())
        let got = try tree.count(range, in: store.writer)
        check(got == model.indices(range).count, "count \(got), model \(model.indices(range).count)")
    }

    /// Steps a cursor while the tree changes under it; each step must land on the model's neighbour.
    func cursorWalk() throws {
        let cursor = BTreeCursor(tree: tree, reader: store.writer)
        let start = anyKey()
        try cursor.seek(start)
        let first = model.indices(KeyRange.from(start)).first.map { model.keys[$0] }
        check(cursor.isValid ? cursor.key == first : first == nil, "seek lands on the wrong key")
        for _ in 0..<10 {
            guard cursor.isValid else { break }
            let last = cursor.key
            if random.chance(30) {
                random.chance(50) ? try put() : try remove(anyKey())
            }
            if random.chance(20) {
                let value = model[last]
                switch Result(catching: { () throws(SombraError) in try cursor.value() }) {
                case .success(let got): check(sameBytes(got, value), "cursor value differs")
                case .failure(.invalidArgument): check(value == nil, "cursor value reported removed, model has it")
                case .failure(let error): throw error
                }
            }
            let forward = random.chance(60)
            try forward ? cursor.next() : cursor.previous()
            let expected = forward ? model.successor(of: last) : model.predecessor(of: last)
            check(cursor.isValid ? cursor.key == expected : expected == nil,
                  "cursor \(forward ? "next" : "previous") lands on the wrong key")
        }
        let edge = random.chance(50)
        try edge ? cursor.seekFirst() : cursor.seekLast()
        let expected = edge ? model.keys.first : model.keys.last
        check(cursor.isValid ? cursor.key == expected : expected == nil, "seekFirst/seekLast wrong")
        let target = anyKey()
        try cursor.seekLastBeforeOrAt(target)
        let atOrBefore = model[target] != nil ? target : model.predecessor(of: target)
        check(cursor.isValid ? cursor.key == atOrBefore : atOrBefore == nil, "seekLastBeforeOrAt wrong")
    }

    /// Removes every key of a random range (long runs of deletes exercise merges up to the root).
    func removeRange() throws {
        let range = random.chance(5) ? KeyRange.all : KeyRange(lower: bound(), upper: bound())
        for index in model.indices(range).reversed() {
            let key = model.keys[index]
            check(try tree.remove(key, in: store.writer), "range remove of a present key returned false")
            model.remove(key)
        }
    }

    // MARK: Transactions

    func transaction(operationCount: Int, commit: Bool) throws {
        try store.begin()
        let saved = model
        for _ in 0..<operationCount { try step() }
        if commit {
            try store.commit()
        } else {
            try store.rollback()
            model = saved
        }
        transactions += 1
        try checkAgainstModel()
    }

    /// Verify is clean, the entry count matches the model and every page is the tree's or free.
    func checkAgainstModel() throws {
        let reader = try store.reader()
        let report = tree.verify(in: reader)
        keysMax = max(keysMax, report.entryCount)
        depthMax = max(depthMax, report.depth)
        check(report.isClean, "verify after transaction \(transactions): \(report.findings.prefix(3))")
        check(report.entryCount == model.count, "tree has \(report.entryCount) entries, model \(model.count)")
        let live = try store.livePages()
        check(report.pagesUsed.count == live, "tree uses \(report.pagesUsed.count) pages, store has \(live) live (leak)")
    }

    /// Every entry of the tree equals the model (a full scan).
    func compareAll() throws {
        let entries = try allEntries(tree, in: try store.reader())
        check(entries.count == model.count, "tree has \(entries.count) entries, model \(model.count)")
        for (i, (k, v)) in entries.enumerated() where i < model.count {
            check(k == model.keys[i] && sameBytes(v, model[k]), "entry \(i) differs")
        }
    }
}

@Suite("B+tree randomized against a model")
struct BTreeRandomTests {
    @Test("200,000 random operations with commits and rollbacks match a sorted map; verify is clean after each transaction")
    func randomAgainstModel() throws {
        let driver = try RandomDriver(seed: 1, pageSize: 4096)
        while driver.operations < 200_000 {
            try driver.transaction(operationCount: 1 + driver.random.below(300), commit: driver.random.chance(80))
        }
        let report = driver.tree.verify(in: try driver.store.reader(), checkValues: true)
        driver.check(report.isClean, "final verify with values: \(report.findings.prefix(3))")
        print("btree-random: ops: \(driver.operations) txns: \(driver.transactions) mismatches: \(driver.mismatches) seed: \(driver.seed) keys-max: \(driver.keysMax) depth-max: \(driver.depthMax)")
        #expect(driver.mismatches == 0, "seed \(driver.seed): \(driver.messages)")
    }

    @Test("random operations on 8 KiB and 64 KiB pages match the model too")
    func otherPageSizes() throws {
        for (seed, pageSize) in [(UInt64(2), 8192), (UInt64(3), 65536)] {
            let driver = try RandomDriver(seed: seed, pageSize: pageSize)
            driver.keyTarget = 800
            while driver.operations < 15_000 {
                try driver.transaction(operationCount: 1 + driver.random.below(200), commit: driver.random.chance(80))
            }
            print("btree-random-pagesize: page-size: \(pageSize) ops: \(driver.operations) txns: \(driver.transactions) mismatches: \(driver.mismatches) seed: \(seed)")
            #expect(driver.mismatches == 0, "seed \(seed) page size \(pageSize): \(driver.messages)")
        }
    }
}

@Suite("B+tree on the real pager")
struct BTreeOnPagerTests {
    @Test("200,000 random operations on the pager with commits, rollbacks, reopens and crash images match the model")
    func randomOnPager() throws {
        let store = try PagerPageStore(pageSize: 4096)
        let driver = try RandomDriver(seed: 21, pageSize: 4096, store: store)
        driver.keyTarget = 1500
        var reopens = 0, crashes = 0
        while driver.operations < 200_000 {
            try driver.transaction(operationCount: 1 + driver.random.below(400), commit: driver.random.chance(85))
            if driver.random.chance(4) {
                try store.reopen()
                reopens += 1
            } else if driver.random.chance(4) {
                try store.crashAndRecover()
                crashes += 1
            } else {
                continue
            }
            driver.tree = store.registeredTree
            try driver.compareAll()
            try driver.checkAgainstModel()
        }
        print("btree-pager-random: ops: \(driver.operations) txns: \(driver.transactions) reopens: \(reopens) crash-images: \(crashes) mismatches: \(driver.mismatches) seed: \(driver.seed)")
        #expect(reopens > 0 && crashes > 0)
        #expect(driver.mismatches == 0, "seed \(driver.seed): \(driver.messages)")
    }
}
