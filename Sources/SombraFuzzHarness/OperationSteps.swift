// OperationSteps: how OperationRun decodes its input: one opcode byte per step, then the step's arguments
// (ids, names, values, fault plans) from the following bytes. Layer: SombraFuzzHarness.
//
// Opcodes (byte % 26):
//   0-2 createNode   3 deleteNode   4-5 setProperty(node)   6 removeProperty(node)   7 addLabel
//   8 removeLabel    9-10 createEdge   11 deleteEdge   12 setProperty(edge)   13 removeProperty(edge)
//   14 createIndex   15 dropIndex   16-18 commit   19 rollback   20 reopen   21 checkpoint
//   22 arm a fault   23 power loss   24 compare reads with the model   25 nested calls in the writer
//
// Invariants:
//  1. Names come from a small vocabulary (so the names tree stays one page and the end-of-run leak check
//     can demand exactly the tree roots), plus names the facade must refuse (empty, NUL, too long).
//  2. The graph stays small (OperationRun.nodesMax, edgesMax): a create past the limit is skipped.
//  3. Values cover every kind, the index-refused doubles (NaN, -0.0), ±Inf, extreme integers, strings around
//     the 256-byte index prefix, overflow-sized bytes and nesting at and past the codec's cap.
import SombraFormat
import SombraTestSupport
import Sombra

extension OperationRun {
    static let labels = ["Person", "Post", "Tag", "Ünï", "L"]
    static let keys = ["name", "age", "score", "blob", "k"]
    static let types = ["KNOWS", "LIKES", "→", "T"]
    static let refusedNames = ["", "bad\u{0}name", String(repeating: "n", count: 999), String(repeating: "é", count: 513)]
    static let doubles: [Double] = [0.0, -0.0, 1.5, -2.25, .infinity, -.infinity, .nan, -.nan,
                                    .greatestFiniteMagnitude, .leastNonzeroMagnitude, -1e-300, .signalingNaN]

    func step(_ opcode: UInt8) {
        if FuzzHarness.trace, opcode % 26 >= 16 { note("step \(opcode % 26)") }
        switch opcode % 26 {
        case 0, 1, 2: createNode()
        case 3: deleteNode()
        case 4, 5: setNodeProperty()
        case 6: removeNodeProperty()
        case 7: addLabel()
        case 8: removeLabel()
        case 9, 10: createEdge()
        case 11: deleteEdge()
        case 12: setEdgeProperty()
        case 13: removeEdgeProperty()
        case 14: createIndex()
        case 15: dropIndex()
        case 16, 17, 18: commit()
        case 19: rollback()
        case 20: reopen()
        case 21: checkpoint()
        case 22: armFault()
        case 23: powerLoss()
        case 24: compareReads()
        default: nestedCalls()
        }
    }

    // MARK: Arguments

    func name(_ vocabulary: [String]) -> String {
        let b = Int(input.u8())
        return b >= 252 ? Self.refusedNames[b - 252] : vocabulary[b % vocabulary.count]
    }

    func pickNode() -> UInt64 { pick(pending.nodeIDs, next: pending.nextNodeID) }
    func pickEdge() -> UInt64 { pick(pending.edgeIDs, next: pending.nextEdgeID) }

    /// Mostly an existing id; sometimes 0, the next id, a later one or the largest.
    func pick(_ ids: [UInt64], next: UInt64) -> UInt64 {
        let b = Int(input.u8())
        if ids.isEmpty || b >= 240 { return [0, next, next + 5, UInt64.max][b % 4] }
        return ids[b % ids.count]
    }

