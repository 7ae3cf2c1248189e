#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A series' vintages drawn as inline SVG, as ALFRED draws them: one line per release that
/// wrote the series, the latest solid, thick and labelled, the earlier ones thin, dashed and
/// fainter (told apart without colour). Values are exact decimals: they are plotted as
/// Double, and every label shows the stored text. No script, no external font: the page's
/// CSS styles it (light and dark), and the viewBox lets it shrink to a phone's width.
struct VintageChart {
    /// One vintage: the series as known right after `releaseID`.
    struct Line {
        let releaseID: Int64
        let label: String
        let isLatest: Bool
        /// (index of the period on the axis, the stored value text, its number), in period order.
        let points: [(period: Int, text: String, value: Double)]
    }

    /// Every period on the axis, in order.
    let periods: [String]
    /// Where each period sits on the axis (its time, or its index); the same count as `periods`.
    let positions: [Double]
    /// Oldest first; the last one is drawn on top.
    let lines: [Line]
    let title: String
    let unit: String?

    static let width = 720.0
    static let height = 360.0
    private static let left = 84.0, right = 24.0, top = 36.0, bottom = 48.0
    /// Above this many points a line is drawn without a marker per point.
    static let markerLimit = 80

    /// The SVG element.
    func svg() -> String {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let values = lines.flatMap { $0.points.map(\.value) }
        var out = "<svg class=\"chart\" viewBox=\"0 0 \(Self.number(Self.width)) \(Self.number(Self.height))\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" xmlns=\"http://www.w3.org/2000/svg\">"
        out += "<title id=\"chart-title\">\(PageText.escape(title))</title>"
        let described = lines.count == 1 ? "1 vintage" : "\(lines.count) vintages"
        out += "<desc id=\"chart-desc\">\(described): the latest as a thick solid line, earlier ones as thin dashed lines.</desc>"
        guard let low = values.min(), let high = values.max(), !positions.isEmpty else {
            out += "<text class=\"empty\" x=\"\(Self.number(Self.width / 2))\" y=\"\(Self.number(Self.height / 2))\" text-anchor=\"middle\">no values to draw</text></svg>"
            return out
        }
        let scaleY = Self.niceScale(low: low, high: high)
        var xLow = positions.min() ?? 0, xHigh = positions.max() ?? 1
        // One period (or all at one place): centred, with room either side.
        if xHigh - xLow <= 0 { xLow -= 1; xHigh += 1 }
        // Half a step of room at the ends, so the first and last markers clear the axes.
        let pad = (xHigh - xLow) / Double(max(positions.count - 1, 1)) / 2
        let (x0, x1) = positions.count > 1 ? (xLow - pad, xHigh + pad) : (xLow, xHigh)
        func x(_ p: Double) -> Double { Self.left + (p - x0) / (x1 - x0) * plotWidth }
        func y(_ v: Double) -> Double { Self.top + (scaleY.high - v) / (scaleY.high - scaleY.low) * plotHeight }

        // Grid and y ticks.
        out += "<g class=\"axis y\">"
        for tick in scaleY.ticks {
            let ty = Self.number(y(tick))
            out += "<line class=\"grid\" x1=\"\(Self.number(Self.left))\" x2=\"\(Self.number(Self.width - Self.right))\" y1=\"\(ty)\" y2=\"\(ty)\"/>"
            out += "<text x=\"\(Self.number(Self.left - 8))\" y=\"\(ty)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.fixed(tick, decimals: scaleY.decimals))</text>"
        }
        if let unit, !unit.isEmpty {
            out += "<text class=\"unit\" x=\"4\" y=\"\(Self.number(Self.top - 16))\">\(PageText.escape(unit))</text>"
        }
        out += "</g>"
        // The x axis: at most 8 period labels, every other one hidden on a narrow screen.
        out += "<g class=\"axis x\">"
        let baseline = Self.number(Self.height - Self.bottom)
        out += "<line class=\"axis-line\" x1=\"\(Self.number(Self.left))\" x2=\"\(Self.number(Self.width - Self.right))\" y1=\"\(baseline)\" y2=\"\(baseline)\"/>"
        let step = max(1, (periods.count + 7) / 8)
        var shown = 0
        for i in stride(from: 0, to: periods.count, by: step) {
            let tx = Self.number(x(positions[i]))
            out += "<line class=\"tick\" x1=\"\(tx)\" x2=\"\(tx)\" y1=\"\(baseline)\" y2=\"\(Self.number(Self.height - Self.bottom + 6))\"/>"
            out += "<text\(shown % 2 == 1 ? " class=\"alt\"" : "") x=\"\(tx)\" y=\"\(Self.number(Self.height - Self.bottom + 22))\" text-anchor=\"middle\">\(PageText.escape(periods[i]))</text>"
            shown += 1
        }
        out += "</g>"

