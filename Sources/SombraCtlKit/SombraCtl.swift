// SombraCtl: the root of the `sombractl` command line (one subcommand per file in this folder).
// Exit codes: 0 success, 1 problems found (verify), 2 could not run. See Docs/CLI.md.
import ArgumentParser

public struct SombraCtl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sombractl",
        abstract: "Inspect, verify, repair and maintain Sombra graph databases.",
        subcommands: [Demo.self])

    public init() {}
}
