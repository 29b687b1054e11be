// Timing: how every figure is measured. ContinuousClock, each timed section repeated until it has run for at
// least `minSeconds`, several rounds, the median per-op time reported and a wide spread flagged.
// Layer: benchmark tool only.
//
// Invariants:
//  1. A round runs whole batches and stops at the first batch boundary past `minSeconds`; batches grow
//     (doubling, capped by the estimated remaining count) so reading the clock costs nothing measurable.
//  2. The per-op time of a round is its elapsed time / its iterations; the reported figure is the median of
//     the rounds; spread = slowest round / fastest round, "wide" when > 1.5.
//  3. The iteration index keeps counting across rounds, so queries walk one fixed id sequence.
//  4. Figures compared with each other on a noisy machine (txn_small vs the fsync floor, one engine vs the
//     other) are timed in alternating rounds (measurePaired, measureAlternating).
import Glibc

struct TimingPolicy {
    let rounds: Int
    let minSeconds: Double
    static let wideSpread = 1.5
}

/// The result of one timed section: one per-op time per round.
struct Measurement {
    let perOpNanosByRound: [Double]
    let iterations: Int

    var medianNanos: Double {
        let sorted = perOpNanosByRound.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    var medianMicros: Double { medianNanos / 1000 }

    /// Slowest round / fastest round (1 for a single round).
    var spread: Double {
        guard let low = perOpNanosByRound.min(), let high = perOpNanosByRound.max(), low > 0 else { return 1 }
        return high / low
    }

    var isWide: Bool { spread > TimingPolicy.wideSpread }
}

extension Duration {
    var seconds: Double {
        let (whole, atto) = components
        return Double(whole) + Double(atto) * 1e-18
    }
}

/// Keeps a result alive so the optimizer cannot drop the work that produced it.
@inline(never)
func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// Times `body(index)` in growing batches, `policy.rounds` rounds of at least `policy.minSeconds` each.
func measureLoop(_ policy: TimingPolicy, _ body: (Int) throws -> Void) rethrows -> Measurement {
    var index = 0
    var perOp: [Double] = []
    for _ in 0..<policy.rounds {
        perOp.append(try timeRound(policy.minSeconds, index: &index, body))
    }
    return Measurement(perOpNanosByRound: perOp, iterations: index)
}

/// Two sections timed alternately, round by round (first, second, first, second, ...), so two figures that
/// are compared with each other (txn_small and the fsync floor) see the same machine conditions.
func measurePaired(_ policy: TimingPolicy, _ first: @escaping (Int) throws -> Void,
                   _ second: @escaping (Int) throws -> Void) throws -> (Measurement, Measurement) {
    let both = try measureAlternating(policy, [first, second])
    return (both[0], both[1])
}

/// Any number of sections timed in turn, round by round (each round runs every section once, in order).
func measureAlternating(_ policy: TimingPolicy, _ sections: [(Int) throws -> Void]) throws -> [Measurement] {
    var indices = [Int](repeating: 0, count: sections.count)
    var perOp = [[Double]](repeating: [], count: sections.count)
    for _ in 0..<policy.rounds {
        for (k, section) in sections.enumerated() {
            perOp[k].append(try timeRound(policy.minSeconds, index: &indices[k], section))
        }
    }
    return sections.indices.map { Measurement(perOpNanosByRound: perOp[$0], iterations: indices[$0]) }
}

/// One round: whole batches until `minSeconds` have passed; returns nanoseconds per call.
private func timeRound(_ minSeconds: Double, index: inout Int, _ body: (Int) throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    var iterations = 0
    var batch = 1
    let start = clock.now
    while true {
        for _ in 0..<batch {
            try body(index)
            index += 1
        }
        iterations += batch
        let elapsed = start.duration(to: clock.now).seconds
        if elapsed >= minSeconds { return elapsed * 1e9 / Double(iterations) }
        let remaining = (minSeconds - elapsed) / max(elapsed / Double(iterations), 1e-9)
        batch = max(1, min(batch * 2, Int(min(remaining, 1e9))))
    }
}

/// Times `body(index)` one call at a time after an untimed `setup(index)` (used for `open`, which needs the
/// database closed first); a round lasts until the timed calls add up to `policy.minSeconds`.
func measureEach(_ policy: TimingPolicy, setup: (Int) throws -> Void,
                 _ body: (Int) throws -> Void) rethrows -> Measurement {
    let clock = ContinuousClock()
    var index = 0
    var perOp: [Double] = []
    for _ in 0..<policy.rounds {
        var iterations = 0
        var timed = 0.0
        while timed < policy.minSeconds {
            try setup(index)
            let start = clock.now
            try body(index)
            timed += start.duration(to: clock.now).seconds
            iterations += 1
            index += 1
        }
        perOp.append(timed * 1e9 / Double(iterations))
    }
    return Measurement(perOpNanosByRound: perOp, iterations: index)
}

/// Times one call once (load: too long to repeat at the large sizes).
func measureOnce(_ body: () throws -> Void) rethrows -> Measurement {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    return Measurement(perOpNanosByRound: [start.duration(to: clock.now).seconds * 1e9], iterations: 1)
}

struct FsyncFloorError: Error, CustomStringConvertible {
    let description: String
}

/// The hardware floor of a durable commit: write one 8 KiB page at offset 0 of a scratch file, then
/// fdatasync. With `appending`, each page goes at the end of the file instead (the file grows, so fdatasync
/// must also persist its size, as a growing log does); the file is cut back to zero every 64 MiB.
/// The scratch file is removed when the probe goes away.
final class FsyncProbe {
    static let pageBytes = 8192
    private let fd: Int32
    private let path: String
    private let appending: Bool
    private let page = [UInt8](repeating: 0xA5, count: FsyncProbe.pageBytes)

    init(path: String, appending: Bool) throws {
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FsyncFloorError(description: "cannot create \(path): errno \(errno)") }
        self.path = path
        self.appending = appending
    }

    deinit {
        Glibc.close(fd)
        unlink(path)
    }

    /// One durable page write; `index` picks the offset when appending.
    func writePage(_ index: Int) throws {
        var offset = 0
        if appending {
            offset = (index % ((64 << 20) / FsyncProbe.pageBytes)) * FsyncProbe.pageBytes
            if offset == 0, ftruncate(fd, 0) != 0 {
                throw FsyncFloorError(description: "ftruncate failed: errno \(errno)")
            }
        }
        let written = page.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == page.count, fdatasync(fd) == 0 else {
            throw FsyncFloorError(description: "write or fdatasync failed: errno \(errno)")
        }
    }
}

/// The floor timed on its own, like any other section (median per op).
func measureFsyncFloor(path: String, policy: TimingPolicy, appending: Bool = false) throws -> Measurement {
    let probe = try FsyncProbe(path: path, appending: appending)
    return try measureLoop(policy) { try probe.writePage($0) }
}

/// Peak and current resident memory of this process, from /proc/self/status (Linux), in bytes.
enum ProcessMemory {
    static func peakBytes() -> Int64? { statusField("VmHWM:") }
    static func currentBytes() -> Int64? { statusField("VmRSS:") }

    /// Resets VmHWM to the current RSS (Linux >= 4.0: write "5" to /proc/self/clear_refs). False if refused.
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        return write(fd, "5", 1) == 1
    }

    private static func statusField(_ key: String) -> Int64? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix(key) else { continue }
            let digits = text.dropFirst(key.count).filter { $0.isNumber }
            return Int64(digits).map { $0 * 1024 }   // the kernel reports kB
        }
        return nil
    }
}