        // The vintages, oldest first so the latest is on top.
        for line in lines {
            out += "<g class=\"vintage\(line.isLatest ? " latest" : "")\" data-release=\"\(line.releaseID)\">"
            out += "<title>\(PageText.escape(line.label))</title>"
            // Broken where a period has no value in this vintage.
            var d = ""
            var previous: Int?
            for point in line.points {
                let command = previous.map { $0 + 1 == point.period } == true ? "L" : "M"
                d += "\(command)\(Self.number(x(positions[point.period]))) \(Self.number(y(point.value)))"
                previous = point.period
            }
            out += "<path d=\"\(d)\"/>"
            let markAll = line.points.count <= Self.markerLimit
            for (i, point) in line.points.enumerated() {
                let isolated = (i == 0 || line.points[i - 1].period + 1 != point.period)
                    && (i == line.points.count - 1 || line.points[i + 1].period - 1 != point.period)
                guard markAll || isolated else { continue }
                out += "<circle cx=\"\(Self.number(x(positions[point.period])))\" cy=\"\(Self.number(y(point.value)))\" r=\"\(line.isLatest ? 5 : 4)\">"
                out += "<title>\(PageText.escape(periods[point.period])): \(PageText.escape(point.text)) (\(PageText.escape(line.label)))</title></circle>"
            }
            if let last = line.points.last, line.isLatest || lines.count <= 3 {
                // Said in words on the line itself: readable without colour. The latest to
                // the right of its last point, a few earlier ones to the left of theirs.
                let lx = x(positions[last.period]), ly = y(last.value)
                let right = line.isLatest ? lx < Self.width - 160 : lx < 200
                let text = line.isLatest ? "latest: \(last.text)" : "release \(line.releaseID): \(last.text)"
                out += "<text class=\"label\(line.isLatest ? "" : " earlier")\" x=\"\(Self.number(lx + (right ? 10 : -10)))\" y=\"\(Self.number(ly - 10))\" text-anchor=\"\(right ? "start" : "end")\">\(PageText.escape(text))</text>"
            }
            out += "</g>"
        }
        out += "</svg>"
        return out
    }

    /// Ticks at 1, 2 or 5 × 10ⁿ covering `low`…`high`, about five of them.
    static func niceScale(low: Double, high: Double) -> (low: Double, high: Double, ticks: [Double], decimals: Int) {
        var low = low, high = high
        if high - low <= 0 {
            let room = low == 0 ? 1 : abs(low) * 0.05
            low -= room
            high += room
        }
        let rough = (high - low) / 5
        let magnitude = pow10(Int((log10(rough)).rounded(.down)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = (low / step).rounded(.down) * step
        let last = (high / step).rounded(.up) * step
        var ticks: [Double] = []
        var tick = first
        while tick <= last + step / 2, ticks.count < 20 {
            ticks.append(abs(tick) < step / 1e6 ? 0 : tick)
            tick += step
        }
        let decimals = max(0, -Int((log10(step)).rounded(.down)))
        return (first, ticks.last ?? last, ticks, decimals)
    }

    private static func pow10(_ n: Int) -> Double { pow(10, Double(n)) }

    /// `x` with `decimals` digits after the point, without a locale.
    static func fixed(_ x: Double, decimals: Int) -> String {
        let scale = pow10(decimals)
        guard abs(x) * scale < 9e15 else { return "\(x)" }
        let scaled = Int64((abs(x) * scale).rounded())
        let digits = String(scaled)
        let sign = x < 0 && scaled != 0 ? "-" : ""
        guard decimals > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        return sign + padded.dropLast(decimals) + "." + padded.suffix(decimals)
    }

    /// A coordinate with at most one decimal: short paths.
    static func number(_ x: Double) -> String {
        fixed(x, decimals: 1).replacingSuffix(".0")
    }
}

private extension String {
    func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
