// CStrings: reading strings and name lists from C (pointer + length) and handing strings back to C.
// Layer: SombraCABI.
//
// Invariants:
//  1. A length is compared with its bound before a single byte is read or allocated.
//  2. Input text is validated as UTF-8 (`String(validating:)`); nothing is repaired or replaced.
//  3. Every `char *` given to C is malloc'd with a NUL after its bytes and recorded in `issued`; only a
//     recorded pointer is freed by sombra_free_string, so a double or foreign free is SOMBRA_MISUSE.
import Glibc
import Sombra
import Synchronization

enum Limits {
    static let pathBytes = 4096
    static let nameBytes = 1024
    static let valueBytes = 16 << 20
    static let jsonBytes = 64 << 20
    static let jsonItems = 1 << 22
    /// A value built through the ABI: at most this many values, and bytes of text (ValueBox invariant 5).
    static let valueItems = jsonItems
    static let valueBytesTotal = jsonBytes
    static let nameCount = 4096
    static let nesting = 32
}

/// Reads `len` bytes at `p` as UTF-8 text of at most `max` bytes (invariants 1 and 2).
func inputString(_ p: UnsafePointer<CChar>?, _ len: UInt, max: Int, what: String,
                 tooLarge: (Int, Int) -> SombraError) throws -> String {
    guard len <= UInt(max) else { throw tooLarge(Int(clamping: len), max) }
    let n = Int(len)
    guard let p = unsafe p else {
        if n == 0 { return "" }
        throw CABIError.misuse("\(what) is NULL but its length is \(n)")
    }
    let bytes = unsafe UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: n)
    guard let s = unsafe String(validating: bytes, as: UTF8.self) else {
        throw CABIError.invalidUTF8("\(what) is not valid UTF-8")
    }
    return s
}

/// A label, edge type or property key.
func inputName(_ p: UnsafePointer<CChar>?, _ len: UInt, _ what: String) throws -> String {
    try unsafe inputString(p, len, max: Limits.nameBytes, what: what) { .keyTooLarge(size: $0, max: $1) }
}

/// Raw bytes of at most `max` bytes.
func inputBytes(_ p: UnsafePointer<UInt8>?, _ len: UInt, max: Int, what: String) throws -> [UInt8] {
    guard len <= UInt(max) else { throw SombraError.valueTooLarge(size: Int(clamping: len), max: max) }
    let n = Int(len)
    guard let p = unsafe p else {
        if n == 0 { return [] }
        throw CABIError.misuse("\(what) is NULL but its length is \(n)")
    }
    return unsafe Array(UnsafeBufferPointer(start: p, count: n))
}

/// A list of names: `ptrs[i]` of `lens[i]` bytes, i < count.
func inputNames(_ ptrs: UnsafePointer<UnsafePointer<CChar>?>?, _ lens: UnsafePointer<UInt>?, _ count: UInt,
                _ what: String) throws -> [String] {
    guard count <= UInt(Limits.nameCount) else {
        throw SombraError.invalidArgument("\(count) \(what)s in one call; the maximum is \(Limits.nameCount)")
    }
    let n = Int(count)
    if n == 0 { return [] }
    guard let ptrs = unsafe ptrs, let lens = unsafe lens else {
        throw CABIError.misuse("\(what) array or its length array is NULL but the count is \(n)")
    }
    var out: [String] = []
    out.reserveCapacity(n)
    for i in 0..<n { out.append(try unsafe inputName(ptrs[i], lens[i], what)) }
    return out
}

/// An edge type filter: NULL means every type (invariant: a NULL array must come with count 0).
func inputTypeFilter(_ ptrs: UnsafePointer<UnsafePointer<CChar>?>?, _ lens: UnsafePointer<UInt>?,
                     _ count: UInt) throws -> [String]? {
    if unsafe ptrs == nil {
        guard count == 0 else { throw CABIError.misuse("types is NULL but type_count is \(count)") }
        return nil
    }
    if count == 0 { return [] }
    return try unsafe inputNames(ptrs, lens, count, "edge type")
}

/// Pointers handed to C by `issueString` (invariant 3).
let issuedStrings = Mutex(Set<UInt>())

/// Copies `s` into a new malloc'd NUL-terminated buffer that C frees with sombra_free_string.
func issueString(_ s: String) throws(CABIError) -> (UnsafeMutablePointer<CChar>, Int) {
    var text = s
    let n = text.utf8.count
    guard let raw = unsafe malloc(n + 1) else { throw .nomem("\(n + 1) bytes for a string") }
    text.withUTF8 { u in
        if let src = u.baseAddress { unsafe raw.copyMemory(from: src, byteCount: n) }
    }
    unsafe raw.storeBytes(of: 0, toByteOffset: n, as: UInt8.self)
    let key = UInt(bitPattern: raw)
    issuedStrings.withLock { _ = $0.insert(key) }
    return unsafe (raw.assumingMemoryBound(to: CChar.self), n)
}

/// Frees a pointer from `issueString`; false if it was not issued (or already freed).
func releaseString(_ p: UnsafeMutablePointer<CChar>) -> Bool {
    let key = UInt(bitPattern: p)
    guard issuedStrings.withLock({ $0.remove(key) != nil }) else { return false }
    unsafe free(p)
    return true
}

/// A C copy of some bytes (NUL-terminated), lent to C and freed with this object. The class is safe to
/// use: its pointer never escapes except as an address (`address`) handed to C. It is immutable after
/// `init` (the bytes are written there and never again), which is what makes it Sendable.
@safe final class CBuffer: @unchecked Sendable {
    private let pointer: UnsafeMutableRawPointer
    let count: Int

    init(_ bytes: [UInt8]) throws(CABIError) {
        let n = bytes.count
        guard let p = unsafe malloc(n + 1) else { throw .nomem("\(n + 1) bytes for a buffer") }
        unsafe bytes.withUnsafeBytes { src in
            if let base = src.baseAddress { unsafe p.copyMemory(from: base, byteCount: n) }
        }
        unsafe p.storeBytes(of: 0, toByteOffset: n, as: UInt8.self)
        unsafe pointer = p
        count = n
    }

    /// The buffer's address, for handing to C.
    var address: UInt { UInt(bitPattern: unsafe pointer) }

    deinit { unsafe free(pointer) }
}
