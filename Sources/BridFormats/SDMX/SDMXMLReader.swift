import BridCore

/// Reads one SDMX-ML 2.1 data message as a stream of `XMLScanner` events.
///
/// - Prefix: the header `Structure` whose `structureID` the `DataSet`'s `structureRef`
///   names (or the only one): its dataflow `Ref@id` (`StructureUsage`), else its DSD
///   `Ref@id`, else a `URN`, else the `structureID` itself; else `DataSet@structureRef`.
/// - GenericData: `SeriesKey/Value@id,@value` are the key; `ObsDimension@value` the period,
///   `ObsValue@value` the value. StructureSpecificData: the `Series` attributes that are
///   not attributes (see `SDMXMLFormat.defaultAttributes`) are the key; `Obs` has the
///   period in the attribute the header's `dimensionAtObservation` names (default
///   `TIME_PERIOD`) and the value in `OBS_VALUE`. The `OBS_STATUS` attribute (GenericData:
///   `Obs/Attributes/Value@id="OBS_STATUS"`) is the observation's status. Observations directly in a `DataSet`
///   (`AllDimensions`) take their key from the `Obs` itself (`ObsKey` in GenericData).
/// - `NaN` (SDMX's missing value) or an absent value is "no value". A `DataSet` with
///   `action="Delete"` (or a header `DataSetAction` Delete) deletes its observations.
/// - `Header/Prepared` is the published-at time.
struct SDMXMLReader {
    let format: SDMXMLFormat
    var scanner: XMLScanner
    let origin: String

    private enum Context: Equatable {
        case root, errorRoot, errorText, header, prepared, dataSetAction, headerStructure, structureRef(usage: Bool), urn(usage: Bool)
        case dataSet, series, seriesKey, obs, obsKey, obsAttributes, other
    }

    private struct Structure {
        var id: String
        var dsd: String?
        var usage: String?
        var dimensionAtObservation: String?
    }

    private var contexts: [Context] = []
    private var generic = false
    private var text = ""
    private var structures: [Structure] = []
    private var defaultAction: String?
    private var errorTexts: [String] = []

    private var dataSetIndex = 0
    private var prefix = ""
    private var deleting = false
    private var timeDimension = "TIME_PERIOD"

    private var seriesIndex = 0
    private var seriesParts: [(id: String, value: String)] = []
    private var seriesKey: String?
    private var flat = false
    private var obsIndex = 0
    private var obsLine = 0
    private var obsTime: String?
    private var obsValue: String?
    private var obsStatus: String?
    private var obsParts: [(id: String, value: String)] = []
    private var records = 0

    init(format: SDMXMLFormat, scanner: XMLScanner, origin: String) {
        self.format = format
        self.scanner = scanner
        self.origin = origin
    }

    mutating func read(into builder: inout PayloadBuilder) throws(InputError) {
        while let event = try next() {
            switch event {
            case let .start(name):
                let context = try start(name, in: contexts.last, &builder)
                contexts.append(context)
            case .end:
                try end(contexts.removeLast(), &builder)
            case let .text(range, cdata):
                switch contexts.last {
                case .prepared?, .dataSetAction?, .urn?, .errorText?: text += try decode(range, cdata: cdata)
                default: break
                }
            }
        }
        if records == 0 {
            let found = dataSetIndex == 0 ? "no <DataSet>" : "\(seriesIndex) <Series> but no <Obs>"
            throw InputError(origin: origin, place: nil, reason: "no observations found: the message has \(found)")
        }
    }

    // MARK: Events

    private mutating func start(_ name: Range<Int>, in parent: Context?, _ builder: inout PayloadBuilder) throws(InputError) -> Context {
        func local(_ s: StaticString) -> Bool { scanner.isLocal(name, s) }
        guard let parent else { return try root(name) }
        switch parent {
        case .root:
            if local("Header") { return .header }
            if local("DataSet") { try beginDataSet(); return .dataSet }
        case .errorRoot:
            if local("Text") { text = ""; return .errorText }
            if local("ErrorMessage"), let code = try attribute("code") { errorTexts.append(code) }
            return .errorRoot
        case .header:
            if local("Prepared") { text = ""; return .prepared }
            if local("DataSetAction") { text = ""; return .dataSetAction }
            if local("Structure") {
                structures.append(Structure(id: try attribute("structureID") ?? "", dimensionAtObservation: try attribute("dimensionAtObservation")))
                return .headerStructure
            }
        case .headerStructure:
            if local("Structure") { return .structureRef(usage: false) }
            if local("StructureUsage") || local("ProvisionAgreement") { return .structureRef(usage: true) }
        case let .structureRef(usage):
            if local("Ref"), let id = try attribute("id") { setReference(id, usage: usage) }
            if local("URN") { text = ""; return .urn(usage: usage) }
        case .dataSet:
            if local("Series") { try beginSeries(); return .series }
            if local("Obs") { try beginObs(flat: true, &builder); return .obs }
        case .series:
            if local("SeriesKey") { return .seriesKey }
            if local("Obs") { try beginObs(flat: false, &builder); return .obs }
        case .seriesKey:
            if local("Value") { seriesParts.append(try idValue()) }
        case .obs:
            if local("ObsDimension") { obsTime = try attribute("value") }
            if local("ObsValue") { obsValue = try attribute("value") }
            if local("ObsKey") { return .obsKey }
            if local("Attributes") { return .obsAttributes }
        case .obsAttributes:
            if local("Value"), try attribute("id") == "OBS_STATUS" { obsStatus = try attribute("value") }
        case .obsKey:
            if local("Value") {
                let part = try idValue()
                if part.id == timeDimension { obsTime = part.value } else { obsParts.append(part) }
            }
        case .prepared, .dataSetAction, .urn, .errorText, .other:
            break
        }
        return .other
    }

