// NameCache: committed label, edge-type and property-key names and their interned ids, shared by all
// transactions of a GraphDB. Names are in one namespace; an id, once committed, never changes meaning.
//
// Invariants:
//  1. Only committed names enter this cache (readers add what they read at a committed snapshot; a writer
//     adds its new names after its commit succeeds), so a rolled-back id is never cached.
//  2. Names are looked up by their UTF-8 bytes (NameKey), as the names tree stores them: two names that
//     are canonically equivalent but differ in bytes ("\u{E9}" and "e\u{301}", equal as Swift Strings)
//     are two names with two ids.
//  3. Ids below `denseIDLimit` (all of them in practice: ids are handed out from 1 upward) are found by
//     array index, without hashing; larger ids (only a damaged or hostile file has them) use a dictionary,
//     so an id read from disk never sizes an allocation.
import Synchronization
import SombraFormat

/// A name kept for quick byte-exact matching (invariant 2) in short lists searched without hashing (a read
/// session's recent names, a bulk load's first names). For an ASCII name, equal UTF-8 lengths and String
/// equality imply equal bytes: a string canonically equivalent to an ASCII one but not identical to it holds
/// a character that stands for ASCII (the Kelvin sign, U+212A, is "K") in more bytes than the ASCII takes.
/// So the common case costs a length and a String comparison (identical small strings compare as two
/// words); other names compare bytes (NameKey).
struct SpelledName: Sendable {
    let text: String
    let byteCount: Int
    let isASCII: Bool

    init(_ text: String) {
        self.text = text
        byteCount = text.utf8.count
        isASCII = text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Whether `other` has exactly these UTF-8 bytes.
    func isSpelled(_ other: String) -> Bool {
        guard other.utf8.count == byteCount else { return false }
        return isASCII ? other == text : NameKey(text) == NameKey(other)
    }
}

/// A name compared and hashed by its UTF-8 bytes (invariant 2): the dictionary key for name lookups.
/// Making one copies nothing: a native String's bytes are hashed in place.
struct NameKey: Hashable, Sendable {
    let name: String
    init(_ name: String) { self.name = name }

    static func == (a: NameKey, b: NameKey) -> Bool {
        guard a.name.utf8.count == b.name.utf8.count else { return false }
        var x = a.name, y = b.name
        return x.withUTF8 { p in y.withUTF8 { q in unsafe p.elementsEqual(q) } }
    }

    func hash(into hasher: inout Hasher) {
        var name = name
        name.withUTF8 { bytes in unsafe hasher.combine(bytes: UnsafeRawBufferPointer(bytes)) }
    }
}

final class NameCache: Sendable {
    static let denseIDLimit: UInt32 = 1 << 16

    private struct Maps {
        var byDenseID: [String?] = []
        var bySparseID: [UInt32: String] = [:]
        var byName: [NameKey: UInt32] = [:]

        func name(_ id: UInt32) -> String? {
            guard id < NameCache.denseIDLimit else { return bySparseID[id] }
            return Int(id) < byDenseID.count ? byDenseID[Int(id)] : nil
        }

        mutating func add(_ name: String, _ id: UInt32) {
            if id < NameCache.denseIDLimit {
                if Int(id) >= byDenseID.count { byDenseID.append(contentsOf: repeatElement(nil, count: Int(id) + 1 - byDenseID.count)) }
                byDenseID[Int(id)] = name
            } else {
                bySparseID[id] = name
            }
            byName[NameKey(name)] = id
        }
    }
    private let maps = Mutex(Maps())

    func name(for id: UInt32) -> String? { maps.withLock { $0.name(id) } }

    /// The names of ids below `denseIDLimit`, indexed by id (nil: not cached). One lock and no copy: the
    /// array is shared until the next name is added.
    func denseNames() -> [String?] { maps.withLock { $0.byDenseID } }

    func id(for name: String) -> UInt32? { maps.withLock { $0.byName[NameKey(name)] } }

    func add(_ name: String, _ id: UInt32) {
        maps.withLock { $0.add(name, id) }
    }

    /// Adds names by id (a writer's new names after its commit).
    func add(_ entries: [UInt32: String]) {
        guard !entries.isEmpty else { return }
        maps.withLock { m in
            for (i, n) in entries { m.add(n, i) }
        }
    }
}

enum NameRules {
    static let maxBytes = 1024

    /// Labels, edge types and property keys: 1...1024 bytes of UTF-8 with no NUL character.
    static func validate(_ name: String, _ what: String) throws(SombraError) {
        let n = name.utf8.count
        guard n > 0 else { throw .invalidArgument("\(what) name is empty") }
        guard n <= maxBytes else { throw .invalidArgument("\(what) name is \(n) bytes; the maximum is \(maxBytes)") }
        guard !name.utf8.contains(0) else { throw .invalidArgument("\(what) name contains a NUL character") }
    }
}
