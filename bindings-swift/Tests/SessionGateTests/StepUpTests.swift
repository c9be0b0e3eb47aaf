// Step-up: the shared truth table (tests/vectors/stepup.json), check/require on sessions
// authenticated from the shared cases, bearer and ID token verification, challenge round trips.
import Foundation
import XCTest
@testable import SessionGate

let stepUpURL = packageDir.appendingPathComponent("../tests/vectors/stepup.json").standardizedFileURL

/// A case of cases.json by id.
func vectorCase(_ id: String) throws -> (jwks: [String: Any], case: [String: Any]) {
    let (jwks, cases) = try loadVectors()
    guard let c = cases.first(where: { $0["id"] as? String == id }) else { throw VectorError("no case \(id)") }
    return (jwks, c)
}

/// The gate of a case, its clock, and the session its cookie authenticates to.
func authenticatedCase(_ id: String) throws -> (gate: SessionGate, now: Double, session: AuthenticateWithSessionCookieSuccessResponse) {
    let (jwks, c) = try vectorCase(id)
    guard let config = c["config"] as? [String: Any], let cookie = c["cookie"] as? String, let now = double(c["now"]) else {
        throw VectorError("\(id): no config, cookie or now")
    }
    let gate = try SessionGate(config: try gateConfig(config, jwks: jwks))
    guard case .authenticated(let session) = try gate.authenticate(sessionData: cookie, now: now) else {
        throw VectorError("\(id): did not authenticate")
    }
    return (gate, now, session)
}

/// The payload of a JWT, decoded (to learn a test token's iss / aud / sub without hard-coding).
func jwtPart(_ token: String, _ index: Int) throws -> [String: Any] {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 else { throw VectorError("not a JWT") }
    var b64 = String(parts[index]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    b64 += String(repeating: "=", count: (4 - b64.count % 4) % 4)
    guard let data = Data(base64Encoded: b64), let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw VectorError("JWT part \(index) is not a JSON object")
    }
    return object
}

/// Runs `body`, expecting `SessionGateError.StepUpRequired`; returns its fields.
func expectStepUp(_ name: String, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void)
    -> (reason: DenialReason, status: UInt16, header: String, body: String, message: String)? {
    do {
        try body()
        XCTFail("\(name): no StepUpRequired thrown", file: file, line: line)
    } catch let error as SessionGateError {
        guard case .StepUpRequired(let message, let reason, let status, let header, let bodyJson) = error else {
            XCTFail("\(name): \(error) is not StepUpRequired", file: file, line: line)
            return nil
        }
        XCTAssertEqual(error.code(), "step_up_required", name, file: file, line: line)
        XCTAssertFalse(error.isRetryable(), name, file: file, line: line)
        XCTAssertEqual(error.message(), message, name, file: file, line: line)
        XCTAssertTrue(message.contains(reason.description), "\(name): \(message)", file: file, line: line)
        return (reason, status, header, bodyJson, message)
    } catch {
        XCTFail("\(name): \(error) is not a SessionGateError", file: file, line: line)
    }
    return nil
}

final class StepUpTests: XCTestCase {
    func testStepUpTruthTable() throws {
        let data = try Data(contentsOf: stepUpURL)
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rows = try XCTUnwrap(root["cases"] as? [[String: Any]], "\(stepUpURL.path): no cases")
        XCTAssertGreaterThanOrEqual(rows.count, 24)
        var ids = Set<String>(), denied = 0
        for row in rows {
            let id = row["id"] as? String ?? "<no id>"
            XCTAssertTrue(ids.insert(id).inserted, "duplicate row \(id)")
            guard let p = row["policy"] as? [String: Any], let claims = row["claims"] as? [String: Any],
                  let now = double(row["now"]), let expected = row["expected"] as? [String: Any],
                  let allowed = bool(expected["allowed"])
            else { XCTFail("\(id): malformed row"); continue }
            let known: Set<String> = ["amr_any_of", "amr_all_of", "max_age", "acr_values", "leeway"]
            XCTAssertTrue(Set(p.keys).isSubset(of: known), "\(id): unknown policy keys \(p.keys.sorted())")
            let policy = StepUpPolicy(amrAnyOf: p["amr_any_of"] as? [String] ?? [],
                                      amrAllOf: p["amr_all_of"] as? [String] ?? [],
                                      maxAgeSeconds: double(p["max_age"]),
                                      acrValues: p["acr_values"] as? [String] ?? [],
                                      leewaySeconds: double(p["leeway"]))
            let decision = try policy.checkClaims(claimsJson: try jsonText(claims), now: now)
            switch decision {
            case .allowed:
                XCTAssertTrue(allowed, "\(id): allowed, expected \(expected)")
            case .denied(let reason, let challenge):
                denied += 1
                XCTAssertFalse(allowed, "\(id): denied (\(reason)), expected allowed")
                XCTAssertEqual(reason.description, expected["reason"] as? String, id)
                XCTAssertEqual(challenge.wwwAuthenticate(), expected["www_authenticate"] as? String, id)
                XCTAssertTrue(jsonEqual(try parseJSON(challenge.bodyJson()), expected["body"]),
                              "\(id): body \(challenge.bodyJson()), want \(expected["body"] ?? "-")")
                XCTAssertEqual(parseChallenge(header: challenge.wwwAuthenticate()), challenge, "\(id): parse(header)")
            }
        }
        XCTAssertGreaterThan(denied, 0)
        print("stepup: \(rows.count) rows run from \(stepUpURL.path) (\(denied) denials)")
    }

