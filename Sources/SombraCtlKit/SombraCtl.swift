// SombraCtl: the root of the `sombractl` command line (one subcommand per file in this folder).
// Exit codes: 0 success, 1 problems found (verify) or data lost (repair), 2 could not run. See Docs/CLI.md.
//
// Invariants:
//  1. `execute` is the one place errors become exit codes and messages; `main` only calls it and exits.
//  2. Usage errors exit with 2 (not ArgumentParser's 64), like every other failure to run.
import ArgumentParser
import Foundation
import Sombra

public struct SombraCtl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sombractl",
        abstract: "Inspect, verify, repair and maintain Sombra graph databases.",
        discussion: "Exit codes: 0 success; 1 problems found (verify) or records lost (repair); 2 could not run.",
        subcommands: [Info.self, Pages.self, PageCommand.self, Verify.self, Repair.self, Checkpoint.self,
                      Vacuum.self, Stats.self, Import.self, Export.self, Demo.self])

    public init() {}

    /// Parses and runs a command line, and exits with its code.
    public static func main() {
        let code = execute(Array(CommandLine.arguments.dropFirst()))
        fflush(nil)
        Foundation.exit(code)
    }

    /// Parses and runs `arguments` (without the program name) on the current console; returns the exit code.
    package static func execute(_ arguments: [String]) -> Int32 {
        let console = Console.current
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let exit as CommandExit {
            if let message = exit.message { console.err("sombractl: \(message)") }
            return exit.code
        } catch let error as SombraError {
            console.err("sombractl: \(error)")
            return 2
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { console.out(message) }
                return 0
            }
            if !message.isEmpty { console.err(message) }
            return 2
        }
    }

    /// Runs `arguments` with a capturing console: (exit code, stdout, stderr). For tests and embedding.
    package static func capture(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
        let console = Console(capturing: true)
        let code = Console.$current.withValue(console) { execute(arguments) }
        return (code, console.stdoutText, console.stderrText)
    }
}
