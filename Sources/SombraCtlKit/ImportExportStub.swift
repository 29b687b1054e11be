import ArgumentParser
struct Import: ParsableCommand { func run() throws {} }
struct Export: ParsableCommand { func run() throws {} }
