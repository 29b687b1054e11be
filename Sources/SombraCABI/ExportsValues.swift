// ExportsValues: the typed value API (constructors, kind, getters, list and map access, JSON, free).
// Layer: SombraCABI. See ValueBox.swift for the invariants a value handle keeps.
import Sombra

// MARK: Constructors

@c public func sombra_value_null(_ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run { unsafe try out(o, "out").pointee = try newValue(.null) }
}

@c public func sombra_value_bool(_ b: Int32, _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run { unsafe try out(o, "out").pointee = try newValue(.bool(b != 0)) }
}

@c public func sombra_value_int(_ i: Int64, _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run { unsafe try out(o, "out").pointee = try newValue(.int(i)) }
}

@c public func sombra_value_double(_ d: Double, _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run { unsafe try out(o, "out").pointee = try newValue(.double(d)) }
}

@c public func sombra_value_string(_ s: UnsafePointer<CChar>?, _ len: UInt, _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out")
        let text = try unsafe inputString(s, len, max: Limits.valueBytes, what: "string") { .valueTooLarge(size: $0, max: $1) }
        unsafe p.pointee = try newValue(.string(text))
    }
}

@c public func sombra_value_bytes(_ b: UnsafePointer<UInt8>?, _ len: UInt, _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out")
        let bytes = try unsafe inputBytes(b, len, max: Limits.valueBytes, what: "bytes")
        unsafe p.pointee = try newValue(.bytes(bytes))
    }
}

@c public func sombra_value_list(_ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run { unsafe try out(o, "out").pointee = try newValue(.list([])) }
}

@c public func sombra_value_map(_ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run { unsafe try out(o, "out").pointee = try newValue(.map([:])) }
}

@c public func sombra_value_free(_ v: UInt64) -> Int32 {
    run { try values.remove(v) }
}

// MARK: Kind and scalar getters

@c public func sombra_value_kind(_ v: UInt64, _ o: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_kind")
        unsafe p.pointee = try valueOf(v).kindCode
    }
}

func wrongKind(_ want: String, _ got: Value) -> CABIError {
    .wrongKind("expected \(want), the value is \(got.kindName)")
}

@c public func sombra_value_get_bool(_ v: UInt64, _ o: UnsafeMutablePointer<Int32>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_b")
        let value = try valueOf(v)
        guard case .bool(let b) = value else { throw wrongKind("bool", value) }
        unsafe p.pointee = b ? 1 : 0
    }
}

@c public func sombra_value_get_int(_ v: UInt64, _ o: UnsafeMutablePointer<Int64>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_i")
        let value = try valueOf(v)
        guard case .int(let i) = value else { throw wrongKind("int", value) }
        unsafe p.pointee = i
    }
}

@c public func sombra_value_get_double(_ v: UInt64, _ o: UnsafeMutablePointer<Double>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_d")
        let value = try valueOf(v)
        guard case .double(let d) = value else { throw wrongKind("double", value) }
        unsafe p.pointee = d
    }
}

/// The lent contents buffer of a string or bytes value (ValueBox invariant 3), as (address, count).
func lentContents(_ v: UInt64, string: Bool) throws -> (UInt, Int) {
    let box = try values.get(v)
    return try box.state.withLock { s in
        if let c = s.contents, string == (s.value.kindCode == 4) { return (c.address, c.count) }
        let made: CBuffer
        switch (s.value, string) {
        case (.string(let t), true): made = try CBuffer(Array(t.utf8))
        case (.bytes(let b), false): made = try CBuffer(b)
        default: throw wrongKind(string ? "string" : "bytes", s.value)
        }
        s.contents = made
        return (made.address, made.count)
    }
}

@c public func sombra_value_get_string(_ v: UInt64, _ o: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                       _ len: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_s")
        let (address, count) = try lentContents(v, string: true)
        unsafe p.pointee = UnsafePointer(bitPattern: address)
        unsafe store(len, UInt(count))
    }
}

@c public func sombra_value_get_bytes(_ v: UInt64, _ o: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                                      _ len: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_bytes")
        let (address, count) = try lentContents(v, string: false)
        unsafe p.pointee = UnsafePointer(bitPattern: address)
        unsafe store(len, UInt(count))
    }
}

// MARK: Lists

@c public func sombra_value_list_len(_ v: UInt64, _ o: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_len")
        let value = try valueOf(v)
        guard case .list(let items) = value else { throw wrongKind("list", value) }
        unsafe p.pointee = UInt(items.count)
    }
}

@c public func sombra_value_list_get(_ v: UInt64, _ index: UInt, _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_item")
        let box = try values.get(v)
        let item: Value = try box.state.withLock { s in
            guard case .list(let items) = s.value else { throw wrongKind("list", s.value) }
            guard index < UInt(items.count) else { throw CABIError.range("index \(index) of a list of \(items.count)") }
            return items[Int(index)]
        }
        unsafe p.pointee = try newValue(item)
    }
}

