// swift-tools-version:5.9
// The SessionGate Swift package: uniffi-generated Swift over the Rust library
// `libsessiongate_swift` (built by `cargo xtask build swift` into lib/).
import PackageDescription

/// Where `cargo xtask build swift` puts the Rust library (linked here, found at run time by rpath).
let rustLibDir = Context.packageDirectory + "/lib"

let package = Package(
    name: "SessionGate",
    products: [
        .library(name: "SessionGate", targets: ["SessionGate"]),
    ],
    targets: [
        // uniffi's C header and module map (renamed module.modulemap); it has no `link` line,
        // so the Swift target below links the Rust library itself.
        .systemLibrary(name: "SessionGateFFI", path: "Sources/SessionGateFFI"),
        .target(
            name: "SessionGate",
            dependencies: ["SessionGateFFI"],
            path: "Sources/SessionGate",
            linkerSettings: [
                .linkedLibrary("sessiongate_swift"),
                .unsafeFlags(["-L\(rustLibDir)", "-Xlinker", "-rpath", "-Xlinker", rustLibDir]),
            ]
        ),
        .executableTarget(name: "SessionGateDemo", dependencies: ["SessionGate"], path: "Sources/SessionGateDemo"),
        .testTarget(name: "SessionGateTests", dependencies: ["SessionGate"], path: "Tests/SessionGateTests"),
    ]
)
