/// Finds the known key an unknown one was probably meant to be (`evry` → `every`).
enum KeySuggestion {
    static func closest(to key: String, among candidates: some Sequence<String>) -> String? {
        let folded = fold(key)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let d = fold(candidate) == folded ? 0 : distance(folded, fold(candidate))
            if d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        guard let best else { return nil }
        let allowed = key.count >= 5 ? 2 : (key.count >= 3 ? 1 : 0)
        return best.distance <= allowed ? best.candidate : nil
    }

    /// Case and `-`/`_` do not count as differences.
    private static func fold(_ s: String) -> [Character] {
        Array(s.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// Levenshtein distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
