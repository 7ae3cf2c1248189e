import BridCore

/// An Office Open XML workbook (`.xlsx`) read from its bytes: the zip archive, the sheets
/// in workbook order (`xl/workbook.xml` and its relationships), the shared strings, which
/// cell styles show dates (`xl/styles.xml`), and the date system. Sheets are read one at
/// a time with `forEachRow`.
public struct XLSXWorkbook {
    /// A sheet as `xl/workbook.xml` lists it: chart, dialog and macro sheets too, so sheets
    /// are numbered as in the xls reader (every sheet, in the workbook's order).
    public struct Sheet: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case worksheet, chart, dialog, macroSheet
            /// Another relationship type (its last part), or none when the sheet names no part.
            case other(String)
        }

        public let name: String
        /// The sheet part's path in the archive (`xl/worksheets/sheet1.xml`); empty when the
        /// sheet names no part.
        public let path: String
        public let kind: Kind
        /// `state="hidden"` or `"veryHidden"` (only code can show it).
        public let hidden: Bool
    }

    let origin: String
    let archive: ZipArchive
    /// The most any one part may inflate to.
    let limit: Int
    public let sheets: [Sheet]
    let sharedStrings: [String]
    /// By cell style (`s`, an index into `cellXfs`): whether its number format is a date.
    let dateStyles: [Bool]
    /// The 1904 date system (`workbookPr date1904`), else the 1900 one.
    public let date1904: Bool

    /// Opens a workbook; refuses an encrypted one, a `.xls` or another non-zip file, and a
    /// damaged archive, naming what it is. `limit`: the most one part may inflate to.
    public init(bytes: UnsafeBufferPointer<UInt8>, origin: String, limit: Int) throws(InputError) {
        func refuse(_ reason: String) -> InputError { InputError(origin: origin, place: nil, reason: reason) }
        if bytes.count >= 8, Array(bytes[0..<8]) == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            if Self.contains(bytes, utf16: "EncryptionInfo") {
                throw refuse("an encrypted (password-protected) workbook: Excel keeps it in an OLE2 container with EncryptionInfo; save it without a password to read it")
            }
            throw refuse("an OLE2 compound file, not an xlsx workbook: a .xls workbook is read with format = \"xls\"")
        }
        guard ZipArchive.isZip(bytes) else { throw refuse("not an xlsx workbook: it does not start as a zip archive (PK\\x03\\x04)") }
        let archive: ZipArchive
        do { archive = try ZipArchive(bytes) } catch { throw refuse("a corrupt xlsx workbook: \(error)") }
        self.origin = origin
        self.archive = archive
        self.limit = limit

        // The workbook part: named by the package relationships, usually xl/workbook.xml.
        var workbookPath = "xl/workbook.xml"
        if let rels = try Self.part(archive, "_rels/.rels", origin: origin, limit: limit) {
            let found = try Self.relationships(rels, path: "_rels/.rels", origin: origin, base: "")
            if let target = found.first(where: { $0.type.hasSuffix("/officeDocument") })?.target { workbookPath = target }
        }
        guard let workbook = try Self.part(archive, workbookPath, origin: origin, limit: limit) else {
            throw refuse("not an xlsx workbook: the archive has no \(workbookPath) (its members: \(Self.list(archive.members.map(\.name))))")
        }
        let folder = workbookPath.lastIndex(of: "/").map { String(workbookPath[...$0]) } ?? ""
        let relsPath = folder + "_rels/" + workbookPath[(workbookPath.lastIndex(of: "/").map { workbookPath.index(after: $0) } ?? workbookPath.startIndex)...] + ".rels"
        var byID: [String: (type: String, target: String)] = [:]
        if let rels = try Self.part(archive, relsPath, origin: origin, limit: limit) {
            for r in try Self.relationships(rels, path: relsPath, origin: origin, base: folder) { byID[r.id] = (r.type, r.target) }
        }

        var sheets: [Sheet] = []
        var date1904 = false
        try workbook.withUnsafeBufferPointer { (buffer) throws(InputError) in
            var part = XLSXPart(bytes: buffer, origin: origin, path: workbookPath)
            while let event = try part.next() {
                guard case let .start(name) = event else { continue }
                if part.scanner.isLocal(name, "workbookPr"), let value = try part.attribute("date1904") {
                    date1904 = value == "1" || value == "true"
                } else if part.scanner.isLocal(name, "sheet") {
                    guard let sheetName = try part.attribute("name") else { continue }
                    let id = try part.scanner.attributes.first { part.scanner.localName($0.name) == "id" && part.scanner.isPrefixed($0.name) }
                        .map { (a) throws(InputError) in try part.text(a.value, cdata: false) }
                    // Chart, dialog and macro sheets are listed too (numbering counts them) but are not read.
                    let state = try part.attribute("state")
                    let rel = id.flatMap { byID[$0] }
                    let type = rel.map { $0.type.split(separator: "/").last.map(String.init) ?? $0.type }
                    let kind: Sheet.Kind = switch type {
                    case "worksheet": .worksheet
                    case "chartsheet": .chart
                    case "dialogsheet": .dialog
                    case "xlMacrosheet", "xlIntlMacrosheet": .macroSheet
                    case let type?: .other(type)
                    case nil: .other("")
                    }
                    sheets.append(Sheet(name: sheetName, path: rel?.target ?? "", kind: kind, hidden: state == "hidden" || state == "veryHidden"))
                }
            }
        }
        guard sheets.contains(where: { $0.kind == .worksheet }) else { throw refuse("the workbook has no worksheets") }
        self.sheets = sheets
        self.date1904 = date1904

        let stringsPath = byID.values.first { $0.type.hasSuffix("/sharedStrings") }?.target ?? folder + "sharedStrings.xml"
        sharedStrings = try Self.part(archive, stringsPath, origin: origin, limit: limit).map { (bytes) throws(InputError) in
            try Self.sharedStrings(bytes, path: stringsPath, origin: origin)
        } ?? []
        let stylesPath = byID.values.first { $0.type.hasSuffix("/styles") }?.target ?? folder + "styles.xml"
        dateStyles = try Self.part(archive, stylesPath, origin: origin, limit: limit).map { (bytes) throws(InputError) in
            try Self.dateStyles(bytes, path: stylesPath, origin: origin)
        } ?? []
    }

    /// The sheet a choice names, by the xls reader's rules: `.first` is the first visible
    /// worksheet (the first worksheet when all are hidden); `.number(n)` counts every sheet
    /// in the workbook's order, hidden ones and chart sheets too. A missing sheet is refused,
    /// listing the sheets there are; a chart (dialog, macro) sheet is refused by its kind.
    public func sheet(_ choice: SheetChoice) throws(InputError) -> Sheet {
        let found: Sheet? = switch choice {
        case .first: sheets.first { $0.kind == .worksheet && !$0.hidden } ?? sheets.first { $0.kind == .worksheet }
        case let .name(name): sheets.first { $0.name == name }
        case let .number(n): n >= 1 && n <= sheets.count ? sheets[n - 1] : nil
        }
        guard let found else {
            throw InputError(origin: origin, place: nil, reason: "the workbook has no \(choice); its sheets: \(Self.list(sheets.map(\.name)))")
        }
        guard found.kind == .worksheet else {
            throw InputError(origin: origin, place: nil, reason: "sheet \"\(found.name)\" is a \(found.kind.description), not a worksheet")
        }
        return found
    }

    // MARK: parts

    /// A member's bytes, nil when the archive has none by that name.
    static func part(_ archive: ZipArchive, _ path: String, origin: String, limit: Int) throws(InputError) -> [UInt8]? {
        guard let member = member(archive, path) else { return nil }
        do { return try archive.extract(member, limit: limit) } catch {
            throw partFailure(error, origin: origin)
        }
    }

    /// The member at a part's path: exactly, or else ignoring case (some writers differ).
    static func member(_ archive: ZipArchive, _ path: String) -> ZipArchive.Member? {
        archive.member(named: path) ?? archive.members.first { $0.name.lowercased() == path.lowercased() }
    }

    /// A part that cannot be inflated, as the payload's error: a bomb says so itself.
    static func partFailure(_ failure: ZipArchive.Failure, origin: String) -> InputError {
        InputError(origin: origin, place: nil, reason: (failure.kind == .bomb ? "" : "a corrupt xlsx workbook: ") + failure.description)
    }

    struct Relationship { let id, type, target: String }

    /// The relationships of a `.rels` part, targets resolved to archive paths from `base`.
    static func relationships(_ bytes: [UInt8], path: String, origin: String, base: String) throws(InputError) -> [Relationship] {
        var result: [Relationship] = []
        try bytes.withUnsafeBufferPointer { (buffer) throws(InputError) in
            var part = XLSXPart(bytes: buffer, origin: origin, path: path)
            while let event = try part.next() {
                guard case let .start(name) = event, part.scanner.isLocal(name, "Relationship") else { continue }
                guard let id = try part.attribute("Id"), let type = try part.attribute("Type"), let target = try part.attribute("Target") else { continue }
                if try part.attribute("TargetMode") == "External" { continue }
                result.append(Relationship(id: id, type: type, target: resolve(target, base: base)))
            }
        }
        return result
    }

    /// A relationship target as an archive path: `/xl/…` from the root, else relative to `base`, `..` folded.
    static func resolve(_ target: String, base: String) -> String {
        let joined = target.hasPrefix("/") ? String(target.dropFirst()) : base + target
        var parts: [Substring] = []
        for piece in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if piece == ".." { _ = parts.popLast() } else if piece != "." { parts.append(piece) }
        }
        return parts.joined(separator: "/")
    }

    /// `<sst><si>`: plain `<t>` or rich-text runs `<r><t>` concatenated; phonetic runs (`<rPh>`) left out.
    static func sharedStrings(_ bytes: [UInt8], path: String, origin: String) throws(InputError) -> [String] {
        var strings: [String] = []
        try bytes.withUnsafeBufferPointer { (buffer) throws(InputError) in
            var part = XLSXPart(bytes: buffer, origin: origin, path: path)
            var current: String?
            var inText = false
            var phonetic = 0
            while let event = try part.next() {
                switch event {
                case let .start(name):
                    if part.scanner.isLocal(name, "si") { current = "" }
                    else if part.scanner.isLocal(name, "rPh") { phonetic += 1 }
                    else if part.scanner.isLocal(name, "t") { inText = phonetic == 0 }
                case let .end(name):
                    if part.scanner.isLocal(name, "si") { strings.append(current ?? ""); current = nil }
                    else if part.scanner.isLocal(name, "rPh") { phonetic -= 1 }
                    else if part.scanner.isLocal(name, "t") { inText = false }
                case let .text(range, cdata):
                    if inText, current != nil { current! += try part.text(range, cdata: cdata) }
                }
            }
        }
        return strings
    }

    /// `cellXfs/xf@numFmtId` for each style index: a custom format (`numFmts/numFmt@formatCode`)
    /// that shows a date, or, when the workbook defines no code for the id, a built-in date
    /// format — the xls reader's rules (`SpreadsheetSerialDate`).
    static func dateStyles(_ bytes: [UInt8], path: String, origin: String) throws(InputError) -> [Bool] {
        var customDates: [Int: Bool] = [:]
        var styles: [Bool] = []
        try bytes.withUnsafeBufferPointer { (buffer) throws(InputError) in
            var part = XLSXPart(bytes: buffer, origin: origin, path: path)
            var inCellXfs = false
            while let event = try part.next() {
                switch event {
                case let .start(name):
                    if part.scanner.isLocal(name, "numFmt") {
                        if let id = try part.attribute("numFmtId").flatMap({ Int($0) }), let code = try part.attribute("formatCode") {
                            customDates[id] = SpreadsheetSerialDate.isDateFormat(code)
                        }
                    } else if part.scanner.isLocal(name, "cellXfs") {
                        inCellXfs = true
                    } else if inCellXfs, part.scanner.isLocal(name, "xf") {
                        let id = try part.attribute("numFmtId").flatMap { Int($0) } ?? 0
                        styles.append(customDates[id] ?? SpreadsheetSerialDate.isBuiltInDate(id))
                    }
                case let .end(name):
                    if part.scanner.isLocal(name, "cellXfs") { inCellXfs = false }
                case .text:
                    break
                }
            }
        }
        return styles
    }

    static func list(_ names: [String]) -> String {
        let shown = names.prefix(20).map { "\"\(Excerpt($0))\"" }.joined(separator: ", ")
        return names.count > 20 ? shown + " and \(names.count - 20) more" : shown
    }

    /// Whether the bytes hold `text` in UTF-16LE (a stream name in an OLE2 directory).
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, utf16 text: String) -> Bool {
        let needle = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        guard bytes.count >= needle.count else { return false }
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0] {
                var k = 1
                while k < needle.count, bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}

extension XLSXWorkbook.Sheet.Kind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .worksheet: "worksheet"
        case .chart: "chart sheet"
        case .dialog: "dialog sheet"
        case .macroSheet: "macro sheet"
        case let .other(type): type.isEmpty ? "sheet with no part" : "sheet of type \(type)"
        }
    }
}
