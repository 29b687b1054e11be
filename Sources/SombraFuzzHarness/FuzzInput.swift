// FuzzInput: how the fuzz harness reads its input bytes, and what it hands back.
// Layer: SombraFuzzHarness (fuzzing and corpus replay only; never part of the engine).
//
// Invariants:
//  1. Every byte string is a complete input: reads past the end give zeros and never trap, so a mutated,
//     cut or empty input always runs to the end.
//  2. Every number taken from the input is bounded by the caller (`below`, `take`) before it sizes
//     anything, so no input can make the harness itself allocate without bound.
//  3. A FuzzOutcome is a plain value: the harness never traps; the fuzz executable traps on `problems`
//     (so libFuzzer records the input) and the replay test `#expect`s it empty.
import Synchronization

public enum FuzzHarness {
    private static let traceFlag = Mutex(false)

    /// Print what the harness does (replay with `--trace`); never set while fuzzing.
    public static var trace: Bool {
        get { traceFlag.withLock { $0 } }
        set { traceFlag.withLock { $0 = newValue } }
    }
}

/// A cursor over the fuzz input (invariant 1).
public struct FuzzBytes {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }
    public var remaining: Int { max(0, bytes.count - position) }

    public mutating func u8() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
    public mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }
    public mutating func u64() -> UInt64 { UInt64(u32()) | UInt64(u32()) << 32 }

    /// A number in 0..<bound (bound > 0), from one byte when bound <= 256, else from two.
    public mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return bound <= 256 ? Int(u8()) % bound : Int(u16()) % bound
    }

    /// True with probability about `percent`/100.
    public mutating func chance(_ percent: Int) -> Bool { Int(u8()) * 100 < percent * 256 }

    /// Up to `count` next bytes (fewer at the end of the input).
    public mutating func take(_ count: Int) -> [UInt8] {
        let n = max(0, min(count, remaining))
        defer { position += n }
        return Array(bytes[position..<position + n])
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] { take(remaining) }
}

/// What one harness run found (invariant 3).
public struct FuzzOutcome: Sendable, CustomStringConvertible {
    /// Broken promises: a model mismatch, a leaked page, a clean verify contradicted by a read, ...
    public private(set) var problems: [String] = []
    /// Counters describing the run (opened, clean, errors by code, operations, ...), for figures.
    public private(set) var counters: [String: Int] = [:]

    public init() {}

    public var isOK: Bool { problems.isEmpty }

    public mutating func problem(_ text: @autoclosure () -> String) {
        if problems.count < 20 { problems.append(text()) }
    }

    public mutating func count(_ name: String, _ n: Int = 1) { counters[name, default: 0] += n }

    public mutating func merge(_ other: FuzzOutcome) {
        for p in other.problems where problems.count < 20 { problems.append(p) }
        for (k, v) in other.counters { counters[k, default: 0] += v }
    }

    public var description: String {
        problems.isEmpty ? "ok \(counters.sorted { $0.key < $1.key })" : problems.joined(separator: "\n")
    }
}