    private mutating func end(_ context: Context, _ builder: inout PayloadBuilder) throws(InputError) {
        switch context {
        case .prepared:
            if let date = Timestamp.parse(text.trimmingSpaces()) { builder.publishedAt = date }
        case .dataSetAction:
            defaultAction = text.trimmingSpaces()
        case let .urn(usage):
            setReference(text.trimmingSpaces(), usage: usage)
        case .errorText:
            errorTexts.append(text.trimmingSpaces())
        case .errorRoot:
            throw InputError(origin: origin, place: nil, reason: "the service sent an SDMX error message instead of data: \(Excerpt(errorTexts.joined(separator: " ")))")
        case .obs where generic:
            try emit(&builder)
        case .series:
            seriesKey = nil
        default:
            break
        }
    }

    private mutating func root(_ name: Range<Int>) throws(InputError) -> Context {
        let local = scanner.localName(name)
        if scanner.attributes.contains(where: { scanner.string($0.value).firstRange(of: "/v2_0/message") != nil }) {
            throw fail("this is an SDMX-ML 2.0 message (<\(Excerpt(local))>); only SDMX-ML 2.1 data messages are read: ask the service for SDMX-ML 2.1", place: nil)
        }
        switch local {
        case "GenericData", "GenericTimeSeriesData": generic = true
        case "StructureSpecificData", "StructureSpecificTimeSeriesData": generic = false
        case "Error": return .errorRoot
        default:
            throw fail("unknown root element <\(Excerpt(local))>: expected an SDMX-ML 2.1 data message (GenericData or StructureSpecificData)", place: nil)
        }
        return .root
    }

    private mutating func setReference(_ reference: String, usage: Bool) {
        guard !structures.isEmpty, !reference.isEmpty else { return }
        if usage { structures[structures.count - 1].usage = reference } else { structures[structures.count - 1].dsd = reference }
    }

    private mutating func beginDataSet() throws(InputError) {
        dataSetIndex += 1
        seriesIndex = 0
        obsIndex = 0
        let ref = try attribute("structureRef")
        let structure = structures.first { $0.id == ref } ?? (structures.count == 1 ? structures[0] : nil)
        let dimension = structure?.dimensionAtObservation
        timeDimension = dimension == nil || dimension == "AllDimensions" ? "TIME_PERIOD" : dimension!
        let action = try attribute("action") ?? defaultAction
        deleting = action?.lowercased() == "delete"
        guard format.keyRule.template == nil else { return }
        let reference = structure?.usage ?? structure?.dsd ?? ref ?? structure.map(\.id)
        switch format.keyRule.prefix(structure: reference) {
        case let .success(p): prefix = p
        case let .failure(problem): throw fail(problem.reason, place: "DataSet[\(dataSetIndex)]")
        }
    }

    private mutating func beginSeries() throws(InputError) {
        seriesIndex += 1
        obsIndex = 0
        seriesParts.removeAll(keepingCapacity: true)
        seriesKey = nil
        guard !generic else { return }
        for attribute in scanner.attributes where !scanner.isPrefixed(attribute.name) {
            seriesParts.append((scanner.string(attribute.name), try decode(attribute.value)))
        }
    }

