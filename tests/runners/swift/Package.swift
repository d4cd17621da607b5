// swift-tools-version:5.9
// The Swift conformance runner (tests/scenarios/README.md). tests/runners/swift/run.sh
// copies this package next to the staged KontextMgmt package (bindings/uniffi/stage.sh),
// hence the `../KontextMgmt` path.
import PackageDescription

let package = Package(
    name: "ScenarioRunner",
    platforms: [.macOS(.v12)],
    dependencies: [.package(name: "KontextMgmt", path: "../KontextMgmt")],
    targets: [
        .executableTarget(
            name: "ScenarioRunner",
            dependencies: [.product(name: "KontextMgmt", package: "KontextMgmt")],
            path: "Sources/ScenarioRunner"
        ),
    ],
    swiftLanguageVersions: [.v5]
)
