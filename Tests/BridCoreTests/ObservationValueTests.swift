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

    /// The limits README's Data model documents: 64 characters, an exponent of 1–4 digits.
    @Test func documentedLimits() throws {
        let longest = "1." + String(repeating: "5", count: 62)
        #expect(try ObservationValue.parse(longest).get() == longest)
        #expect(try ObservationValue.parse("  " + longest + " ").get() == longest)
        guard case let .failure(long) = ObservationValue.parse(longest + "5") else { Issue.record("65 characters accepted"); return }
        #expect(long.description.contains("is longer than 64 characters"))
        #expect(try ObservationValue.parse("1e9999").get() == "1e9999")
        #expect(try ObservationValue.parse("1.5E-0012").get() == "1.5E-0012")
        for refused in ["1e10000", "1e"] {
            guard case let .failure(error) = ObservationValue.parse(refused) else { Issue.record("\(refused) accepted"); continue }
            #expect(error.description.contains("has a malformed exponent"))
        }
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
