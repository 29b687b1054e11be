// Regressions in the C ABI found by the cabi fuzz target (their inputs are kept in Fuzz/Corpus/cabi/).
// The functions are called directly from Swift (they are public `@c` functions of SombraCABI).
import Testing
import SombraCABI

@Suite("Fuzz regressions: C ABI")
struct CABIRegressionTests {
    @Test("a list appended to itself is refused with SOMBRA_VALUE_TOO_LARGE once it would hold more than 4 Mi values")
    func selfAppend() {
        // Each append doubles what printing or comparing the list walks while its memory stays small;
        // before the size bound, the nesting check walked it all and 30 appends ran for hours.
        var list: UInt64 = 0
        #expect(sombra_value_list(&list) == 0)
        var appended = 0
        var status: Int32 = 0
        while appended < 40 {
            status = sombra_value_list_append(list, list)
            if status != 0 { break }
            appended += 1
        }
        #expect(status == 41, "SOMBRA_VALUE_TOO_LARGE")
        #expect(appended == 22, "2^22 values fit, 2^23 do not")
        var length: UInt = 0
        #expect(sombra_value_list_len(list, &length) == 0 && length == UInt(appended))
        // The refused list is unchanged and still usable: an element is a new handle of 2^21 values.
        var first: UInt64 = 0
        #expect(sombra_value_list_get(list, 0, &first) == 0)
        #expect(sombra_value_free(first) == 0)
        #expect(sombra_value_free(list) == 0)
        print("regression-cabi-self-append: appends: \(appended) refused-with: \(status)")
    }
}
