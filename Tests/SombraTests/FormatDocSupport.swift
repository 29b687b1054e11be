// FormatDocSupport: what the tests that hold Docs/FORMAT.md to the encoders share: the document's text
// (line breaks as spaces, so a phrase may wrap) and bytes written the way the document writes them.
import Foundation

enum FormatDoc {
    /// Docs/FORMAT.md with its line breaks turned into spaces.
    static func text(file: String = #filePath) throws -> String {
        let path = file.components(separatedBy: "/Tests/")[0] + "/Docs/FORMAT.md"
        return try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\n", with: " ")
    }

    /// Bytes as FORMAT.md writes them: upper-case hex pairs separated by spaces (`02 01 2C`).
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { b in let s = String(b, radix: 16, uppercase: true); return s.count == 1 ? "0" + s : s }.joined(separator: " ")
    }
}
