// Every decoder against hostile input: every proper prefix of valid encodings, random byte strings, and
// mutations of valid encodings. A decoder must throw `.corruptPage` naming the page, or accept; and whatever
// it accepts must re-encode to exactly the same bytes (the encodings are canonical). It must never trap.

import Testing
import SombraFormat

@Suite("Decoder robustness")
struct DecoderRobustnessTests {
    static let page = PageID(99)

    enum Outcome { case accepted, rejected, wrongError }

    /// Runs every decoder on `bytes` and classifies what each one did.
    static func decodeAll(_ bytes: [UInt8]) -> [Outcome] {
        func run(_ body: () throws(SombraError) -> Bool) -> Outcome {
            do {
                return try body() ? .accepted : .wrongError
            } catch {
                return isCorruptPage(error, page: page.rawValue) ? .rejected : .wrongError
            }
        }
        return [
            run { () throws(SombraError) in try ValueCodec.encode(try ValueCodec.decode(bytes, page: page)) == bytes },
            run { () throws(SombraError) in try NodeRecord.decode(bytes, page: page).encode() == bytes },
            run { () throws(SombraError) in try EdgeRecord.decode(bytes, page: page).encode() == bytes },
            run { () throws(SombraError) in
                let decoded = try Varint.decode(bytes, page: page)
                return Varint.encode(decoded.value) == Array(bytes.prefix(decoded.size))
            },
            run { () throws(SombraError) in
                var decoder = KeyDecoder(bytes, page: page)
                let component = try decoder.readIndexValue()
                try decoder.expectEnd()
                return reencode(component) == bytes
            },
            run { () throws(SombraError) in
                var decoder = KeyDecoder(bytes, page: page)
                let text = try decoder.readString()
                let number = try decoder.readDouble()
                try decoder.expectEnd()
                var encoder = KeyEncoder()
                encoder.appendString(text)
                encoder.appendDouble(number)
                return encoder.bytes == bytes
            },
        ]
    }

    static func reencode(_ component: IndexKeyValue) -> [UInt8] {
        var encoder = KeyEncoder()
        switch component {
        case .exact(let value):
            _ = try? encoder.appendIndexValue(value, stringPrefixMax: Int.max)
            return encoder.bytes
        case .truncatedString(let prefix), .truncatedBytes(let prefix):
            // Encode a longer payload with the same prefix; the encoder must cut it back to these bytes. The
            // prefix of a string may end inside a UTF-8 sequence, so build it as bytes and retag.
            _ = try? encoder.appendIndexValue(.bytes(prefix + [0x61]), stringPrefixMax: prefix.count)
            var bytes = encoder.bytes
            if case .truncatedString = component { bytes[0] = KeyEncoding.IndexTag.string.rawValue }
            return bytes
        }
    }

    /// Valid encodings of every kind, from a seeded generator.
    static func validInputs(_ rng: inout TestRNG, count: Int) throws -> [[UInt8]] {
        var inputs: [[UInt8]] = []
        for _ in 0..<count {
            let value = rng.value(depth: 3)
            inputs.append(try ValueCodec.encode(value))
            var node = NodeRecord()
            var edge = try EdgeRecord(source: rng.next(), target: rng.next(), type: UInt32(truncatingIfNeeded: rng.next()))
            for _ in 0..<rng.below(4) { node.addLabel(UInt32(truncatingIfNeeded: rng.next() >> UInt64(rng.below(32)))) }
            for _ in 0..<rng.below(4) {
                let key = UInt32(rng.below(1000))
                node.setProperty(rng.value(depth: 2), for: key)
                edge.setProperty(rng.value(depth: 2), for: key)
            }
            inputs.append(try node.encode())
            inputs.append(try edge.encode())
            inputs.append(Varint.encode(rng.next() >> UInt64(rng.below(64))))
            var key = KeyEncoder()
            _ = try key.appendIndexValue(rng.scalar(), stringPrefixMax: rng.below(6))
            inputs.append(key.bytes)
            var pair = KeyEncoder()
            pair.appendString(rng.string())
            pair.appendDouble(rng.double())
            inputs.append(pair.bytes)
        }
        return inputs
    }

    @Test("every proper prefix of a valid encoding is rejected with a typed error, and the whole is accepted")
    func prefixes() throws {
        var rng = TestRNG(seed: 53)
        let inputs = try DecoderRobustnessTests.validInputs(&rng, count: 300)
        var prefixesTried = 0
        for (index, input) in inputs.enumerated() {
            let decoderIndex = index % 6  // validInputs emits one input per decoder, in decodeAll's order
            #expect(DecoderRobustnessTests.decodeAll(input)[decoderIndex] == .accepted, "seed 53 input \(input)")
            for length in 0..<input.count {
                let outcome = DecoderRobustnessTests.decodeAll(Array(input.prefix(length)))[decoderIndex]
                prefixesTried += 1
                // Every encoding is self-delimiting, so no proper prefix is a complete encoding.
                #expect(outcome == .rejected, "seed 53 prefix \(length) of \(input)")
            }
        }
        #expect(prefixesTried > 5_000)
    }

    @Test("random and mutated byte strings never trap; accepted ones re-encode to the same bytes")
    func randomAndMutated() throws {
        let seed: UInt64 = 61
        var rng = TestRNG(seed: seed)
        let valid = try DecoderRobustnessTests.validInputs(&rng, count: 200)
        var inputs = 0, accepted = 0, wrongErrors = 0
        for round in 0..<12_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = rng.bytes(rng.below(24))
                if rng.chance(50), !bytes.isEmpty { bytes[0] = UInt8(rng.below(10)) }  // a plausible tag
            } else {
                bytes = valid[rng.below(valid.count)]
                for _ in 0..<(1 + rng.below(3)) {
                    let at = rng.below(bytes.count + 1)
                    switch rng.below(3) {
                    case 0 where at < bytes.count: bytes[at] ^= UInt8(1) << UInt8(rng.below(8))
                    case 1: bytes.insert(rng.byte(), at: at)
                    default: if at < bytes.count { bytes.remove(at: at) }
                    }
                }
            }
            for outcome in DecoderRobustnessTests.decodeAll(bytes) {
                inputs += 1
                if outcome == .accepted { accepted += 1 }
                if outcome == .wrongError {
                    wrongErrors += 1
                    Issue.record("seed \(seed) round \(round): wrong error or non-canonical accept for \(bytes)")
                }
            }
        }
        print("decode-robustness: decoder-runs: \(inputs) accepted: \(accepted) wrong-outcomes: \(wrongErrors) seed: \(seed)")
        #expect(wrongErrors == 0)
        #expect(accepted > 0, "mutations should sometimes still be valid")
    }
}
