// User code against the regenerated Swift SDK: the new field `Application.color` through the
// typed Record, the new operation `widgets.spin` with its new Record and enum.
// Usage: DrillUser URL APP_ID WIDGET_ID; prints one JSON line (drill.py checks it).
import Foundation
import KontextMgmt

let args = CommandLine.arguments
guard args.count == 4 else {
    FileHandle.standardError.write("usage: DrillUser URL APP_ID WIDGET_ID\n".data(using: .utf8)!)
    exit(2)
}
let client = try KontextManagementClient(
    baseUrl: args[1],
    clientId: "sa_11111111-1111-4111-8111-111111111111",
    clientSecret: "kontext-emulator-secret"
)
let app: Application = try await client.applications.get(id: args[2]).application
let color: String? = app.color
guard app.extra.isEmpty else {
    FileHandle.standardError.write("color must be typed, not extra: \(app.extra)\n".data(using: .utf8)!)
    exit(1)
}
// Records are value types: a changed copy, then the field put back.
var copied = app
copied.color = "navy"
copied.color = color
let request = SpinRequest(speed: 3, direction: .clockwise)
var error = "none"
var status: Int32 = 0
do {
    _ = try await client.widgets.spin(widgetId: args[3], body: request)
} catch let e as KontextError {
    error = e.kind
    status = e.status ?? 0
}
print(#"{"language": "swift", "color": "\#(color ?? "nil")", "encodedColor": "\#(color ?? "nil")", "decodedColor": "\#(copied.color ?? "nil")", "error": "\#(error)", "status": \#(status)}"#)
