// CrashImage: the states a SimulatedFileSystem's disk could be in after power loss (or a process crash),
// each built as a NEW SimulatedFileSystem in which everything is durable, with no fault plan, no capacity
// limit, zeroed counters and no open handles. Test support only (reliability guide, rows C1-C3, C6, C7).
//
// Units of pending state: a FILE unit is a file (inode) with pending operations that some image can name (its
// entry is durable, or a pending creation names it); a DIRECTORY unit is a directory with pending entry
// changes (creations, removals). Unit order: directories by name, then files by path.
//
// Invariants:
//  1. `durableImage()`: durable entries only, each with its durable bytes (every pending thing dropped).
//  2. `snapshotAllApplied()`: live entries with live bytes (a process crash: the kernel keeps everything).
//  3. `imagesWithPendingPrefixes()`: a unit with n pending operations has n+1 choices, "its first k applied"
//     for k in 0...n. If the product of the choices is <= `maxCrossProductImages` (default 64), every
//     combination is returned (product images, last unit varying fastest; the first is all zeros =
//     durable-only, the last applies everything). Otherwise 1 + sum(n) images: the durable-only image, then for each unit in order, for k
//     in 1...n, that unit at k and every other unit at 0. No unit: one image (durable-only).
//  4. `imageWithRandomSubset(seed:)`: every pending entry change is kept or dropped (1/2 each); every pending
//     truncate is kept or dropped (1/2 each); every pending write is kept, dropped or torn (1/3 each), torn
//     meaning only its bytes before a sector boundary strictly inside it (chosen uniformly) are applied; a
//     write with no boundary inside it is kept or dropped (1/2 each). Survivors apply in their original
//     order. Random draws follow unit order, so one seed always gives the same image for the same history.
//  5. A file unit's choice only shows in images whose entries name that file.
import SombraFormat

extension SimulatedFileSystem {
    /// Power loss with nothing unsynced surviving.
    public func durableImage() -> SimulatedFileSystem {
        state.withLock { s in
            Self.image(of: s, entries: s.durableEntries, label: "durable only") { s.inodes[$0]?.durable ?? [] }
        }
    }

    /// A process crash without power loss: every pending operation and entry change survives.
    public func snapshotAllApplied() -> SimulatedFileSystem {
        state.withLock { s in
            Self.image(of: s, entries: s.liveEntries, label: "all applied") { s.inodes[$0]?.live ?? [] }
        }
    }

    /// Every prefix of every unit's pending operations (see invariant 3 for the count).
    public func imagesWithPendingPrefixes(maxCrossProductImages: Int = 64) -> [SimulatedFileSystem] {
        state.withLock { s in
            let units = Self.pendingUnits(of: s)
            let sizes = units.map { $0.pendingCount(in: s) }
            var product = 1
            for n in sizes {
                let (next, overflow) = product.multipliedReportingOverflow(by: n + 1)
                product = overflow ? Int.max : next
            }
            var choiceSets: [[Int]] = []
            if product <= maxCrossProductImages {
                var choice = [Int](repeating: 0, count: units.count)
                for _ in 0..<product {
                    choiceSets.append(choice)
                    for i in stride(from: units.count - 1, through: 0, by: -1) {
                        if choice[i] < sizes[i] { choice[i] += 1; break }
                        choice[i] = 0
                    }
                }
            } else {
                choiceSets.append([Int](repeating: 0, count: units.count))
                for (i, n) in sizes.enumerated() where n > 0 {
                    for k in 1...n {
                        var choice = [Int](repeating: 0, count: units.count)
                        choice[i] = k
                        choiceSets.append(choice)
                    }
                }
            }
            return choiceSets.map { Self.prefixImage(of: s, units: units, choice: $0) }
        }
    }

    /// Pending operations kept, dropped or torn at random (invariant 4), deterministic for `seed`.
    public func imageWithRandomSubset(seed: UInt64, sectorBytes: Int = 512) -> SimulatedFileSystem {
        let sector = max(1, sectorBytes)
        return state.withLock { s in
            var random = SeededRandom(seed: seed)
            var entries = s.durableEntries
            var contents: [Int: [UInt8]] = [:]
            var notes: [String] = []
            for unit in Self.pendingUnits(of: s) {
                switch unit {
                case .directory(let name, let ops):
                    var kept = 0
                    for op in ops where random.below(2) == 0 {
                        op.apply(to: &entries)
                        kept += 1
                    }
                    notes.append("dir \(name) kept \(kept)/\(ops.count)")
                case .file(let inode, let name):
                    guard let node = s.inodes[inode] else { continue }
                    var bytes = node.durable
                    var tally = (kept: 0, torn: 0)
                    for op in node.pending {
                        guard let survivor = Self.randomSurvivor(of: op, sector: sector, random: &random)
                        else { continue }
                        survivor.apply(to: &bytes)
                        if survivor == op { tally.kept += 1 } else { tally.torn += 1 }
                    }
                    contents[inode] = bytes
                    notes.append("\(name) kept \(tally.kept) torn \(tally.torn) of \(node.pending.count)")
                }
            }
            let label = "random subset seed \(seed): " + notes.joined(separator: ", ")
            return Self.image(of: s, entries: entries, label: label) { contents[$0] ?? s.inodes[$0]?.durable ?? [] }
        }
    }