@c public func sombra_value_list_append(_ v: UInt64, _ item: UInt64) -> Int32 {
    run {
        let box = try values.get(v)
        let (element, elementSize) = try values.get(item).valueAndSize
        try box.state.withLock { s in
            guard case .list(var items) = s.value else { throw wrongKind("list", s.value) }
            let size = s.size.adding(elementSize)
            guard size.isWithinLimits else { throw size.refusal("appending") }
            s.value = .null  // keep `items` uniquely referenced while appending
            items.append(element)
            s.value = .list(items)
            s.size = size
        }
    }
}

// MARK: Maps

@c public func sombra_value_map_len(_ v: UInt64, _ o: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_len")
        let value = try valueOf(v)
        guard case .map(let m) = value else { throw wrongKind("map", value) }
        unsafe p.pointee = UInt(m.count)
    }
}

@c public func sombra_value_map_get(_ v: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt,
                                   _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out_item")
        let k = try unsafe inputString(key, keyLen, max: Limits.valueBytes, what: "key") { .keyTooLarge(size: $0, max: $1) }
        let value = try valueOf(v)
        guard case .map(let m) = value else { throw wrongKind("map", value) }
        unsafe p.pointee = try m[k].map { try newValue($0) } ?? 0
    }
}

@c public func sombra_value_map_set(_ v: UInt64, _ key: UnsafePointer<CChar>?, _ keyLen: UInt, _ item: UInt64) -> Int32 {
    run {
        let k = try unsafe inputString(key, keyLen, max: Limits.valueBytes, what: "key") { .keyTooLarge(size: $0, max: $1) }
        let box = try values.get(v)
        let (element, elementSize) = try values.get(item).valueAndSize
        try box.state.withLock { s in
            guard case .map(var m) = s.value else { throw wrongKind("map", s.value) }
            var size = s.size.adding(elementSize, keyBytes: k.utf8.count)
            if m[k] != nil {
                // Replacing an entry: measure the result (its depth may shrink); bounded by the limits.
                var replaced = m
                replaced[k] = element
                size = ValueSize.of(.map(replaced))
            }
            guard size.isWithinLimits else { throw size.refusal("setting") }
            s.value = .null  // keep `m` uniquely referenced while setting
            if m.updateValue(element, forKey: k) == nil { s.sortedKeys = nil }
            s.value = .map(m)
            s.size = size
        }
    }
}

@c public func sombra_value_map_entry(_ v: UInt64, _ index: UInt, _ outKey: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                     _ outKeyLen: UnsafeMutablePointer<UInt>?, _ outItem: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let pk = try unsafe out(outKey, "out_key")
        let box = try values.get(v)
        let (address, count, item): (UInt, Int, Value) = try box.state.withLock { s in
            guard case .map(let m) = s.value else { throw wrongKind("map", s.value) }
            guard index < UInt(m.count) else { throw CABIError.range("entry \(index) of a map of \(m.count)") }
            let keys = s.sortedKeys ?? sortedKeys(m)
            s.sortedKeys = keys
            let k = keys[Int(index)]
            let buffer = try s.keyBuffers[k] ?? CBuffer(Array(k.utf8))
            s.keyBuffers[k] = buffer
            guard let item = m[k] else { throw CABIError.range("entry \(index) vanished") }
            return (buffer.address, buffer.count, item)
        }
        if let po = unsafe outItem { unsafe po.pointee = try newValue(item) }
        unsafe pk.pointee = UnsafePointer(bitPattern: address)
        unsafe store(outKeyLen, UInt(count))
    }
}

// MARK: JSON

@c public func sombra_value_to_json(_ v: UInt64, _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                    _ outLen: UnsafeMutablePointer<UInt>?) -> Int32 {
    run {
        let p = try unsafe out(outJSON, "out_json")
        let text = JSONPrinter.print(try valueOf(v))
        let (s, n) = try unsafe issueString(text)
        unsafe p.pointee = s
        unsafe store(outLen, UInt(n))
    }
}

@c public func sombra_value_from_json(_ json: UnsafePointer<CChar>?, _ len: UInt, _ o: UnsafeMutablePointer<UInt64>?) -> Int32 {
    run {
        let p = try unsafe out(o, "out")
        guard len <= UInt(Limits.jsonBytes) else { throw SombraError.valueTooLarge(size: Int(clamping: len), max: Limits.jsonBytes) }
        let bytes = try unsafe inputBytes(UnsafeRawPointer(json)?.assumingMemoryBound(to: UInt8.self), len,
                                          max: Limits.jsonBytes, what: "json")
        var parser = JSONParser(bytes)
        unsafe p.pointee = try newValue(try parser.parseDocument())
    }
}
