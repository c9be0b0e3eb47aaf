// Every case of the shared vectors (tests/vectors/cases.json, read by relative path from this
// package) through the Swift API. Failures name the case id.
import Foundation
import XCTest
@testable import SessionGate

/// bindings-swift/ (this file is bindings-swift/Tests/SessionGateTests/VectorTests.swift).
let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let casesURL = packageDir.appendingPathComponent("../tests/vectors/cases.json").standardizedFileURL

/// The shared vectors file, parsed.
func loadVectors() throws -> (jwks: [String: Any], cases: [[String: Any]]) {
    let (jwks, cases, _) = try loadVectorsFile()
    return (jwks, cases)
}

/// The shared vectors file with its `session_keys` (the core's session fields, snake_case).
func loadVectorsFile() throws -> (jwks: [String: Any], cases: [[String: Any]], sessionKeys: [String]) {
    let data = try Data(contentsOf: casesURL)
    guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let jwks = root["jwks"] as? [String: Any],
          let cases = root["cases"] as? [[String: Any]],
          let keys = root["session_keys"] as? [String]
    else { throw VectorError("\(casesURL.path): not a vectors file") }
    return (jwks, cases, keys)
}

struct VectorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func jsonText(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self)
}

/// A JSON number, whichever type Foundation decoded it as.
func double(_ value: Any?) -> Double? {
    switch value {
    case let n as NSNumber: return n.doubleValue
    case let d as Double: return d
    case let i as Int: return Double(i)
    default: return nil
    }
}

/// A JSON boolean, whichever type Foundation decoded it as.
func bool(_ value: Any?) -> Bool? {
    switch value {
    case let b as Bool: return b
    case let n as NSNumber: return n.boolValue
    default: return nil
    }
}

