// Console: where a command's output goes. Normally stdout and stderr; tests run commands in-process with a
// capturing console (a task-local, so concurrent tests never mix their output).
//
// Invariants:
//  1. Reports go to `out`, diagnostics and progress to `err`; nothing else writes to stdout or stderr.
//  2. Progress is drawn only when stderr is a terminal (isatty), never in captured output or pipes.
import Foundation
import Synchronization

package final class Console: Sendable {
    private struct Buffers {
        var out = ""
        var err = ""
    }
    private let buffers = Mutex(Buffers())
    package let capturing: Bool

    package init(capturing: Bool) { self.capturing = capturing }

    /// The console of the running command (stdout/stderr unless a test installed a capturing one).
    @TaskLocal package static var current = Console(capturing: false)

    package func out(_ line: String) {
        if capturing { buffers.withLock { $0.out += line + "\n" } } else { print(line) }
    }

    /// Writes text without a newline (used by exporters writing to stdout).
    package func write(_ text: String) {
        if capturing { buffers.withLock { $0.out += text } } else { print(text, terminator: "") }
    }

    package func err(_ line: String) {
        if capturing {
            buffers.withLock { $0.err += line + "\n" }
        } else {
            fflush(nil)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// True when progress may be drawn (invariant 2).
    package var showsProgress: Bool { !capturing && isatty(2) != 0 }

    package var stdoutText: String { buffers.withLock { $0.out } }
    package var stderrText: String { buffers.withLock { $0.err } }
}

/// A one-line progress display on stderr, redrawn at most ten times a second (only on a terminal).
package final class ProgressLine: @unchecked Sendable {
    // @unchecked: used from the one thread running the command; the lock guards the rare cross-thread call.
    private let lock = NSLock()
    private let enabled: Bool
    private let clock = ContinuousClock()
    private var last: ContinuousClock.Instant
    private var drawn = false

    package init(console: Console = .current) {
        enabled = console.showsProgress
        last = clock.now - .seconds(1)
    }

    package func update(_ phase: String, _ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = clock.now
        guard now - last >= .milliseconds(100) else { return }
        last = now
        let figure = total > 0 ? "\(done)/\(total) (\(done * 100 / max(total, 1))%)" : "\(done)"
        FileHandle.standardError.write(Data("\r\u{1B}[K\(phase): \(figure)".utf8))
        drawn = true
    }

    package func finish() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}
