@testable import BridHTTP
import Testing

@Suite("Vintage chart: scales, numbers, empty series")
struct VintageChartTests {
    @Test("ticks at 1, 2 or 5 × 10ⁿ cover the values; one value gets room around it")
    func scale() {
        let wide = VintageChart.niceScale(low: 19.885, high: 20.2)
        #expect(wide.ticks.map { VintageChart.fixed($0, decimals: wide.decimals) } == ["19.8", "19.9", "20.0", "20.1", "20.2"])
        let single = VintageChart.niceScale(low: 2388, high: 2388)
        #expect(single.low < 2388 && single.high > 2388)
        let zero = VintageChart.niceScale(low: 0, high: 0)
        #expect(zero.ticks.contains(0))
        let negative = VintageChart.niceScale(low: -3.5, high: 12)
        #expect(negative.low <= -3.5 && negative.high >= 12 && negative.ticks.count <= 10)
    }

    @Test("numbers are written without a locale or exponent")
    func numbers() {
        #expect(VintageChart.fixed(-0.25, decimals: 2) == "-0.25")
        #expect(VintageChart.fixed(-0.001, decimals: 2) == "0.00")
        #expect(VintageChart.fixed(1234.5, decimals: 0) == "1235")
        #expect(VintageChart.fixed(0.05, decimals: 3) == "0.050")
        #expect(PageText.change(from: "19.885", to: "20.2") == "+1.58 %")
        #expect(PageText.change(from: "0", to: "1") == nil)
    }

    @Test("a series with no number in any vintage says so instead of drawing")
    func empty() {
        let chart = VintageChart(periods: ["2018"], positions: [0],
                                 lines: [.init(releaseID: 1, label: "release 1", isLatest: true, points: [])], title: "t", unit: nil)
        #expect(chart.svg().contains("no values to draw"))
    }
}
