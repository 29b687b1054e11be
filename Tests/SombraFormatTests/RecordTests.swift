// Node and edge records (Sources/SombraFormat/NodeRecord.swift, EdgeRecord.swift).

import Testing
import SombraFormat

@Suite("Records")
struct RecordTests {
    @Test("a node record writes the documented bytes and decodes back")
    func nodeGolden() throws {
        let node = try NodeRecord(labels: [300, 2, 2], properties: [Property(key: 5, value: "x"), Property(key: 1, value: 7)])
        #expect(node.labels == [2, 300])
        #expect(node.properties.map(\.key) == [1, 5])
        let bytes = try node.encode()
        #expect(bytes == [1, 2, 2, 0xAC, 0x02, 2, 1, 3, 14, 5, 5, 1, 0x78])
        #expect(try NodeRecord.decode(bytes) == node)
        #expect(try NodeRecord.decode(try NodeRecord().encode()) == NodeRecord())
        #expect(try NodeRecord().encode() == [1, 0, 0])
    }

    @Test("a node's labels come out ascending without repeats, and repeated property keys are refused, for any input")
    func labelsAndKeysNormalized() throws {
        var rng = TestRNG(seed: 47)
        for round in 0..<3_000 {
            let labels = (0..<rng.below(7)).map { _ in UInt32(rng.below(6)) }
            let keys = (0..<rng.below(5)).map { _ in UInt32(rng.below(8)) }
            let props = keys.map { Property(key: $0, value: .int(Int64($0))) }
            let unique = Set(keys).count == keys.count
            do {
                let node = try NodeRecord(labels: labels, properties: props)
                #expect(unique, "seed 47 round \(round): repeated keys \(keys) accepted")
                #expect(node.labels == Array(Set(labels)).sorted(), "seed 47 round \(round): labels \(labels)")
                #expect(node.properties.map(\.key) == keys.sorted(), "seed 47 round \(round): keys \(keys)")
            } catch {
                #expect(!unique, "seed 47 round \(round): keys \(keys) refused: \(error)")
            }
        }
    }

    @Test("an edge record writes the documented bytes and decodes back, extremes included")
    func edgeGolden() throws {
        let edge = try EdgeRecord(source: 1, target: 0x0102, type: 3, properties: [Property(key: 0, value: nil)])
        #expect(try edge.encode() == [2, 1, 0x82, 0x02, 3, 1, 0, 0])
        let extreme = try EdgeRecord(source: .max, target: 0, type: .max,
                                     properties: [Property(key: .max, value: .double(-.nan))])
        let decoded = try EdgeRecord.decode(try extreme.encode(), page: PageID(2))
        #expect(decoded == extreme && decoded.property(for: .max) == .double(-.nan))
    }

    @Test("lookups and mutators keep labels and keys sorted and agree with a dictionary model")
    func mutatorsAgainstModel() throws {
        var rng = TestRNG(seed: 43)
        var node = NodeRecord()
        var edge = try EdgeRecord(source: 1, target: 2, type: 3)
        var labels = Set<UInt32>(), model: [UInt32: Value] = [:]
        for step in 0..<3_000 {
            let key = UInt32(rng.below(40)), value = rng.value(depth: 2)
            switch rng.below(4) {
            case 0:
                #expect(node.addLabel(key) == labels.insert(key).inserted)
            case 1:
                #expect(node.removeLabel(key) == (labels.remove(key) != nil))
            case 2:
                #expect(node.setProperty(value, for: key) == model.updateValue(value, forKey: key))
                edge.setProperty(value, for: key)
            default:
                #expect(node.removeProperty(for: key) == model.removeValue(forKey: key))
                edge.removeProperty(for: key)
            }
            #expect(node.labels == labels.sorted(), "seed 43 step \(step)")
            #expect(node.properties.map(\.key) == model.keys.sorted(), "seed 43 step \(step)")
            #expect(node.property(for: key) == model[key] && edge.property(for: key) == model[key])
            #expect(node.hasLabel(key) == labels.contains(key))
            if step % 50 == 0 {
                #expect(try NodeRecord.decode(try node.encode()) == node, "seed 43 step \(step)")
                #expect(try EdgeRecord.decode(try edge.encode()) == edge, "seed 43 step \(step)")
            }
        }
    }

