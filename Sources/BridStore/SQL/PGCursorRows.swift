import BridPostgres

/// A cursor's rows read from PostgreSQL through a server-side cursor: `DECLARE … CURSOR`
/// inside a READ ONLY, REPEATABLE READ transaction (one snapshot), then `FETCH` a batch at
/// a time, so a streamed reply never holds the whole result, in this process or in libpq.
///
/// A reply costs two round trips when it fits in one batch: `BEGIN`, `DECLARE` and the
/// first `FETCH` go in one string, then `ROLLBACK`. The stream's `start` runs on the
/// connection just before the snapshot is taken: what it reads (a vintage's release id,
/// statements to prepare) is fixed once committed, so the snapshot need not hold it.
///
/// The connection is the cursor's alone while it is open (the store takes one from its
/// pool); `close()` ends the transaction and hands the connection back through `giveBack`.
final class PGCursorRows<Row>: StoreRowSource {
    /// How many SQL rows one FETCH asks for at most.
    static var fetchLimit: Int { 1_000 }

    private var database: PGDatabase?
    private let giveBack: (PGDatabase) -> Void
    private let produce: RowStream<PGDatabase, Row>.Produce?
    private let finish: ((inout [Row]) -> Void)?
    private let name: String
    private let fetchSize: Int
    /// The fetched rows not yet turned into reply rows.
    private let batch = PGSQLStatement()
    private var serverExhausted = false

    /// Opens the cursor on `database` (which must be outside a transaction). On failure the
    /// transaction is rolled back and the connection handed back before the error is thrown.
    init(database: PGDatabase, stream: RowStream<PGDatabase, Row>, fetchSize: Int = PGCursorRows.fetchLimit,
         giveBack: @escaping (PGDatabase) -> Void) throws {
        self.giveBack = giveBack
        self.finish = stream.finish
        self.fetchSize = max(1, fetchSize)
        name = "brid_cursor"
        do {
            if let (binds, produce) = try stream.start(database) {
                // One round trip: the snapshot, the cursor and its first batch in one
                // simple-query string (its values inlined as literals); a reply that fits
                // in the first batch costs this and the ROLLBACK of `close()`.
                let fetched = try database.connection.execute("""
                    BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
                    DECLARE \(name) NO SCROLL CURSOR FOR \(PGDatabase.inline(stream.sql, binds));
                    FETCH FORWARD \(self.fetchSize) FROM \(name)
                    """).rows
                serverExhausted = fetched.count < self.fetchSize
                batch.load(fetched)
                self.produce = produce
            } else {
                self.produce = nil
                serverExhausted = true
            }
        } catch {
            if database.connection.inTransaction { _ = try? database.connection.execute("ROLLBACK") }
            giveBack(database)
            throw error
        }
        self.database = database
    }

    func next(_ maxRows: Int, into rows: inout [Row]) throws -> Bool {
        guard let database, let produce else { return false }
        while rows.count < maxRows {
            if try batch.step() {
                if try !produce(batch, &rows) {
                    finish?(&rows)
                    serverExhausted = true
                    batch.load([])
                    return false
                }
                continue
            }
            if serverExhausted {
                finish?(&rows)
                return false
            }
            let fetched = try database.connection.query("FETCH FORWARD \(fetchSize) FROM \(name)").rows
            serverExhausted = fetched.count < fetchSize
            batch.load(fetched)
        }
        return true
    }

    func close() {
        guard let database else { return }
        self.database = nil
        batch.load([])
        // The snapshot was read only: rolling back ends it and closes the cursor.
        if database.connection.inTransaction { _ = try? database.connection.execute("ROLLBACK") }
        giveBack(database)
    }

    deinit { close() }
}

extension StoreCursor {
    /// A cursor over a stream on a PostgreSQL connection the caller lends it; `giveBack`
    /// has it back when the cursor closes (or fails to open).
    convenience init(database: PGDatabase, stream: RowStream<PGDatabase, Row>, giveBack: @escaping (PGDatabase) -> Void) throws {
        self.init(try PGCursorRows(database: database, stream: stream, giveBack: giveBack))
    }
}
