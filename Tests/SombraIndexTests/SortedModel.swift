// SortedModel: the reference the randomized B-tree test compares against (a dictionary plus sorted keys).
@testable import SombraIndex

struct SortedModel {
    private(set) var values: [[UInt8]: [UInt8]] = [:]
    private(set) var keys: [[UInt8]] = []

    var count: Int { keys.count }

    subscript(key: [UInt8]) -> [UInt8]? { values[key] }

    /// First index whose key is >= `key`.
    func lowerBound(_ key: [UInt8]) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if compareBytes(keys[mid][...], key[...]) < 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        if values.updateValue(value, forKey: key) == nil { keys.insert(key, at: lowerBound(key)) }
    }

    @discardableResult
    mutating func remove(_ key: [UInt8]) -> Bool {
        guard values.removeValue(forKey: key) != nil else { return false }
        keys.remove(at: lowerBound(key))
        return true
    }

    /// Indices of the keys inside `range`.
    func indices(_ range: KeyRange) -> Range<Int> {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if range.isAboveLower(keys[mid][...]) { high = mid } else { low = mid + 1 }
        }
        let start = low
        high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if range.isBelowUpper(keys[mid][...]) { low = mid + 1 } else { high = mid }
        }
        return start..<max(start, low)
    }

    /// The first key > `key`, if any.
    func successor(of key: [UInt8]) -> [UInt8]? {
        var index = lowerBound(key)
        if index < keys.count, keys[index] == key { index += 1 }
        return index < keys.count ? keys[index] : nil
    }

    /// The last key < `key`, if any.
    func predecessor(of key: [UInt8]) -> [UInt8]? {
        let index = lowerBound(key)
        return index > 0 ? keys[index - 1] : nil
    }
}