    @Test("a missing property is absent, not a null value")
    func absentIsNotNull() {
        var node = NodeRecord()
        #expect(node.property(for: 1) == nil)
        #expect(node.property(for: 1) == .none)
        #expect(node.removeProperty(for: 1) == .none)
        node.setProperty(.null, for: 1)
        #expect(node.property(for: 1) == .some(.null))
        #expect(node.property(for: 1) != .none)
    }

    @Test("a repeated property key is refused when building a record")
    func duplicateKeysRefused() {
        let props = [Property(key: 1, value: 1), Property(key: 1, value: 2)]
        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try NodeRecord(labels: [], properties: props) }))
        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try EdgeRecord(source: 1, target: 1, type: 1, properties: props) }))
    }

    @Test("a value nested past the cap makes encode fail with invalidArgument")
    func deepValueRefused() throws {
        var node = NodeRecord()
        node.setProperty(nestedList(depth: ValueCodec.maxValueNestingDepth + 1), for: 1)
        #expect(isInvalidArgument(thrownError { () throws(SombraError) in try node.encode() }))
    }

    @Test("decoders reject bad format bytes, unsorted or repeated labels and keys, wide ids and trailing bytes")
    func malformed() {
        let node: [(String, [UInt8])] = [
            ("empty", []),
            ("format 0", [0, 0, 0]), ("format 2", [2, 0, 0]),
            ("unsorted labels", [1, 2, 5, 3, 0]), ("repeated label", [1, 2, 3, 3, 0]),
            ("label wider than 32 bits", [1, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 0]),
            ("label count beyond input", [1, 9, 1, 0]),
            ("unsorted keys", [1, 0, 2, 5, 0, 3, 0]), ("repeated key", [1, 0, 2, 3, 0, 3, 0]),
            ("key wider than 32 bits", [1, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 0]),
            ("property count beyond input", [1, 0, 2, 1, 0]),
            ("bad value", [1, 0, 1, 1, 9]),
            ("missing property count", [1, 0]),
            ("trailing byte", [1, 0, 0, 0]),
        ]
        for (name, bytes) in node {
            #expect(isCorruptPage(thrownError { () throws(SombraError) in try NodeRecord.decode(bytes, page: PageID(8)) }, page: 8), "node: \(name)")
        }
        let head: [UInt8] = [1] + [UInt8](repeating: 0, count: 16)
        let edge: [(String, [UInt8])] = [
            ("empty", []), ("format 3", [3] + head.dropFirst() + [0, 0]),
            ("short endpoints", Array(head.prefix(12))), ("missing type", head),
            ("type wider than 32 bits", head + [0x80, 0x80, 0x80, 0x80, 0x10, 0]),
            ("unsorted keys", head + [0, 2, 5, 0, 3, 0]), ("repeated key", head + [0, 2, 3, 0, 3, 0]),
            ("trailing byte", head + [0, 0, 0]),
        ]
        for (name, bytes) in edge {
            #expect(isCorruptPage(thrownError { () throws(SombraError) in try EdgeRecord.decode(bytes, page: PageID(8)) }, page: 8), "edge: \(name)")
        }
    }

    @Test("a record decodes from a slice of a larger buffer")
    func decodeFromSlice() throws {
        let node = try NodeRecord(labels: [1], properties: [Property(key: 2, value: "v")])
        let buffer: [UInt8] = [0xEE, 0xEE] + (try node.encode()) + [0xEE]
        #expect(try NodeRecord.decode(buffer[2..<(buffer.count - 1)]) == node)
    }
}