    func value(depth: Int = 0) -> Value {
        switch input.u8() % 20 {
        case 0: return .null
        case 1: return .bool(input.u8() & 1 == 1)
        case 2, 3, 4: return .int(Int64(Int8(bitPattern: input.u8())))
        case 5: return .int([Int64.min, .max, 0, -1][input.below(4)])
        case 6, 7: return .double(Self.doubles[input.below(Self.doubles.count)])
        case 8: return .double(Double(bitPattern: input.u64()))
        case 9, 10:
            let alphabet = ["a", "b", "é", "\u{0}", "z", "ß"]
            return .string((0..<input.below(5)).map { _ in alphabet[input.below(alphabet.count)] }.joined())
        case 11:
            // Around the index's 256-byte key prefix: truncated keys, confirmed against the records.
            return .string(String(repeating: "x", count: 254 + input.below(5)) + ["", "a", "b"][input.below(3)])
        case 12: return .bytes(input.take(input.below(6)))
        case 13:
            // Overflow pages: 1000 to 13,000 bytes, compressible or not.
            let count = 1000 + input.below(12_000)
            var x = UInt64(input.u8()) | 1
            let noisy = input.u8() & 1 == 1
            return .bytes((0..<count).map { i in
                x = x &* 6364136223846793005 &+ 1442695040888963407
                return noisy ? UInt8(truncatingIfNeeded: x >> 56) : UInt8(truncatingIfNeeded: i / 64)
            })
        case 14, 15:
            guard depth < 3 else { return .int(0) }
            return .list((0..<input.below(4)).map { _ in value(depth: depth + 1) })
        case 16:
            guard depth < 3 else { return .null }
            var m: [String: Value] = [:]
            for _ in 0..<input.below(4) { m[["k", "ключ", "", "z"][input.below(4)]] = value(depth: depth + 1) }
            return .map(m)
        case 17:
            var v: Value = 1
            for _ in 0..<(ValueCodec.maxValueNestingDepth + input.below(2)) { v = .list([v]) }
            return v
        default:
            return .int(Int64(bitPattern: input.u64()))
        }
    }

    func properties() -> [String: Value] {
        var p: [String: Value] = [:]
        for _ in 0..<input.below(4) { p[name(Self.keys)] = value() }
        return p
    }

    // MARK: Mutations

    func createNode() {
        guard pending.nodeCount < Self.nodesMax, let tx = ensureTx() else { return }
        let labels = (0..<input.below(3)).map { _ in name(Self.labels) }
        let props = properties()
        mutate("createNode(\(labels), \(props))", { () throws(SombraError) in try tx.createNode(labels: labels, properties: props) },
               { m throws(SombraError) in try m.createNode(labels: labels, properties: props) }, same: { $0.rawValue == $1 })
    }

    func deleteNode() {
        guard let tx = ensureTx() else { return }
        let n = pickNode()
        mutate("deleteNode(n\(n))", { () throws(SombraError) in try tx.deleteNode(NodeID(n)) },
               { m throws(SombraError) in try m.deleteNode(n) }, same: { _, _ in true })
    }

    func setNodeProperty() {
        guard let tx = ensureTx() else { return }
        let (n, k, v) = (pickNode(), name(Self.keys), value())
        mutate("setProperty(\(k), \(v), n\(n))", { () throws(SombraError) in try tx.setProperty(k, to: v, on: NodeID(n)) },
               { m throws(SombraError) in try m.setProperty(k, to: v, onNode: n) }, same: { _, _ in true })
    }

    func removeNodeProperty() {
        guard let tx = ensureTx() else { return }
        let (n, k) = (pickNode(), name(Self.keys))
        mutate("removeProperty(\(k), n\(n))", { () throws(SombraError) in try tx.removeProperty(k, from: NodeID(n)) },
               { m throws(SombraError) in try m.removeProperty(k, fromNode: n) }, same: { $0 == $1 })
    }

    func addLabel() {
        guard let tx = ensureTx() else { return }
        let (n, l) = (pickNode(), name(Self.labels))
        mutate("addLabel(\(l), n\(n))", { () throws(SombraError) in try tx.addLabel(l, to: NodeID(n)) },
               { m throws(SombraError) in try m.addLabel(l, toNode: n) }, same: { _, _ in true })
    }

    func removeLabel() {
        guard let tx = ensureTx() else { return }
        let (n, l) = (pickNode(), name(Self.labels))
        mutate("removeLabel(\(l), n\(n))", { () throws(SombraError) in try tx.removeLabel(l, from: NodeID(n)) },
               { m throws(SombraError) in try m.removeLabel(l, fromNode: n) }, same: { $0 == $1 })
    }

    func createEdge() {
        guard pending.edgeCount < Self.edgesMax, let tx = ensureTx() else { return }
        let a = pickNode()
        let b = input.u8() & 7 == 0 ? a : pickNode()
        let t = name(Self.types)
        let props = input.u8() & 1 == 0 ? [:] : properties()
        mutate("createEdge(n\(a), n\(b), \(t), \(props))",
               { () throws(SombraError) in try tx.createEdge(from: NodeID(a), to: NodeID(b), type: t, properties: props) },
               { m throws(SombraError) in try m.createEdge(from: a, to: b, type: t, properties: props) }, same: { $0.rawValue == $1 })
    }

    func deleteEdge() {
        guard let tx = ensureTx() else { return }
        let e = pickEdge()
        mutate("deleteEdge(e\(e))", { () throws(SombraError) in try tx.deleteEdge(EdgeID(e)) },
               { m throws(SombraError) in try m.deleteEdge(e) }, same: { _, _ in true })
    }

