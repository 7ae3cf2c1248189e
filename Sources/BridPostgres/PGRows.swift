import CLibPQ

/// What a statement returned, read whole: column names and rows of texts (nil is NULL),
/// plus the command tag (`INSERT 0 3`) and the rows it affected.
public struct PGRows: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[String?]]
    /// The command tag, e.g. `SELECT 2`, `INSERT 0 3`, `COPY 100000`.
    public let command: String
    /// Rows affected or returned, when the command says.
    public let affected: Int?

    init(columns: [String], rows: [[String?]], command: String, affected: Int?) {
        self.columns = columns
        self.rows = rows
        self.command = command
        self.affected = affected
    }

    init(_ result: OpaquePointer) {
        let fieldCount = PQnfields(result)
        let rowCount = PQntuples(result)
        columns = (0..<fieldCount).map { String(cString: PQfname(result, $0)) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            rows.append((0..<fieldCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            })
        }
        self.rows = rows
        command = String(cString: PQcmdStatus(result))
        affected = Int(String(cString: PQcmdTuples(result)))
    }

    /// The first column of the first row: `SELECT count(*) …`.
    public var scalar: String? {
        rows.first?.first ?? nil
    }
}