func parseJSON(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// JSON equality: null == nil, numbers by value, objects by key set and values.
func jsonEqual(_ a: Any?, _ b: Any?) -> Bool {
    let a = (a is NSNull) ? nil : a
    let b = (b is NSNull) ? nil : b
    switch (a, b) {
    case (nil, nil): return true
    case (nil, _), (_, nil): return false
    case let (x as String, y as String): return x == y
    case let (x as [Any], y as [Any]): return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
    case let (x as [String: Any], y as [String: Any]):
        return Set(x.keys) == Set(y.keys) && x.allSatisfy { jsonEqual($0.value, y[$0.key]) }
    case let (x as NSNumber, y as NSNumber): return x == y
    case let (x as Bool, y as Bool): return x == y
    default: return false
    }
}

/// The session under the vectors' snake_case names (the Swift fields, camelCase).
func sessionJSON(_ s: AuthenticateWithSessionCookieSuccessResponse) throws -> [String: Any] {
    func opt(_ v: Any?) -> Any { v ?? NSNull() }
    return [
        "format": s.format.description,
        "session_id": s.sessionId,
        "organization_id": opt(s.organizationId),
        "role": opt(s.role),
        "roles": opt(s.roles),
        "permissions": opt(s.permissions),
        "entitlements": opt(s.entitlements),
        "feature_flags": opt(s.featureFlags),
        "amr": opt(s.amr),
        "acr": opt(s.acr),
        "auth_time": opt(s.authTime.map { NSNumber(value: $0) }),
        "user": try s.userJson.map { try parseJSON($0) } ?? NSNull(),
        "impersonator": try s.impersonatorJson.map { try parseJSON($0) } ?? NSNull(),
        "authentication_method": opt(s.authenticationMethod),
        "access_token": s.accessToken,
        "claims": try parseJSON(s.claimsJson),
    ]
}

/// The gate configuration of a case.
func gateConfig(_ config: [String: Any], jwks: [String: Any]) throws -> SessionGateConfig {
    let known: Set<String> = ["client_id", "cookie_passwords", "jwks", "issuers", "audiences", "leeway", "require_exp",
                              "max_cookie_bytes", "algorithms", "formats", "allow_weak_secrets"]
    let unknown = Set(config.keys).subtracting(known)
    guard unknown.isEmpty else { throw VectorError("unknown config keys \(unknown.sorted())") }
    var jwksJSON: String?
    switch config["jwks"] {
    case let name as String:
        guard let set = jwks[name] else { throw VectorError("no JWKS named \(name)") }
        jwksJSON = try jsonText(set)
    case let set as [String: Any]: jwksJSON = try jsonText(set)
    case nil, is NSNull: jwksJSON = nil
    default: throw VectorError("jwks: neither a name nor a JWKS")
    }
    // Absent keys stay nil: the core's defaults. The cases write "not checked" as an empty
    // list, which the options (like every binding's) spell as no list.
    func list(_ key: String) -> [String]? { (config[key] as? [String]).flatMap { $0.isEmpty ? nil : $0 } }
    return SessionGateConfig(
        clientId: config["client_id"] as? String ?? "",
        cookiePasswords: config["cookie_passwords"] as? [String] ?? [],
        jwks: jwksJSON,
        issuers: list("issuers"),
        audiences: list("audiences"),
        leewaySeconds: double(config["leeway"]),
        requireExp: bool(config["require_exp"]),
        maxCookieBytes: double(config["max_cookie_bytes"]),
        algorithms: config["algorithms"] as? [String],
        formats: config["formats"] as? [String],
        allowWeakSecrets: bool(config["allow_weak_secrets"]))
}

/// The mismatches of one case (empty: it passed).
func runCase(_ c: [String: Any], jwks: [String: Any], sessionKeys: [String]) -> [String] {
    do {
        guard let config = c["config"] as? [String: Any], let expected = c["expected"] as? [String: Any],
              let outcome = expected["outcome"] as? String
        else { return ["no config or expected outcome"] }
        let swiftConfig = try gateConfig(config, jwks: jwks)
        if outcome == "configuration_error" {
            do {
                _ = try SessionGate(config: swiftConfig)
                return ["the gate was built; expected SessionGateError.Configuration"]
            } catch let error as SessionGateError {
                guard case .Configuration = error else { return ["expected .Configuration, got \(error)"] }
                return error.code() == "configuration_error" ? [] : ["code \(error.code())"]
            }
        }
        guard let cookie = c["cookie"] as? String, let now = double(c["now"]) else {
            return ["no cookie or now"]
        }
        let gate = try SessionGate(config: swiftConfig)
        let result = try gate.authenticate(sessionData: cookie, now: now)
        switch (outcome, result) {
        case ("authenticated", .authenticated(let session)):
            guard let want = expected["session"] as? [String: Any] else { return ["no expected session"] }
            let got = try sessionJSON(session)
            var problems: [String] = []
            if Set(want.keys) != Set(sessionKeys) { problems.append("expected keys \(want.keys.sorted()) are not session_keys") }
            for key in sessionKeys {
                guard let mine = got[key] else {
                    problems.append("session key \(key) has no Swift field")
                    continue
                }
                if !jsonEqual(mine, want[key]) { problems.append("\(key): got \(mine), want \(want[key] ?? "-")") }
            }
            // The typed user fields agree with the sealed object.
            if let user = session.user, let raw = try parseJSON(session.userJson ?? "null") as? [String: Any] {
                if user.id != raw["id"] as? String { problems.append("user.id \(String(describing: user.id))") }
                if user.email != raw["email"] as? String { problems.append("user.email \(String(describing: user.email))") }
                let first = (raw["firstName"] ?? raw["first_name"]) as? String
                if user.firstName != first { problems.append("user.firstName \(String(describing: user.firstName))") }
            }
            return problems
        case ("failed", .failed(let reason, let detail)):
            var problems: [String] = []
            if reason.description != expected["reason"] as? String { problems.append("reason \(reason), want \(expected["reason"] ?? "-")") }
            if detail != expected["detail"] as? String { problems.append("detail \(detail), want \(expected["detail"] ?? "-")") }
            return problems
        default:
            return ["outcome: got \(result), want \(expected)"]
        }
    } catch {
        return ["threw \(error)"]
    }
}

final class VectorTests: XCTestCase {
    func testEveryVectorCase() throws {
        let (jwks, cases, sessionKeys) = try loadVectorsFile()
        XCTAssertGreaterThan(cases.count, 0, "no cases in \(casesURL.path)")
        XCTAssertGreaterThan(sessionKeys.count, 0, "no session_keys in \(casesURL.path)")
        var ids = Set<String>()
        var failed = 0
        for c in cases {
            let id = c["id"] as? String ?? "<no id>"
            XCTAssertTrue(ids.insert(id).inserted, "duplicate case id \(id)")
            let problems = runCase(c, jwks: jwks, sessionKeys: sessionKeys)
            if !problems.isEmpty { failed += 1 }
            XCTAssertEqual(problems, [], "case \(id): \(problems.joined(separator: "; "))")
        }
        print("vectors: \(cases.count) cases run from \(casesURL.path), \(cases.count - failed) passed, \(failed) failed")
        XCTAssertEqual(ids.count, cases.count)
    }
}