    /// Durable state, except that `path` also gets its first `pendingIndex` pending operations and then only
    /// the first `keepBytes` bytes of the write at `pendingIndex`. Nil if that pending operation is not a write.
    public func imageWithTornWrite(path: String, pendingIndex: Int, keepBytes: Int) -> SimulatedFileSystem? {
        state.withLock { s in
            guard let inode = s.liveEntries[path] ?? s.durableEntries[path], let node = s.inodes[inode],
                  pendingIndex >= 0, pendingIndex < node.pending.count,
                  case .write(let offset, let bytes) = node.pending[pendingIndex] else { return nil }
            var torn = node.durable
            for op in node.pending[..<pendingIndex] { op.apply(to: &torn) }
            PendingOperation.write(offset: offset, bytes: Array(bytes.prefix(max(0, keepBytes)))).apply(to: &torn)
            let kept = min(max(0, keepBytes), bytes.count)
            let label = "torn write: \(path) pending #\(pendingIndex) kept \(kept)/\(bytes.count) bytes"
            return Self.image(of: s, entries: s.durableEntries, label: label) {
                $0 == inode ? torn : s.inodes[$0]?.durable ?? []
            }
        }
    }

    // MARK: Building images

    enum PendingUnit {
        case directory(name: String, ops: [EntryOperation])
        case file(inode: Int, name: String)

        func pendingCount(in s: SimulatedState) -> Int {
            switch self {
            case .directory(_, let ops): return ops.count
            case .file(let inode, _): return s.inodes[inode]?.pending.count ?? 0
            }
        }
    }

    static func pendingUnits(of s: SimulatedState) -> [PendingUnit] {
        var units: [PendingUnit] = s.pendingEntries.keys.sorted().compactMap { name in
            guard let ops = s.pendingEntries[name], !ops.isEmpty else { return nil }
            return .directory(name: name, ops: ops)
        }
        var named: [Int: String] = [:]
        for (path, inode) in s.durableEntries { named[inode] = min(named[inode] ?? path, path) }
        for ops in s.pendingEntries.values {
            for op in ops {
                switch op {
                case .create(let path, let inode), .rename(_, let path, let inode): named[inode] = min(named[inode] ?? path, path)
                case .remove: break
                }
            }
        }
        let files = named.filter { s.inodes[$0.key]?.pending.isEmpty == false }
            .sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        units += files.map { PendingUnit.file(inode: $0.key, name: $0.value) }
        return units
    }

    static func prefixImage(of s: SimulatedState, units: [PendingUnit], choice: [Int]) -> SimulatedFileSystem {
        var entries = s.durableEntries
        var contents: [Int: [UInt8]] = [:]
        var notes: [String] = []
        for (unit, k) in zip(units, choice) {
            switch unit {
            case .directory(let name, let ops):
                for op in ops.prefix(k) { op.apply(to: &entries) }
                notes.append("dir \(name) \(k)/\(ops.count)")
            case .file(let inode, let name):
                guard let node = s.inodes[inode] else { continue }
                var bytes = node.durable
                for op in node.pending.prefix(k) { op.apply(to: &bytes) }
                contents[inode] = bytes
                notes.append("\(name) \(k)/\(node.pending.count)")
            }
        }
        let label = "pending prefixes: " + (notes.isEmpty ? "none" : notes.joined(separator: ", "))
        return image(of: s, entries: entries, label: label) { contents[$0] ?? s.inodes[$0]?.durable ?? [] }
    }

    /// What survives of one pending operation in a random-subset image (nil: dropped).
    static func randomSurvivor(of op: PendingOperation, sector: Int,
                               random: inout SeededRandom) -> PendingOperation? {
        switch op {
        case .truncate:
            return random.below(2) == 0 ? op : nil
        case .write(let offset, let bytes):
            let end = offset + bytes.count
            let firstBoundary = (offset / sector + 1) * sector
            guard firstBoundary < end else { return random.below(2) == 0 ? op : nil }
            switch random.below(3) {
            case 0: return op
            case 1: return nil
            default:
                let boundaries = (end - 1 - firstBoundary) / sector + 1
                let cut = firstBoundary + random.below(boundaries) * sector
                return .write(offset: offset, bytes: Array(bytes[..<(cut - offset)]))
            }
        }
    }

    /// A new file system whose files are `entries`, each holding `contents(inode)`, all durable.
    static func image(of s: SimulatedState, entries: [String: Int], label: String,
                      contents: (Int) -> [UInt8]) -> SimulatedFileSystem {
        var fresh = SimulatedState()
        fresh.directories = s.directories
        for (path, inode) in entries.sorted(by: { $0.key < $1.key }) {
            let id = fresh.newInode(contents(inode))
            fresh.liveEntries[path] = id
            fresh.durableEntries[path] = id
        }
        return SimulatedFileSystem(state: fresh, label: label)
    }
}
