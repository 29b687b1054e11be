// POSIXFileSystem: the real file seam over pread/pwrite/fdatasync/ftruncate and Linux OFD locks.
//
// Unsafe code lives here (buffer pointers for the syscalls) and is marked `unsafe`.
//
// Invariants:
//  1. Locks are open-file-description (OFD) locks: a second handle in the same process conflicts too, and
//     the lock goes away with the descriptor, so a crashed process never leaves the database locked.
//  2. Short writes are retried until complete; EINTR is retried; nothing else is retried.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage
import Synchronization
import SombraFormat

public struct POSIXFileSystem: FileSystem {
    public init() {}

    public func open(_ path: String, mode: OpenMode) throws(SombraError) -> any StorageFile {
        if isDirectory(path) { throw .notADatabase(reason: "\(path) is a directory") }
        let access: FileDescriptor.AccessMode = mode == .readOnly ? .readOnly : .readWrite
        let options: FileDescriptor.OpenOptions = mode == .create ? [.create, .closeOnExec] : [.closeOnExec]
        do {
            let fd = try FileDescriptor.open(FilePath(path), access, options: options,
                                             permissions: mode == .create ? [.ownerReadWrite, .groupRead, .otherRead] : nil)
            return POSIXFile(fd: fd, path: path)
        } catch let e as Errno {
            if e == .noSuchFileOrDirectory { throw .fileNotFound(path: path) }
            if e == .isDirectory { throw .notADatabase(reason: "\(path) is a directory") }
            throw mapErrno(e.rawValue, operation: "open", path: path)
        } catch {
            throw .io(operation: "open", errno: 0, path: path)
        }
    }

    public func exists(_ path: String) -> Bool {
        var st = stat()
        return unsafe stat(path, &st) == 0
    }

    public func isDirectory(_ path: String) -> Bool {
        var st = stat()
        guard unsafe stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    public func remove(_ path: String) throws(SombraError) {
        if unlink(path) != 0 {
            let e = errno
            if e == ENOENT { return }
            throw mapErrno(e, operation: "unlink", path: path)
        }
    }

    public func rename(_ from: String, to: String) throws(SombraError) {
        if Glibc.rename(from, to) != 0 {
            let e = errno
            if e == ENOENT { throw .fileNotFound(path: from) }
            throw mapErrno(e, operation: "rename", path: from)
        }
    }

    public func syncDirectory(containing path: String) throws(SombraError) {
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        let fd = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw mapErrno(errno, operation: "open directory", path: dir) }
        defer { _ = Glibc.close(fd) }
        if fsync(fd) != 0 { throw mapErrno(errno, operation: "fsync directory", path: dir) }
    }
}

func mapErrno(_ e: Int32, operation: String, path: String) -> SombraError {
    if e == ENOSPC || e == EDQUOT { return .diskFull(operation: operation, path: path) }
    return .io(operation: operation, errno: e, path: path)
}

/// One open file. Thread-safe: pread/pwrite carry their own offsets; close is called once by the owner.
public final class POSIXFile: StorageFile, @unchecked Sendable {
    // @unchecked: `fd` is immutable after init; the kernel serializes concurrent positioned I/O; `closed`
    // is atomic, so a second `close` never closes a descriptor number the process has since reused.
    let fd: FileDescriptor
    public let path: String
    private let closed = Atomic<Bool>(false)

    init(fd: FileDescriptor, path: String) {
        self.fd = fd
        self.path = path
    }

    public func read(at offset: UInt64, count: Int) throws(SombraError) -> [UInt8] {
        guard count >= 0 else { throw .invalidArgument("negative read length") }
        // The array is created uninitialized and only the bytes actually read become its contents (no
        // zero fill of a page that is overwritten at once); a short read yields a shorter array.
        var failure: SombraError? = nil
        let buffer = unsafe [UInt8](unsafeUninitializedCapacity: count) { storage, initializedCount in
            let raw = unsafe UnsafeMutableRawBufferPointer(storage)
            var done = 0
            while done < count {
                do {
                    let slice = unsafe UnsafeMutableRawBufferPointer(rebasing: raw[done...])
                    let n = try unsafe fd.read(fromAbsoluteOffset: Int64(offset) + Int64(done), into: slice,
                                               retryOnInterrupt: true)
                    if n == 0 { break }
                    done += n
                } catch let e as Errno {
                    failure = mapErrno(e.rawValue, operation: "read", path: path)
                    break
                } catch {
                    failure = .io(operation: "read", errno: 0, path: path)
                    break
                }
            }
            initializedCount = done
        }
        if let failure { throw failure }
        return buffer
    }

    public func write(_ bytes: [UInt8], at offset: UInt64) throws(SombraError) {
        var done = 0
        while done < bytes.count {
            let n: Int
            do {
                n = try unsafe bytes.withUnsafeBytes { raw in
                    let slice = unsafe UnsafeRawBufferPointer(rebasing: raw[done...])
                    return try unsafe fd.write(toAbsoluteOffset: Int64(offset) + Int64(done), slice,
                                               retryOnInterrupt: true)
                }
            } catch let e as Errno {
                throw mapErrno(e.rawValue, operation: "write", path: path)
            } catch {
                throw .io(operation: "write", errno: 0, path: path)
            }
            if n <= 0 { throw .io(operation: "write (no progress)", errno: 0, path: path) }
            done += n
        }
    }

    public func size() throws(SombraError) -> UInt64 {
        var st = stat()
        guard unsafe fstat(fd.rawValue, &st) == 0 else { throw mapErrno(errno, operation: "fstat", path: path) }
        return UInt64(st.st_size)
    }

    public func truncate(to size: UInt64) throws(SombraError) {
        guard ftruncate(fd.rawValue, off_t(size)) == 0 else { throw mapErrno(errno, operation: "ftruncate", path: path) }
    }

    public func sync() throws(SombraError) {
        while fdatasync(fd.rawValue) != 0 {
            let e = errno
            if e == EINTR { continue }
            throw mapErrno(e, operation: "fdatasync", path: path)
        }
    }

    public func lock(_ kind: FileLockKind) throws(SombraError) {
        // Linux open-file-description locks; these constants are not imported by Glibc.
        let F_OFD_SETLK: Int32 = 37
        var fl = flock()
        fl.l_type = Int16(kind == .exclusive ? F_WRLCK : F_RDLCK)
        fl.l_whence = Int16(SEEK_SET)
        fl.l_start = 0
        fl.l_len = 0
        fl.l_pid = 0
        if unsafe fcntl(fd.rawValue, F_OFD_SETLK, &fl) != 0 {
            let e = errno
            if e == EAGAIN || e == EACCES { throw .locked(path: path) }
            throw mapErrno(e, operation: "lock", path: path)
        }
    }

    public func close() {
        if closed.exchange(true, ordering: .acquiringAndReleasing) == false { try? fd.close() }
    }

    deinit { close() }
}