    private mutating func beginObs(flat: Bool, _ builder: inout PayloadBuilder) throws(InputError) {
        self.flat = flat
        obsIndex += 1
        records += 1
        obsLine = scanner.eventLine
        obsTime = nil
        obsValue = nil
        obsStatus = nil
        obsParts.removeAll(keepingCapacity: true)
        guard !generic else { return }
        for attribute in scanner.attributes {
            if scanner.isLocal(attribute.name, "OBS_VALUE") && !scanner.isPrefixed(attribute.name) {
                obsValue = try decode(attribute.value)
                continue
            }
            guard !scanner.isPrefixed(attribute.name) else { continue }
            let id = scanner.string(attribute.name)
            if id == "OBS_STATUS" { obsStatus = try decode(attribute.value) }
            if id == timeDimension { obsTime = try decode(attribute.value) } else if flat { obsParts.append((id, try decode(attribute.value))) }
        }
        try emit(&builder)
    }

    /// Hands the current observation to the builder.
    private mutating func emit(_ builder: inout PayloadBuilder) throws(InputError) {
        // Named only when something is wrong: not built for each of millions of observations.
        let (flat, dataSetIndex, seriesIndex, obsIndex) = (self.flat, self.dataSetIndex, self.seriesIndex, self.obsIndex)
        func place() -> String { flat ? "DataSet[\(dataSetIndex)]/Obs[\(obsIndex)]" : "Series[\(seriesIndex)]/Obs[\(obsIndex)]" }
        guard let period = obsTime?.trimmingSpaces(), !period.isEmpty else {
            throw fail(generic ? "<Obs> without an ObsDimension (its period)" : "<Obs> without a \(timeDimension) attribute (its period)", place: place(), line: obsLine)
        }
        let key: String
        if flat {
            key = try makeKey(obsParts, place: place())
        } else if let seriesKey {
            key = seriesKey
        } else {
            key = try makeKey(seriesParts, place: "Series[\(seriesIndex)]")
            seriesKey = key
        }
        let value = obsValue == "NaN" ? nil : obsValue
        let line = obsLine
        do {
            if deleting {
                try builder.delete(series: key, period: period, ordinal: Int32(clamping: records), place: .element(place()))
            } else {
                try builder.add(series: key, period: period, value: value, status: obsStatus, ordinal: Int32(clamping: records), place: .element(place()))
            }
        } catch {
            var located = error
            located.reason += " (line \(line))"
            throw located
        }
    }

    /// The series key from the key components found (see `SDMXKeyRule`).
    private func makeKey(_ parts: [(id: String, value: String)], place: @autoclosure () -> String) throws(InputError) -> String {
        let rule = format.keyRule
        func value(_ id: String, _ listedIn: String) throws(InputError) -> String {
            guard let part = parts.first(where: { $0.id == id }) else {
                throw fail("has no component \(id) (\(listedIn)); it has \(Excerpt(parts.map(\.id).joined(separator: ", ")))", place: place())
            }
            return part.value
        }
        var values: [String] = []
        var ids: [String] = []
        if let template = rule.template {
            for field in template.fields { values.append(try value(field, "named in the `series` template")); ids.append(field) }
        } else if let dimensions = rule.dimensions {
            for id in dimensions { values.append(try value(id, "listed in `dimensions`")); ids.append(id) }
        } else {
            let attributes = generic ? (rule.attributes ?? []) : format.attributes
            for part in parts where !attributes.contains(part.id) { values.append(part.value); ids.append(part.id) }
            if values.isEmpty, prefix.isEmpty { throw fail("has no key components and `series_prefix` is empty", place: place()) }
        }
        if let empty = values.firstIndex(where: { $0.isEmpty }) { throw fail("component \(Excerpt(ids[empty])) is empty", place: place()) }
        if let template = rule.template {
            return template.expand { field in values[ids.firstIndex(of: field)!] }
        }
        return rule.key(prefix: prefix, values: values)
    }

    // MARK: Helpers

    private func fail(_ reason: String, place: String?, line: Int? = nil) -> InputError {
        InputError(origin: origin, place: place.map { .element($0) }, reason: "\(reason) (line \(line ?? scanner.eventLine))")
    }

    private mutating func next() throws(InputError) -> XMLScanner.Event? {
        do { return try scanner.next() } catch { throw InputError(origin: origin, place: .line(error.line), reason: error.reason) }
    }

    private func decode(_ range: Range<Int>, cdata: Bool = false) throws(InputError) -> String {
        do { return try scanner.decode(range, cdata: cdata) } catch { throw InputError(origin: origin, place: .line(error.line), reason: error.reason) }
    }

    /// The decoded value of the current start tag's attribute with local name `local`.
    private func attribute(_ local: StaticString) throws(InputError) -> String? {
        guard let found = scanner.attributes.first(where: { scanner.isLocal($0.name, local) }) else { return nil }
        return try decode(found.value)
    }

    /// `<Value id="…" value="…"/>`.
    private func idValue() throws(InputError) -> (id: String, value: String) {
        guard let id = try attribute("id") else { throw fail("<Value> without an id", place: nil) }
        return (id, try attribute("value") ?? "")
    }
}
