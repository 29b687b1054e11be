// TextIO: buffered byte input and text output for import and export (files of any size, read and written
// in 1 MiB chunks; "-" means stdin/stdout).
//
// Invariants:
//  1. ByteInput yields every byte of the file once, in order; memory stays at one chunk.
//  2. TextOutput writes everything it was given by the time `close` returns (or throws).
import Foundation

final class ByteInput {
    private let handle: FileHandle
    private var chunk: [UInt8] = []
    private var index = 0
    private(set) var atEnd = false
    static let chunkBytes = 1 << 20

    init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let h = FileHandle(forReadingAtPath: path) else { throw couldNotRun("cannot open \(path) for reading") }
            handle = h
        }
    }

    /// The next byte, or nil at the end of the input.
    func next() throws -> UInt8? {
        if index >= chunk.count {
            guard !atEnd else { return nil }
            let data = try handle.read(upToCount: ByteInput.chunkBytes) ?? Data()
            if data.isEmpty { atEnd = true; return nil }
            chunk = [UInt8](data)
            index = 0
        }
        let b = chunk[index]
        index += 1
        return b
    }

    /// Steps back over the byte `next()` just returned (only valid right after it).
    func unread() { if index > 0 { index -= 1 } }

    /// The next line without its terminator ("\n" or "\r\n"), or nil at the end of the input.
    func nextLine() throws -> String? {
        var bytes: [UInt8] = []
        while let b = try next() {
            if b == 0x0A {
                if bytes.last == 0x0D { bytes.removeLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(b)
        }
        if bytes.isEmpty { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    func close() { if handle !== FileHandle.standardInput { try? handle.close() } }
}

final class TextOutput {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private let ownsHandle: Bool
    private(set) var bytesWritten: UInt64 = 0

    init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardOutput
            ownsHandle = false
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
                throw couldNotRun("cannot create \(path)")
            }
            handle = h
            ownsHandle = true
        }
        buffer.reserveCapacity(ByteInput.chunkBytes + 4096)
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= ByteInput.chunkBytes { try flush() }
    }

    func line(_ text: String) throws { try write(text + "\n") }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        bytesWritten += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        if ownsHandle {
            try handle.synchronize()
            try handle.close()
        }
    }
}
