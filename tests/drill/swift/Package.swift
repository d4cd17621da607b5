// swift-tools-version:5.9
// The API-change drill, Swift side (tests/drill/README.md): drill.py copies this package
// next to the KontextMgmt package staged from the drill's regenerated copy, hence the
// `../KontextMgmt` path, and runs it against the emulator.
import PackageDescription

let package = Package(
    name: "DrillUser",
    platforms: [.macOS(.v12)],
    dependencies: [.package(name: "KontextMgmt", path: "../KontextMgmt")],
    targets: [
        .executableTarget(
            name: "DrillUser",
            dependencies: [.product(name: "KontextMgmt", package: "KontextMgmt")],
            path: "Sources/DrillUser"
        ),
    ],
    swiftLanguageVersions: [.v5]
)
