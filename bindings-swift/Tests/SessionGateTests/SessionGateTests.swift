// Seal -> authenticate round trips in both formats, rotation, errors and redaction.
import Foundation
import XCTest
@testable import SessionGate

/// A random Fernet key (url-safe base64 of 32 bytes, 44 chars): valid for iron and Fernet.
func randomKey() -> String {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
}

/// An authenticated vector case: a real signed access token with its JWKS, user and clock.
struct Sample {
    let config: [String: Any]
    let jwks: [String: Any]
    let now: Double
    let session: [String: Any]

    var accessToken: String { session["access_token"] as? String ?? "" }
    var sessionId: String { session["session_id"] as? String ?? "" }

    static func load(withAmr: Bool) throws -> Sample {
        let (jwks, cases) = try loadVectors()
        for c in cases {
            guard let expected = c["expected"] as? [String: Any], expected["outcome"] as? String == "authenticated",
                  let session = expected["session"] as? [String: Any], let config = c["config"] as? [String: Any],
                  let now = double(c["now"]), session["user"] is [String: Any]
            else { continue }
            if (session["amr"] is [String]) == withAmr { return Sample(config: config, jwks: jwks, now: now, session: session) }
        }
        throw VectorError("no authenticated case (amr: \(withAmr)) in the vectors")
    }

    func gate(passwords: [String]) throws -> SessionGate {
        var config = try gateConfig(self.config, jwks: jwks)
        config.cookiePasswords = passwords
        return try SessionGate(config: config)
    }
}

final class SessionGateTests: XCTestCase {
    func testSealThenAuthenticateInBothFormats() throws {
        let sample = try Sample.load(withAmr: true)
        let key = randomKey()
        let gate = try sample.gate(passwords: [key])
        let userJson = try jsonText(sample.session["user"] as Any)
        let data = SessionData(accessToken: sample.accessToken, refreshToken: "refresh-token-secret",
                               userJson: userJson, impersonatorJson: #"{"email": "admin@example.com", "reason": "support"}"#,
                               authenticationMethod: "Password", organizationId: "org_round_trip")
        for format in [SealFormat.iron, SealFormat.fernet] {
            let cookie = try gate.sealSession(session: data, format: format)
            XCTAssertTrue(cookie.hasPrefix(format == .iron ? "Fe26.2*1*" : "gAAAAA"), "\(format): \(cookie.prefix(12))")
            guard case .authenticated(let s) = try gate.authenticate(sessionData: cookie, now: sample.now) else {
                return XCTFail("\(format): the sealed session did not authenticate")
            }
            XCTAssertEqual(s.format, format)
            XCTAssertEqual(s.sessionId, sample.sessionId)
            XCTAssertEqual(s.amr, sample.session["amr"] as? [String])
            XCTAssertNotNil(s.amr)
            XCTAssertEqual(s.accessToken, sample.accessToken)
            XCTAssertEqual(s.authenticationMethod, "Password")
            XCTAssertEqual(s.impersonator?.email, "admin@example.com")
            XCTAssertEqual(s.impersonator?.reason, "support")
            let user = try XCTUnwrap(s.user)
            let raw = try XCTUnwrap(try parseJSON(try XCTUnwrap(s.userJson)) as? [String: Any])
            XCTAssertTrue(jsonEqual(raw, sample.session["user"]), "\(format): user changed")
            XCTAssertEqual(user.id, raw["id"] as? String)
            XCTAssertNotNil(user.id)
            XCTAssertEqual(user.email, raw["email"] as? String)
            XCTAssertEqual(user.firstName, (raw["firstName"] ?? raw["first_name"]) as? String)
            XCTAssertNotNil(user.firstName)
            XCTAssertEqual(user.emailVerified, bool(raw["emailVerified"] ?? raw["email_verified"]))
            let claims = try XCTUnwrap(try parseJSON(s.claimsJson) as? [String: Any])
            XCTAssertEqual(claims["sid"] as? String, sample.sessionId)

            // The payload naming of the SDK that writes this format.
            let payload = try XCTUnwrap(try parseJSON(try gate.unsealData(sealedData: cookie)) as? [String: Any])
            let keys = format == .iron ? ["accessToken", "refreshToken", "authenticationMethod", "organizationId"]
                                       : ["access_token", "refresh_token", "authentication_method", "organization_id"]
            XCTAssertEqual(Set(payload.keys), Set(keys + ["user", "impersonator"]), "\(format)")
        }
    }

