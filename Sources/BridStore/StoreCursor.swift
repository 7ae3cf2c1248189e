import Synchronization

/// How many cursors are open in this process (tests check that a reply stream that ends,
/// fails or loses its client closes its cursor).
public enum StoreCursors {
    static let count = Atomic<Int>(0)
    public static var open: Int { count.load(ordering: .relaxed) }
}

/// Where a cursor's rows come from: a backend reads them a batch at a time (the SQLite
/// backend steps a statement on a read connection of its own; another backend might read
/// from a server-side cursor). Called once per batch, never per row.
public protocol StoreRowSource<Row>: AnyObject {
    associatedtype Row
    /// Appends up to about `maxRows` rows to `rows`; returns false once the source is
    /// exhausted (the last rows, if any, already appended).
    func next(_ maxRows: Int, into rows: inout [Row]) throws -> Bool
    /// Frees what the source holds (its read transaction, its connection). Called once.
    func close()
}

/// The rows of one query, read in batches inside one read transaction (one snapshot), so
/// a reply can stream a result of any size without holding it, and without holding the
/// store's shared read connections between batches. Backend-neutral: the rows come from
/// a `StoreRowSource`.
///
/// Not thread-safe: one user at a time (the control server asks for one batch at a time).
/// `close()` (or deinit) ends the read transaction and frees its connection.
public final class StoreCursor<Row> {
    private var source: (any StoreRowSource<Row>)?
    public private(set) var isFinished = false

    /// A cursor over the rows of `source`.
    public init(_ source: any StoreRowSource<Row>) {
        self.source = source
        StoreCursors.count.add(1, ordering: .relaxed)
    }

    /// A cursor over rows already known (a query answered without reading).
    public convenience init(rows: [Row]) {
        self.init(KnownRows(rows))
    }

    deinit { close() }

    /// Up to about `maxRows` rows; an empty array once the query is exhausted.
    public func next(_ maxRows: Int) throws -> [Row] {
        var rows: [Row] = []
        guard !isFinished, let source else { return rows }
        do {
            if try !source.next(maxRows, into: &rows) { close() }
        } catch {
            close()
            throw error
        }
        return rows
    }

    /// Ends the read transaction and frees the connection; later `next` calls return nothing.
    public func close() {
        guard !isFinished else { return }
        isFinished = true
        source?.close()
        source = nil
        StoreCursors.count.subtract(1, ordering: .relaxed)
    }
}

/// Rows already in memory, handed out at once.
private final class KnownRows<Row>: StoreRowSource {
    private var pending: [Row]
    init(_ rows: [Row]) { pending = rows }
    func next(_ maxRows: Int, into rows: inout [Row]) throws -> Bool {
        rows += pending
        pending = []
        return false
    }
    func close() { pending = [] }
}
