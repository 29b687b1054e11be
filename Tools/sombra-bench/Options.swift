// Options: the command-line flags of sombra-bench, parsed by hand (the tool depends only on Sombra and
// SQLite). Every flag takes `--flag value` or `--flag=value`. Layer: benchmark tool only.

enum EngineChoice: String {
    case sombra, sqlite
}

struct Options {
    var nodeCount = 100_000
    var directory: String?
    var seed: UInt64 = 42
    var cacheMB = 64
    var rounds = 3
    var minSeconds = 1.0
    var json = false
    var only: EngineChoice?
    /// Leave the database files in `--dir` for inspection (`sombractl stats`).
    var keep = false
    var pageSize: Int?

    static let usage = """
        usage: sombra-bench [--nodes N] [--dir PATH] [--seed S] [--cache-mb MB] [--rounds R]
                            [--min-seconds SEC] [--json] [--only sombra|sqlite] [--page-size BYTES] [--keep]
          --nodes N          nodes in the social workload (default 100000; edges = 5 N)
          --dir PATH         scratch directory (default: a new temp directory); bench files are removed at the end
          --seed S           workload and query seed (default 42)
          --cache-mb MB      page-cache budget per engine, SQLite cache_size gets the same bytes (default 64)
          --rounds R         timed rounds per operation, the median is reported (default 3)
          --min-seconds SEC  minimum run time of each round (default 1.0)
          --json             end the output with one line of JSON
          --only ENGINE      run only that engine (sombra or sqlite)
          --keep             keep the database files (needs --dir) for inspection with sombractl
          --page-size BYTES  Sombra's page size (default: the engine's default)
        """

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses `arguments` (without the program name). `--help` yields nil.
    static func parse(_ arguments: [String]) throws(ParseError) -> Options? {
        var options = Options()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            var flag = argument
            var inline: String?
            if let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            func value() throws(ParseError) -> String {
                if let inline { return inline }
                guard let next = rest.popFirst() else { throw ParseError(description: "\(flag) needs a value") }
                return next
            }
            switch flag {
            case "--help", "-h": return nil
            case "--json": options.json = true
            case "--keep": options.keep = true
            case "--nodes": options.nodeCount = try number(flag, try value(), in: 2...100_000_000)
            case "--dir": options.directory = try value()
            case "--seed":
                guard let seed = UInt64(try value()) else { throw ParseError(description: "--seed needs an integer") }
                options.seed = seed
            case "--cache-mb": options.cacheMB = try number(flag, try value(), in: 1...1_048_576)
            case "--page-size": options.pageSize = try number(flag, try value(), in: 4096...65536)
            case "--rounds": options.rounds = try number(flag, try value(), in: 1...100)
            case "--min-seconds":
                guard let seconds = Double(try value()), seconds > 0, seconds <= 3600 else {
                    throw ParseError(description: "--min-seconds needs a number in (0, 3600]")
                }
                options.minSeconds = seconds
            case "--only":
                let name = try value()
                guard let choice = EngineChoice(rawValue: name) else {
                    throw ParseError(description: "--only takes sombra or sqlite, not \(name)")
                }
                options.only = choice
            default: throw ParseError(description: "unknown argument \(argument)")
            }
        }
        return options
    }

    private static func number(_ flag: String, _ text: String, in range: ClosedRange<Int>) throws(ParseError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw ParseError(description: "\(flag) needs an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}
