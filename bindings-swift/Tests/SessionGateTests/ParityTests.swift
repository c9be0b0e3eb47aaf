// The cross-language contracts: every core error code has its SessionGateError case, and every
// row of the option parity table (tests/vectors/options.json) gives the core's error code.
import Foundation
import XCTest
@testable import SessionGate

let optionsURL = packageDir.appendingPathComponent("../tests/vectors/options.json").standardizedFileURL

/// A number of the table ("NaN" and "Infinity" stand for those).
func parityNumber(_ value: Any) -> Double? {
    switch value {
    case let text as String: return text == "NaN" ? .nan : text == "Infinity" ? .infinity : nil
    default: return double(value)
    }
}

/// The Swift options of a row. Every value can be written: the numbers are `Double`, as in the
/// core, so a negative, fractional or NaN size reaches the core's one rule.
func parityConfig(_ o: [String: Any]) throws -> SessionGateConfig {
    let known: Set<String> = ["client_id", "cookie_passwords", "jwks", "jwks_url", "discovery_issuer", "issuers",
                              "audiences", "leeway", "max_cookie_bytes", "verified_token_cache", "algorithms",
                              "verified_token_cache_bytes", "api_key", "api_base_url", "refresh_buffer_seconds",
                              "refresh_grace_seconds", "refresh_timeout_seconds", "formats", "allow_weak_secrets"]
    let unknown = Set(o.keys).subtracting(known)
    guard unknown.isEmpty else { throw VectorError("unknown options \(unknown.sorted())") }
    return SessionGateConfig(
        clientId: o["client_id"] as? String ?? "",
        cookiePasswords: o["cookie_passwords"] as? [String] ?? [],
        jwks: try o["jwks"].map { try jsonText($0) },
        jwksUrl: o["jwks_url"] as? String,
        discoveryIssuer: o["discovery_issuer"] as? String,
        issuers: o["issuers"] as? [String],
        audiences: o["audiences"] as? [String],
        leewaySeconds: o["leeway"].flatMap(parityNumber),
        maxCookieBytes: o["max_cookie_bytes"].flatMap(parityNumber),
        algorithms: o["algorithms"] as? [String],
        verifiedTokenCache: o["verified_token_cache"].flatMap(parityNumber),
        verifiedTokenCacheBytes: o["verified_token_cache_bytes"].flatMap(parityNumber),
        apiKey: o["api_key"] as? String,
        apiBaseUrl: o["api_base_url"] as? String,
        refreshBufferSeconds: o["refresh_buffer_seconds"].flatMap(parityNumber),
        refreshGraceSeconds: o["refresh_grace_seconds"].flatMap(parityNumber),
        refreshTimeoutSeconds: o["refresh_timeout_seconds"].flatMap(parityNumber),
        formats: o["formats"] as? [String],
        allowWeakSecrets: bool(o["allow_weak_secrets"]))
}

final class ParityTests: XCTestCase {
    func testEveryCoreErrorCodeHasItsCase() {
        // One value per case: a core code without a Swift case (or a case without a code) fails.
        let cases: [SessionGateError] = [
            .Configuration(message: "m"), .JwksUnavailable(message: "m"), .JwksNotCached(message: "m"),
            .Seal(message: "m"), .Unseal(message: "m", detail: "mac_mismatch"),
            .StepUpRequired(message: "m", reason: .mfaRequired, status: 403, wwwAuthenticate: "", bodyJson: "{}"),
            .KeyDerivationBusy(message: "m"), .Internal(message: "m"), .ApiUnavailable(message: "m", retryAfter: 3),
            .StepUpFailed(message: "m", detail: "code_invalid"),
        ]
        let codes = errorCodes()
        XCTAssertEqual(Set(codes.map(\.code)).count, codes.count, "duplicate codes")
        XCTAssertEqual(Set(cases.map { $0.code() }), Set(codes.map(\.code)))
        for info in codes {
            let matching = cases.filter { $0.code() == info.code }
            XCTAssertEqual(matching.count, 1, "\(info.code): \(matching.count) cases")
            XCTAssertEqual(matching.first?.isRetryable(), info.retryable, info.code)
        }
        XCTAssertEqual(Set(codes.filter(\.retryable).map(\.code)), ["jwks_unavailable", "jwks_not_cached", "key_derivation_busy", "api_unavailable"])
    }

    func testOptionParityTable() throws {
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: try Data(contentsOf: optionsURL)) as? [String: Any])
        let base = try XCTUnwrap(root["base"] as? [String: Any])
        let rows = try XCTUnwrap(root["cases"] as? [[String: Any]], "\(optionsURL.path): no cases")
        XCTAssertGreaterThan(rows.count, 0)
        for row in rows {
            let id = row["id"] as? String ?? "<no id>"
            guard let changes = row["options"] as? [String: Any], let expected = row["expected"] as? [String: Any] else {
                XCTFail("\(id): malformed row"); continue
            }
            let code = expected["code"] as? String
            var options = base
            for (key, value) in changes { options[key] = value is NSNull ? nil : value }
            do {
                let gate = try SessionGate(config: try parityConfig(options))
                if let now = row["now"] {
                    let n = try XCTUnwrap(parityNumber(now), id)
                    guard case .failed = try gate.authenticate(sessionData: "x", now: n) else { return XCTFail("\(id): x authenticated") }
                }
                XCTAssertNil(code, "\(id): no error, expected \(code ?? "-")")
            } catch let error as SessionGateError {
                XCTAssertEqual(error.code(), code, "\(id): \(error.message())")
                if let part = expected["message_contains"] as? String {
                    XCTAssertTrue(error.message().contains(part), "\(id): \(error.message()) lacks \(part)")
                }
            }
        }
        // Every row runs: none needs a value Swift's types cannot hold.
        print("options: \(rows.count) of \(rows.count) rows run from \(optionsURL.path), 0 not expressible in Swift")
    }
}
