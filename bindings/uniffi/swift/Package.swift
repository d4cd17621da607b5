// swift-tools-version:5.9
// The Swift package of the Kontext Management SDK (module `KontextMgmt`).
//
// Sources/KontextMgmt holds the checked-in idiomatic layer (Generated.swift from
// `cargo xtask regen`, Support.swift) and, once bindings/uniffi/package.sh or test.sh has
// staged the package, uniffi-bindgen's KontextMgmt.swift; Sources/KontextMgmtFFI/include
// gets the C header of the native library, and lib/ the library itself
// (libkontext_mgmt_uniffi.so on Linux, .dylib on macOS).
import PackageDescription
import Foundation

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let lib = "\(root)/lib"

let package = Package(
    name: "KontextMgmt",
    platforms: [.macOS(.v12), .iOS(.v15)],
    products: [
        .library(name: "KontextMgmt", targets: ["KontextMgmt"]),
    ],
    targets: [
        .target(
            name: "KontextMgmtFFI",
            path: "Sources/KontextMgmtFFI"
        ),
        .target(
            name: "KontextMgmt",
            dependencies: ["KontextMgmtFFI"],
            path: "Sources/KontextMgmt",
            linkerSettings: [
                .linkedLibrary("kontext_mgmt_uniffi"),
                .unsafeFlags(["-L", lib, "-Xlinker", "-rpath", "-Xlinker", lib]),
            ]
        ),
        .testTarget(
            name: "KontextMgmtTests",
            dependencies: ["KontextMgmt"],
            path: "Tests/KontextMgmtTests"
        ),
    ],
    swiftLanguageVersions: [.v5]
)