    func testTypedUserFromEitherNaming() throws {
        let sample = try Sample.load(withAmr: false)
        let gate = try sample.gate(passwords: [randomKey()])
        let id = try XCTUnwrap((sample.session["user"] as? [String: Any])?["id"] as? String)
        let users = [
            #"{"id": "\#(id)", "email": "a@example.com", "firstName": "Ada", "lastName": "L", "emailVerified": true, "profilePictureUrl": "https://p"}"#,
            #"{"id": "\#(id)", "email": "a@example.com", "first_name": "Ada", "last_name": "L", "email_verified": true, "profile_picture_url": "https://p"}"#,
        ]
        for (format, userJson) in zip([SealFormat.iron, .fernet], users) {
            let cookie = try gate.sealSession(session: SessionData(accessToken: sample.accessToken, refreshToken: "r", userJson: userJson),
                                              format: format)
            guard case .authenticated(let s) = try gate.authenticate(sessionData: cookie, now: sample.now) else {
                return XCTFail("\(format): not authenticated")
            }
            let user = try XCTUnwrap(s.user)
            XCTAssertEqual(user.firstName, "Ada")
            XCTAssertEqual(user.lastName, "L")
            XCTAssertEqual(user.emailVerified, true)
            XCTAssertEqual(user.profilePictureUrl, "https://p")
            XCTAssertNil(user.externalId)
            XCTAssertNil(s.impersonator)
            XCTAssertNil(s.amr)
        }
    }

    func testRotationAndForeignSecrets() throws {
        let sample = try Sample.load(withAmr: true)
        let (old, new) = (randomKey(), randomKey())
        let userJson = try jsonText(sample.session["user"] as Any)
        let data = SessionData(accessToken: sample.accessToken, refreshToken: "r", userJson: userJson)
        let sealedWithOld = try sample.gate(passwords: [old]).sealSession(session: data, format: .iron)
        let rotated = try sample.gate(passwords: [new, old])
        guard case .authenticated = try rotated.authenticate(sessionData: sealedWithOld, now: sample.now) else {
            return XCTFail("rotation: the old secret did not open the cookie")
        }
        let foreign = try sample.gate(passwords: [new])
        for format in [SealFormat.iron, .fernet] {
            let cookie = try sample.gate(passwords: [old]).sealSession(session: data, format: format)
            XCTAssertEqual(try foreign.authenticate(sessionData: cookie, now: sample.now),
                           .failed(reason: .invalidSessionCookie, detail: "mac_mismatch"), "\(format)")
        }
    }

    func testRefusedCookiesAreValuesNotErrors() throws {
        let sample = try Sample.load(withAmr: true)
        let gate = try sample.gate(passwords: [randomKey()])
        XCTAssertEqual(try gate.authenticate(sessionData: ""), .failed(reason: .noSessionCookieProvided, detail: "empty_cookie"))
        guard case .failed(let reason, let detail) = try gate.authenticate(sessionData: "garbage") else {
            return XCTFail("garbage authenticated")
        }
        XCTAssertEqual(reason, .invalidSessionCookie)
        XCTAssertFalse(detail.isEmpty)
        XCTAssertEqual(FailureReason.noSessionCookieProvided.description, "no_session_cookie_provided")
        XCTAssertEqual(FailureReason.invalidSessionCookie.description, "invalid_session_cookie")
        XCTAssertEqual(FailureReason.invalidJwt.description, "invalid_jwt")
        XCTAssertEqual("\(SealFormat.iron)/\(SealFormat.fernet)", "iron/fernet")
    }

    func testConfigurationErrors() throws {
        let sample = try Sample.load(withAmr: true)
        let base = try gateConfig(sample.config, jwks: sample.jwks)
        func expectConfiguration(_ name: String, _ change: (inout SessionGateConfig) -> Void) {
            var config = base
            change(&config)
            XCTAssertThrowsError(try SessionGate(config: config), name) { error in
                guard let error = error as? SessionGateError, case .Configuration(let message) = error else {
                    return XCTFail("\(name): \(error) is not SessionGateError.Configuration")
                }
                XCTAssertEqual(error.code(), "configuration_error", name)
                XCTAssertFalse(error.isRetryable(), name)
                XCTAssertFalse(message.isEmpty, name)
                XCTAssertEqual(error.message(), message, name)
                for secret in config.cookiePasswords where !secret.isEmpty {
                    XCTAssertFalse("\(error) \(message) \(error.localizedDescription)".contains(secret), "\(name): secret in message")
                }
            }
        }
        expectConfiguration("no password") { $0.cookiePasswords = [] }
        expectConfiguration("short password") { $0.cookiePasswords = ["short-secret-value"] }
        expectConfiguration("plain http jwksUrl, not loopback") { $0.jwks = nil; $0.jwksUrl = "http://keys.example.com/jwks" }
        expectConfiguration("jwksUrl not a URL") { $0.jwks = nil; $0.jwksUrl = "keys.example.com/jwks" }
        expectConfiguration("jwks and jwksUrl") { $0.jwksUrl = "https://keys.invalid/jwks" }
        expectConfiguration("jwks not JSON") { $0.jwks = "{not json" }
        expectConfiguration("negative leeway") { $0.leewaySeconds = -1 }
        expectConfiguration("symmetric algorithm") { $0.algorithms = ["HS256"] }
        expectConfiguration("unknown algorithm") { $0.algorithms = ["XX999"] }
        XCTAssertNoThrow(try SessionGate(config: base))
        // Neither jwks nor jwksUrl: WorkOS's JWKS for the client id (not fetched until needed).
        var noKeys = base
        noKeys.jwks = nil
        let workos = try SessionGate(config: noKeys)
        let status = try XCTUnwrap(try workos.jwksStatus(), "a remote key set has a status")
        XCTAssertEqual(status.url, "https://api.workos.com/sso/jwks/\(base.clientId)")
        XCTAssertEqual(status.fetches, 0)
        XCTAssertEqual(status.kids, [])
        XCTAssertNil(status.fetchedAt)
        XCTAssertNil(try SessionGate(config: base).jwksStatus(), "a static key set has no status")
        var noCache = base
        noCache.verifiedTokenCache = 0
        XCTAssertNoThrow(try SessionGate(config: noCache))
    }

