/// Merges a spilled payload's sorted runs into one stream of series, each with its
/// observations sorted by period: the external merge sort behind payloads larger than
/// memory. Memory: one decoder buffer per run and one series at a time.
struct RunMerge {
    private var decoders: [RunDecoder]
    /// A min-heap of (record, run) ordered by `RunRecord.precedes`.
    private var heap: [(record: RunRecord, run: Int)] = []

    init(runs: [any SpillRun]) throws {
        decoders = runs.map(RunDecoder.init(run:))
        for i in decoders.indices {
            if let record = try decoders[i].next() { push((record, i)) }
        }
    }

    /// The next record in (series, period, ordinal) order, or nil when every run is done.
    mutating func next() throws -> RunRecord? {
        guard let top = heap.first else { return nil }
        if let following = try decoders[top.run].next() {
            heap[0] = (following, top.run)
            siftDown(0)
        } else {
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                siftDown(0)
            }
        }
        return top.record
    }

    /// The series of the record `next()` will return, without taking it.
    var upcomingSeries: UInt32? { heap.first?.record.series }

    private mutating func push(_ entry: (record: RunRecord, run: Int)) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, less(left, smallest) { smallest = left }
            if right < heap.count, less(right, smallest) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        RunRecord.precedes(heap[a].record, heap[b].record)
    }
}
