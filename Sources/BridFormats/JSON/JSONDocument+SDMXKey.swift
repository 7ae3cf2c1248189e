extension JSONDocument {
    /// Reads an SDMX-JSON key (`"0:1:0"`, `"3"`, `""` for none) into value indices;
    /// false when it is not `count` colon-separated non-negative integers.
    func sdmxKey(_ key: Value, count: Int, into indices: inout [Int]) -> Bool {
        indices.removeAll(keepingCapacity: true)
        let t = tokens[key]
        if t.escaped {
            guard let text = string(key) else { return false }
            return JSONDocument.sdmxKey(Array(text.utf8)[...], count: count, into: &indices)
        }
        return JSONDocument.sdmxKey(bytes[Int(t.start)..<Int(t.end)], count: count, into: &indices)
    }

    private static func sdmxKey<C: Collection<UInt8>>(_ bytes: C, count: Int, into indices: inout [Int]) -> Bool {
        if bytes.isEmpty { return count == 0 }
        var n = 0
        var digits = 0
        for c in bytes {
            if c == UInt8(ascii: ":") {
                guard digits > 0 else { return false }
                indices.append(n)
                n = 0
                digits = 0
            } else {
                let d = c &- UInt8(ascii: "0")
                guard d < 10, digits < 9 else { return false }
                n = n * 10 + Int(d)
                digits += 1
            }
        }
        guard digits > 0 else { return false }
        indices.append(n)
        return indices.count == count
    }
}
