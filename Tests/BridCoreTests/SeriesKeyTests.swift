import Testing
@testable import BridCore

@Suite struct SeriesKeyTests {
    @Test func asciiKeys() {
        #expect(SeriesKey.problem(with: "cn-kz.trade.total") == nil)
        #expect(SeriesKey.problem(with: "IMF.DOT.A.KZ.TXG_FOB_USD.CN") == nil)
        #expect(SeriesKey.problem(with: "a/b@c+d:e") == nil)
        #expect(SeriesKey.problem(with: "") == "series key is empty")
        #expect(SeriesKey.problem(with: "a b") == "series key \"a b\" contains a space; use letters, digits and . _ - : / @ +")
        #expect(SeriesKey.problem(with: "a*b") == "series key \"a*b\" contains '*'; use letters, digits and . _ - : / @ +")
        #expect(SeriesKey.problem(with: String(repeating: "a", count: 257)) == "series key is longer than 256 bytes")
    }

    @Test func lettersMarksAndDigitsOfAnyScript() {
        #expect(SeriesKey.problem(with: "kz.grp.г.Алматы") == nil)
        #expect(SeriesKey.problem(with: "cn.gdp.北京市") == nil)
        #expect(SeriesKey.problem(with: "kz.Ұлытау") == nil)
        #expect(SeriesKey.problem(with: "x.e\u{301}") == nil)          // a combining acute accent
        #expect(SeriesKey.problem(with: "in.\u{967}\u{968}") == nil)    // Devanagari digits
        #expect(SeriesKey.problem(with: "kz.Северо-Казахстанская_область") == nil)
    }

    @Test func whiteSpacePunctuationAndControlsOutsideASCIIAreRefused() {
        #expect(SeriesKey.problem(with: "北京\u{3000}市") == "series key \"北京\u{3000}市\" contains U+3000, which is not a letter, mark or digit; use letters, digits and . _ - : / @ +")
        #expect(SeriesKey.problem(with: "a\u{A0}b")?.contains("U+00A0") == true)
        #expect(SeriesKey.problem(with: "a\u{202F}b")?.contains("U+202F") == true)
        #expect(SeriesKey.problem(with: "北京，市")?.contains("U+FF0C") == true)   // fullwidth comma
        #expect(SeriesKey.problem(with: "a«b»")?.contains("U+00AB") == true)
        #expect(SeriesKey.problem(with: "a\u{85}b")?.contains("U+0085") == true)   // a C1 control
        #expect(SeriesKey.problem(with: "a€")?.contains("U+20AC") == true)
        // An ASCII fault after a non-ASCII letter is named as before.
        #expect(SeriesKey.problem(with: "Алматы city") == "series key \"Алматы city\" contains a space; use letters, digits and . _ - : / @ +")
    }
}