    func testSealAndUnsealErrors() throws {
        let sample = try Sample.load(withAmr: true)
        let gate = try sample.gate(passwords: [randomKey()])
        XCTAssertThrowsError(try gate.sealSession(session: SessionData(accessToken: "a", refreshToken: "r", userJson: "{nope"),
                                                  format: .iron)) { error in
            guard let error = error as? SessionGateError, case .Seal = error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code(), "seal_error")
        }
        XCTAssertThrowsError(try gate.unsealData(sealedData: "Fe26.2*1*garbage")) { error in
            guard let error = error as? SessionGateError, case .Unseal(_, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.code(), "unseal_error")
            XCTAssertEqual(detail, "malformed_seal")
        }
        let foreign = try sample.gate(passwords: [randomKey()]).sealData(json: "{}", format: .iron)
        XCTAssertThrowsError(try gate.unsealData(sealedData: foreign)) { error in
            guard case .Unseal(let message, let detail)? = error as? SessionGateError else { return XCTFail("\(error)") }
            XCTAssertEqual(detail, "mac_mismatch")
            XCTAssertEqual(message, "cannot unseal: mac_mismatch")
        }
        XCTAssertThrowsError(try gate.authenticate(sessionData: "x", now: .nan)) { error in
            XCTAssertEqual((error as? SessionGateError)?.code(), "configuration_error")
        }
        let sealed = try gate.sealData(json: #"{"any": ["json", 1]}"#, format: .fernet)
        XCTAssertTrue(jsonEqual(try parseJSON(try gate.unsealData(sealedData: sealed)), ["any": ["json", 1]]))
    }

    func testSecretsNeverPrinted() throws {
        let sample = try Sample.load(withAmr: true)
        let key = randomKey()
        let gate = try sample.gate(passwords: [key])
        var config = try gateConfig(sample.config, jwks: sample.jwks)
        config.cookiePasswords = [key]
        let data = SessionData(accessToken: sample.accessToken, refreshToken: "refresh-secret-value",
                               userJson: try jsonText(sample.session["user"] as Any))
        let result = try gate.authenticate(sessionData: try gate.sealSession(session: data, format: .iron), now: sample.now)
        guard case .authenticated(let session) = result else { return XCTFail("not authenticated") }
        for text in ["\(config)", String(reflecting: config), "\(data)", String(reflecting: data),
                     "\(session)", String(reflecting: session), "\(result)", String(reflecting: result)] {
            XCTAssertFalse(text.contains(key), text)
            XCTAssertFalse(text.contains(sample.accessToken), text)
            XCTAssertFalse(text.contains("refresh-secret-value"), text)
        }
        XCTAssertTrue("\(session)".contains(sample.sessionId))
    }

    func testConcurrentUse() throws {
        let sample = try Sample.load(withAmr: true)
        let gate = try sample.gate(passwords: [randomKey()])
        let data = SessionData(accessToken: sample.accessToken, refreshToken: "r", userJson: try jsonText(sample.session["user"] as Any))
        let cookie = try gate.sealSession(session: data, format: .fernet)
        let lock = NSLock()
        var authenticated = 0
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            if case .authenticated? = try? gate.authenticate(sessionData: cookie, now: sample.now) {
                lock.lock(); authenticated += 1; lock.unlock()
            }
        }
        XCTAssertEqual(authenticated, 64)
    }
}