    func setEdgeProperty() {
        guard let tx = ensureTx() else { return }
        let (e, k, v) = (pickEdge(), name(Self.keys), value())
        mutate("setProperty(\(k), \(v), e\(e))", { () throws(SombraError) in try tx.setProperty(k, to: v, on: EdgeID(e)) },
               { m throws(SombraError) in try m.setProperty(k, to: v, onEdge: e) }, same: { _, _ in true })
    }

    func removeEdgeProperty() {
        guard let tx = ensureTx() else { return }
        let (e, k) = (pickEdge(), name(Self.keys))
        mutate("removeProperty(\(k), e\(e))", { () throws(SombraError) in try tx.removeProperty(k, from: EdgeID(e)) },
               { m throws(SombraError) in try m.removeProperty(k, fromEdge: e) }, same: { $0 == $1 })
    }

    func createIndex() {
        guard let tx = ensureTx() else { return }
        let (l, k) = (name(Self.labels), name(Self.keys))
        mutate("createIndex(\(l).\(k))", { () throws(SombraError) in try tx.createIndex(label: l, key: k) },
               { m throws(SombraError) in try m.createIndex(label: l, key: k) }, same: { _, _ in true })
    }

    func dropIndex() {
        guard let tx = ensureTx() else { return }
        let (l, k) = (name(Self.labels), name(Self.keys))
        mutate("dropIndex(\(l).\(k))", { () throws(SombraError) in try tx.dropIndex(label: l, key: k) },
               { m throws(SombraError) in try m.dropIndex(label: l, key: k) }, same: { _, _ in true })
    }

    // MARK: Faults and checks

    /// Fails the n-th matching file operation from now (EIO or ENOSPC, transient or persistent, or a crash
    /// with an optionally torn write); the failure surfaces in a later step.
    func armFault() {
        let kind = input.below(6)
        let n = 1 + input.below(48)
        let operations: Set<SimulatedOperation> = [SimulatedOperation.all, [.write], [.sync], [.write, .truncate], [.read]][input.below(5)]
        let suffix: String? = [nil, "-wal", ".sombra"][input.below(3)]
        let plan: FaultPlan
        switch kind {
        case 0, 1: plan = .ioError(at: n, persistent: kind == 1, operations: operations, pathSuffix: suffix)
        case 2, 3: plan = .diskFull(at: n, persistent: kind == 3, operations: operations, pathSuffix: suffix)
        case 4: plan = .crash(at: n, operations: operations, pathSuffix: suffix)
        default: plan = .crash(at: n, tornWriteBytes: input.below(8192), operations: operations, pathSuffix: suffix)
        }
        fs.faultPlan = plan
        faultArmed = true
        note("armed \(plan)")
        outcome.count("faults-armed")
    }

    /// Inside the writer: compares its reads with the pending model; outside: a reader with the committed one.
    func compareReads() {
        guard let db = liveDB() else { return }
        do throws(SombraError) {
            if let tx {
                if let first = try ModelCheck.compare(tx, pending).first { problem("inside the writer: \(first)") }
            } else if nextReadPooled {
                nextReadPooled = false
                let model = committed
                let first: String?
                do {
                    first = try db.read { rt in try ModelCheck.compare(rt, model).first }
                } catch let error as SombraError {
                    throw error
                } catch {
                    problem("a pooled reader threw a non-Sombra error: \(error)")
                    return
                }
                if let first { problem("a pooled reader: \(first)") }
                outcome.count("pooled-compares")
            } else {
                nextReadPooled = true
                let rt = try db.beginRead()
                defer { rt.end() }
                if let first = try ModelCheck.compare(rt, committed).first { problem("a reader: \(first)") }
            }
            outcome.count("compares")
        } catch {
            failed(error, "compareReads")
        }
    }

    /// Reentrant use from inside the write transaction: a second writer on this thread is `.busy`; a reader
    /// sees the last commit, not the writer's changes.
    func nestedCalls() {
        guard let db = liveDB(), ensureTx() != nil else { return }
        do throws(SombraError) {
            let second = try db.beginWrite()
            second.rollback()
            problem("a second write transaction began on the writer's thread")
            return
        } catch {
            if error.code != SombraError.busy(reason: "").code {
                failed(error, "nested beginWrite")
                return
            }
        }
        do throws(SombraError) {
            let rt = try db.beginRead()
            defer { rt.end() }
            if let first = try ModelCheck.compare(rt, committed).first { problem("a reader inside the writer: \(first)") }
            outcome.count("nested-reads")
        } catch {
            failed(error, "read inside the writer")
        }
    }
}
