@testable import BridCore
import Testing

@Suite struct ObservationValueTests {
    @Test(arguments: ["19.885", "8.535", "-0.596", "+30", "2388", "1.5e3", "1E-2", ".5", "5.", "0", "13.98"])
    func keepsDecimalTextExactly(text: String) throws {
        #expect(try ObservationValue.parse(text).get() == text)
    }

    @Test func trimsSurroundingSpaces() throws {
        #expect(try ObservationValue.parse("  19.885\t").get() == "19.885")
    }

    @Test(arguments: ["", ".", "NA", "na", ":", "   "])
    func missingMarkersMeanNoValue(text: String) throws {
        #expect(try ObservationValue.parse(text).get() == nil)
    }

    @Test(arguments: ["NaN", "inf", "-Infinity", "2,388", "1 000", "abc", "1.2.3", "--1", "e5", "1e", "0x10", "19,885"])
    func refusesWhatIsNotAPlainFiniteDecimal(text: String) {
        #expect(throws: ValueError.self) { try ObservationValue.parse(text).get() }
    }

    @Test func explainsThousandsSeparatorsAndNaN() {
        guard case let .failure(comma) = ObservationValue.parse("2,388"), case let .failure(nan) = ObservationValue.parse("NaN") else {
            Issue.record("accepted")
            return
        }
        #expect(comma.description.contains("thousands separators"))
        #expect(nan.description.contains("not a finite number"))
    }

    @Test func comparesAsExactDecimals() {
        #expect(ObservationValue.sameNumber("19.885", "19.8850"))
        #expect(ObservationValue.sameNumber("1.5", "15e-1"))
        #expect(ObservationValue.sameNumber("0", "-0.000"))
        #expect(ObservationValue.sameNumber("+30", "30"))
        #expect(ObservationValue.sameNumber("100", "1e2"))
        #expect(!ObservationValue.sameNumber("19.885", "19.884999999999998"))
        #expect(!ObservationValue.sameNumber("1.5", "-1.5"))
        #expect(!ObservationValue.sameNumber("10", "1"))
        #expect(ObservationValue.same(nil, nil))
        #expect(!ObservationValue.same(nil, "0"))
    }
}