    func testCheckAndRequireOnCookieSessions() throws {
        let (gate, now, mfa) = try authenticatedCase("sessiongate/mfa_iron")
        XCTAssertEqual(mfa.amr, ["pwd", "mfa"])
        let authTime = try XCTUnwrap(mfa.authTime)
        XCTAssertEqual(try gate.check(subject: mfa.handle, policy: .mfa(), now: now), .allowed)
        XCTAssertNoThrow(try gate.require(subject: mfa.handle, policy: .mfa(), now: now))
        XCTAssertEqual(try gate.check(subject: mfa.handle, policy: .mfa(maxAgeSeconds: Double(UInt64(now) - UInt64(authTime))), now: now), .allowed)
        XCTAssertEqual(try gate.check(subject: mfa.handle, policy: .mfa(acrValues: [try XCTUnwrap(mfa.acr)]), now: now), .allowed)
        // The current time (no `now`): this session's auth_time is in the past, so older than 1 s.
        guard case .denied(.authenticationTooOld, let old) = try gate.check(subject: mfa.handle, policy: .mfa(maxAgeSeconds: 1)) else {
            return XCTFail("a 1 s max age allowed an old authentication")
        }
        XCTAssertEqual(old.maxAge, 1)
        let tooOld = UInt64(now) - UInt64(authTime) - 1
        let stale = expectStepUp("max age") { try gate.require(subject: mfa.handle, policy: .mfa(maxAgeSeconds: Double(tooOld)), now: now) }
        XCTAssertEqual(stale?.reason, .authenticationTooOld)
        XCTAssertEqual(stale?.status, 403)
        XCTAssertEqual(stale.map { parseChallenge(header: $0.header)?.maxAge }, tooOld)

        let (pwdGate, pwdNow, pwd) = try authenticatedCase("sessiongate/pwd_only_iron")
        XCTAssertEqual(pwd.amr, ["pwd"])
        guard case .denied(let reason, let challenge) = try pwdGate.check(subject: pwd.handle, policy: .mfa(), now: pwdNow) else {
            return XCTFail("a password-only session passed the MFA policy")
        }
        XCTAssertEqual(reason, .mfaRequired)
        XCTAssertEqual(challenge, Challenge(errorDescription: "Multi-factor authentication is required", acrValues: [], maxAge: nil))
        let refused = try XCTUnwrap(expectStepUp("password only") { try pwdGate.require(subject: pwd.handle, policy: .mfa(), now: pwdNow) })
        XCTAssertEqual(refused.reason, .mfaRequired)
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(refused.message, "step-up required (mfa_required): Multi-factor authentication is required")
        XCTAssertEqual(refused.header, #"Bearer error="insufficient_user_authentication", error_description="Multi-factor authentication is required""#)
        XCTAssertEqual(refused.header, challenge.wwwAuthenticate())
        XCTAssertTrue(jsonEqual(try parseJSON(refused.body), ["error": "insufficient_user_authentication",
                                                             "error_description": "Multi-factor authentication is required"]))
        XCTAssertEqual(parseChallenge(header: refused.header), challenge)
        // Nothing required: allowed; a session without the claim the policy needs: claims_missing.
        XCTAssertEqual(try pwdGate.check(subject: pwd.handle, policy: StepUpPolicy(amrAnyOf: []), now: pwdNow), .allowed)
        guard case .denied(.claimsMissing, _) = try pwdGate.check(subject: pwd.handle, policy: .mfa(acrValues: ["urn:gold"]), now: pwdNow) else {
            return XCTFail("a session without acr passed an acr policy")
        }
        let (absentGate, absentNow, absent) = try authenticatedCase("sessiongate/amr_absent")
        XCTAssertNil(absent.amr)
        guard case .denied(.claimsMissing, _) = try absentGate.check(subject: absent.handle, policy: .mfa(), now: absentNow) else {
            return XCTFail("a session without amr passed the MFA policy")
        }
        // Both amr lists: all of amrAllOf and one of amrAnyOf (the core's one rule).
        XCTAssertEqual(try gate.check(subject: mfa.handle, policy: StepUpPolicy(amrAnyOf: ["mfa"], amrAllOf: ["pwd"]), now: now), .allowed)
        guard case .denied(.mfaRequired, _) = try gate.check(subject: mfa.handle, policy: StepUpPolicy(amrAnyOf: ["otp"], amrAllOf: ["pwd"]), now: now) else {
            return XCTFail("one of [otp] passed for amr [pwd, mfa]")
        }
        // Only amrAllOf: it replaces the default.
        XCTAssertEqual(try pwdGate.check(subject: pwd.handle, policy: StepUpPolicy(amrAllOf: ["pwd"]), now: pwdNow), .allowed)
        // A policy judges the verified session, not the record: editing the record changes nothing.
        var edited = pwd
        edited.amr = ["pwd", "mfa"]
        guard case .denied(.mfaRequired, _) = try pwdGate.check(subject: edited.handle, policy: .mfa(), now: pwdNow) else {
            return XCTFail("an edited record passed the MFA policy")
        }
        XCTAssertNotEqual(edited, pwd)
        XCTAssertEqual(pwd, try authenticatedCase("sessiongate/pwd_only_iron").session)
    }

    func testChallengeRoundTrip() throws {
        let challenge = Challenge(errorDescription: #"say "hi" \ bye"#, acrValues: ["urn:a", "urn:b"], maxAge: 300)
        let header = challenge.wwwAuthenticate()
        XCTAssertEqual(header, #"Bearer error="insufficient_user_authentication", error_description="say \"hi\" \\ bye", acr_values="urn:a urn:b", max_age=300"#)
        XCTAssertEqual(parseChallenge(header: header), challenge)
        XCTAssertTrue(jsonEqual(try parseJSON(challenge.bodyJson()), ["error": "insufficient_user_authentication",
                                                                      "error_description": #"say "hi" \ bye"#,
                                                                      "acr_values": "urn:a urn:b", "max_age": 300]))
        XCTAssertNil(parseChallenge(header: #"Bearer error="invalid_token""#))
        XCTAssertNil(parseChallenge(header: #"Basic realm="x""#))
        XCTAssertNil(parseChallenge(header: #"Bearer error="insufficient_user_authentication", max_age=soon"#))
        // Hostile headers are nil, never a trap.
        let hostile = ["", "Bearer", "Bearer =", #"Bearer error="unterminated"#, "Bearer error=\"insufficient_user_authentication\\",
                       #"Bearer error="insufficient_user_authentication", max_age=99999999999999999999999"#,
                       #"Bearer error="insufficient_user_authentication", max_age=-1"#, "Bearer error=\u{0}\u{FFFF}🙂",
                       String(repeating: #"Bearer ,="\"#, count: 10_000)]
        for header in hostile { XCTAssertNil(parseChallenge(header: header), header.prefix(80).description) }
        XCTAssertThrowsError(try StepUpPolicy.mfa().checkClaims(claimsJson: "[1]")) {
            XCTAssertEqual(($0 as? SessionGateError)?.code(), "configuration_error")
        }
    }

    func testBearerAndIdTokens() throws {
        // A real signed token of the vectors whose aud names the vectors' client id.
        let (jwks, c) = try vectorCase("sessiongate/audience_match")
        let config = try XCTUnwrap(c["config"] as? [String: Any])
        let now = try XCTUnwrap(double(c["now"]))
        let token = try XCTUnwrap((c["expected"] as? [String: Any]).flatMap { $0["session"] as? [String: Any] }?["access_token"] as? String)
        let claims = try jwtPart(token, 1)
        let issuer = try XCTUnwrap(claims["iss"] as? String)
        let audiences = try XCTUnwrap(claims["aud"] as? [String])
        let clientId = try XCTUnwrap(config["client_id"] as? String)
        XCTAssertTrue(audiences.contains(clientId))
        var base = try gateConfig(config, jwks: jwks)
        base.audiences = nil

        // Access token (bearer): verified, then the policy (401 on refusal).
        let gate = try SessionGate(config: base)
        guard case .verified(let access) = try gate.verifyAccessToken(token: token, now: now) else {
            return XCTFail("the access token did not verify")
        }
        XCTAssertEqual(access.subject, claims["sub"] as? String)
        XCTAssertEqual(access.amr, ["pwd", "mfa"])
        XCTAssertEqual(access.acr, claims["acr"] as? String)
        XCTAssertEqual(access.authTime, (claims["auth_time"] as? NSNumber)?.int64Value)
        XCTAssertTrue(jsonEqual(try parseJSON(access.claimsJson), claims))
        XCTAssertEqual((try parseJSON(access.headerJson) as? [String: Any])?["alg"] as? String, "RS256")
        XCTAssertEqual(try gate.check(subject: access.handle, policy: .mfa(), now: now), .allowed)
        XCTAssertNoThrow(try gate.require(subject: access.handle, policy: .mfa(), now: now))
        let bearer = try XCTUnwrap(expectStepUp("bearer acr") {
            try gate.require(subject: access.handle, policy: .mfa(acrValues: ["urn:gold"]), now: now)
        })
        XCTAssertEqual(bearer.reason, .acrInsufficient)
        XCTAssertEqual(bearer.status, 401)
        XCTAssertEqual(parseChallenge(header: bearer.header)?.acrValues, ["urn:gold"])
        XCTAssertEqual(try gate.verifyAccessToken(token: "not.a.jwt", now: now), .failed(reason: .invalidJwt, detail: "malformed_jwt"))

        // ID token: issuer required, audience = the client id.
        XCTAssertThrowsError(try gate.verifyIdToken(token: token, now: now)) { error in
            guard case .Configuration? = error as? SessionGateError else { return XCTFail("\(error)") }
        }
        var idConfig = base
        idConfig.issuers = [issuer]
        let idGate = try SessionGate(config: idConfig)
        guard case .verified(let id) = try idGate.verifyIdToken(token: token, now: now) else {
            return XCTFail("the ID token did not verify")
        }
        XCTAssertEqual(id.subject, claims["sub"] as? String)
        XCTAssertEqual(try idGate.check(subject: id.handle, policy: .mfa(), now: now), .allowed)

        var wrongAudience = idConfig
        wrongAudience.clientId = "client_someone_else"
        XCTAssertEqual(try SessionGate(config: wrongAudience).verifyIdToken(token: token, now: now),
                       .failed(reason: .invalidJwt, detail: "audience_mismatch"))
        var wrongIssuer = idConfig
        wrongIssuer.issuers = ["https://issuer.example"]
        XCTAssertEqual(try SessionGate(config: wrongIssuer).verifyIdToken(token: token, now: now),
                       .failed(reason: .invalidJwt, detail: "issuer_mismatch"))

        // Expired: the vectors' token that expired 5 s before its case's clock, with no leeway.
        let (expJwks, expCase) = try vectorCase("sessiongate/leeway_covers_recent_expiry")
        let expToken = try XCTUnwrap((expCase["expected"] as? [String: Any]).flatMap { $0["session"] as? [String: Any] }?["access_token"] as? String)
        let expNow = try XCTUnwrap(double(expCase["now"]))
        let expClaims = try jwtPart(expToken, 1)
        XCTAssertLessThan(try XCTUnwrap(double(expClaims["exp"])), expNow)
        var expConfig = try gateConfig(try XCTUnwrap(expCase["config"] as? [String: Any]), jwks: expJwks)
        expConfig.leewaySeconds = 0
        expConfig.issuers = [try XCTUnwrap(expClaims["iss"] as? String)]
        expConfig.clientId = clientId
        let expGate = try SessionGate(config: expConfig)
        XCTAssertEqual(try expGate.verifyIdToken(token: expToken, now: expNow), .failed(reason: .invalidJwt, detail: "expired"))
        XCTAssertEqual(try expGate.verifyAccessToken(token: expToken, now: expNow), .failed(reason: .invalidJwt, detail: "expired"))
        // Within its lifetime the same token verifies (so "expired" above is about time only).
        guard case .verified = try expGate.verifyAccessToken(token: expToken, now: expNow - 10) else {
            return XCTFail("the token did not verify before its exp")
        }
    }
}
