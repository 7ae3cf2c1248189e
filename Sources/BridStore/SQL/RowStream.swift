/// A streamed reply's query, backend-neutral: its SQL, and how each SQL row becomes rows
/// of the reply. A backend's `StoreRowSource` runs it inside one read snapshot on a
/// connection of its own (SQLite: a read-only connection stepping the statement;
/// PostgreSQL: a server-side cursor fetched a batch at a time).
struct RowStream<DB: SQLDatabase, Row> {
    /// Turns the current SQL row into zero or more rows; returns false to stop early.
    typealias Produce = (DB.Statement, inout [Row]) throws -> Bool

    let sql: String
    /// Called once, on the cursor's connection before any row (inside its snapshot on
    /// SQLite, just before it on PostgreSQL, so it may read only what a commit fixes): the
    /// values to bind to `sql`, and the row maker (which may prepare statements of its
    /// own on that connection). Nil: the reply is empty, `sql` is not run.
    let start: (DB) throws -> (binds: [SQLValue], produce: Produce)?
    /// Called once at the end (after the last SQL row, or when `produce` stopped): rows held back.
    var finish: ((inout [Row]) -> Void)? = nil

    /// A stream whose binds are known and whose rows need nothing more than the row itself.
    init(sql: String, binds: [SQLValue], finish: ((inout [Row]) -> Void)? = nil, produce: @escaping Produce) {
        self.sql = sql
        self.start = { _ in (binds, produce) }
        self.finish = finish
    }

    init(sql: String, start: @escaping (DB) throws -> (binds: [SQLValue], produce: Produce)?, finish: ((inout [Row]) -> Void)? = nil) {
        self.sql = sql
        self.start = start
        self.finish = finish
    }
}
