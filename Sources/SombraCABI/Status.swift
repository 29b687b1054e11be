// Status: how every exported function turns its outcome into an `int` status code and a per-thread
// error message. Layer: SombraCABI (the C ABI shell over the graph facade).
//
// Invariants:
//  1. Every exported function runs its body inside `run`, so no Swift error escapes: ABI errors
//     (`CABIError`) become codes 1...9, engine errors (`SombraError`) become `SombraError.code` (>= 10),
//     anything else becomes SOMBRA_INTERNAL.
//  2. A failing call stores its message in a buffer owned by the calling thread (a pthread key whose
//     destructor frees it); successful calls do not touch it, so the hot path pays nothing.
//  3. The message buffer is replaced only by the next failing call on the same thread, which is what
//     `sombra_errmsg` promises about the lifetime of the pointer it returns.
//
// The boundary uses untyped `throws` on purpose: a body mixes engine calls (`throws(SombraError)`) and ABI
// checks (`throws(CABIError)`), and `run` classifies whatever arrives.
import Glibc
import Sombra

/// Status codes of the ABI itself (the engine's codes are `SombraError.code`, all >= 10).
enum Status {
    static let ok: Int32 = 0
    static let misuse: Int32 = 1
    static let nomem: Int32 = 2
    static let done: Int32 = 3
    static let invalidUTF8: Int32 = 4
    static let wrongKind: Int32 = 5
    static let range: Int32 = 6
    static let json: Int32 = 7
    static let limit: Int32 = 8
    static let `internal`: Int32 = 9
}

/// An error detected by the ABI layer (as opposed to the engine).
enum CABIError: Error {
    case misuse(String)
    case nomem(String)
    case done
    case invalidUTF8(String)
    case wrongKind(String)
    case range(String)
    case json(String)
    case limit(String)

    var code: Int32 {
        switch self {
        case .misuse: return Status.misuse
        case .nomem: return Status.nomem
        case .done: return Status.done
        case .invalidUTF8: return Status.invalidUTF8
        case .wrongKind: return Status.wrongKind
        case .range: return Status.range
        case .json: return Status.json
        case .limit: return Status.limit
        }
    }

    var message: String {
        switch self {
        case .misuse(let m): return "misuse: \(m)"
        case .nomem(let m): return "out of memory: \(m)"
        case .done: return "iterator is exhausted"
        case .invalidUTF8(let m): return "invalid UTF-8: \(m)"
        case .wrongKind(let m): return "wrong value kind: \(m)"
        case .range(let m): return "out of range: \(m)"
        case .json(let m): return "invalid JSON: \(m)"
        case .limit(let m): return "limit reached: \(m)"
        }
    }
}

/// Runs an exported function's body and returns its status (invariant 1).
@inline(__always)
func run(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok
    } catch let e as CABIError {
        if case .done = e { return Status.done }  // not a failure: leave the message alone
        ErrorMessage.set(e.message)
        return e.code
    } catch let e as SombraError {
        ErrorMessage.set(e.description)
        return e.code
    } catch {
        ErrorMessage.set("internal error: \(error)")
        return Status.internal
    }
}

/// Requires a non-NULL out-pointer.
@inline(__always)
func out<T>(_ p: UnsafeMutablePointer<T>?, _ name: StaticString) throws(CABIError) -> UnsafeMutablePointer<T> {
    guard let p = unsafe p else { throw .misuse("\(name) is NULL") }
    return unsafe p
}

/// Writes `v` through an optional out-pointer (NULL means "not wanted").
@inline(__always)
func store<T>(_ p: UnsafeMutablePointer<T>?, _ v: T) {
    if let p = unsafe p { unsafe p.pointee = v }
}

/// The per-thread message of the last failing call (invariants 2 and 3). The buffer is
/// [UInt64 length][bytes][NUL], allocated with malloc and freed by the key's destructor.
enum ErrorMessage {
    static let key: pthread_key_t = {
        var k = pthread_key_t()
        _ = unsafe pthread_key_create(&k) { p in unsafe free(p) }
        return k
    }()

    static func set(_ message: String) {
        var text = message
        let n = text.utf8.count
        guard let base = unsafe malloc(8 + n + 1) else { return }
        unsafe base.storeBytes(of: UInt64(n), as: UInt64.self)
        text.withUTF8 { u in
            if let src = u.baseAddress { unsafe (base + 8).copyMemory(from: src, byteCount: n) }
        }
        unsafe (base + 8 + n).storeBytes(of: 0, as: UInt8.self)
        let old = unsafe pthread_getspecific(key)
        if unsafe pthread_setspecific(key, base) != 0 {
            unsafe free(base)
            return
        }
        unsafe free(old)
    }

    /// The current thread's message (borrowed) or nil.
    static func current() -> (UnsafePointer<CChar>, Int)? {
        guard let base = unsafe pthread_getspecific(key) else { return nil }
        let n = unsafe base.load(as: UInt64.self)
        let text = unsafe UnsafePointer((base + 8).assumingMemoryBound(to: CChar.self))
        return unsafe (text, Int(truncatingIfNeeded: n))
    }
}
