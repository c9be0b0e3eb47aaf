// Step-up completion (issue 17) through the WorkOS API double: a password-only session is
// denied, steps up with a TOTP code, and is then allowed with its grant (maxAge from verifiedAt);
// misused grants are ignored and misused pending values throw `.StepUpFailed` with their
// detail; outages throw the retryable `.ApiUnavailable`; every step reaches the audit listener
// with no secret in any event or description.
import Foundation
import XCTest
@testable import SessionGate

private let stepUpCode = "123456" // the double's

/// Collects audit events (JSON objects) from any thread.
final class AuditRecorder: AuditListener, @unchecked Sendable {
    private let lock = NSLock()
    private var events: [[String: Any]] = []

    func onAudit(eventJson: String) {
        let event = (try? JSONSerialization.jsonObject(with: Data(eventJson.utf8))) as? [String: Any] ?? ["unparsable": eventJson]
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    func take() -> [[String: Any]] {
        lock.lock()
        defer { lock.unlock() }
        let taken = events
        events = []
        return taken
    }
}

final class StepUpCompletionTests: XCTestCase {
    var api: WorkOSDouble!

    override func setUpWithError() throws {
        api = try WorkOSDouble()
        try api.setClock(T0)
    }

    override func tearDown() {
        api?.stop()
        api = nil
    }

    private func config() -> SessionGateConfig {
        SessionGateConfig(clientId: api.clientId, cookiePasswords: [refreshSecret], apiKey: api.apiKey, apiBaseUrl: api.url,
                          refreshTimeoutSeconds: 3)
    }

    private func addFactor(_ userId: String, _ type: String) throws -> String {
        let answer = try XCTUnwrap(try api.control("POST", "factors", ["user_id": userId, "type": type]) as? [String: Any])
        return try XCTUnwrap(answer["id"] as? String)
    }

    /// A session of `userId` signed in at T0 with `amr` (none: WorkOS's tokens today).
    private func session(_ gate: SessionGate, _ userId: String = "user_01ADA", amr: [String] = []) throws -> AuthenticateWithSessionCookieSuccessResponse {
        let issued = try XCTUnwrap(try api.control("POST", "sessions", [
            "user": ["object": "user", "id": userId, "email": "ada@example.com"],
            "organization_id": "org_01HOME", "amr": amr, "auth_time": Int(T0),
        ] as [String: Any]) as? [String: Any])
        let data = SessionData(accessToken: try XCTUnwrap(issued["access_token"] as? String),
                               refreshToken: try XCTUnwrap(issued["refresh_token"] as? String),
                               userJson: try jsonText(try XCTUnwrap(issued["user"])))
        guard case .authenticated(let s) = try gate.authenticate(sessionData: try gate.sealSession(session: data, format: .iron), now: T0) else {
            throw VectorError("the double's session did not authenticate")
        }
        return s
    }

    private func failure(_ work: () throws -> Any) -> String? {
        do {
            _ = try work()
            XCTFail("expected .StepUpFailed")
        } catch SessionGateError.StepUpFailed(_, let detail) {
            return detail
        } catch {
            XCTFail("expected .StepUpFailed, got \(error)")
        }
        return nil
    }

    func testDeniedThenSteppedUpWithTotpThenAllowed() throws {
        let gate = try SessionGate(config: config())
        let totp = try addFactor("user_01ADA", "totp")
        let auth = try session(gate)
        guard case .denied(.claimsMissing, _) = try gate.check(subject: auth.handle, policy: .mfa(), now: T0 + 5) else {
            return XCTFail("a password-only session must be denied")
        }
        let challenge = try gate.startStepUp(session: auth.handle, now: T0 + 5)
        XCTAssertEqual(challenge.factorId, totp)
        XCTAssertEqual(challenge.factorType, "totp")
        XCTAssertEqual(challenge.expiresAt, T0 + 600)
        XCTAssertFalse("\(challenge) \(String(reflecting: challenge))".contains(challenge.pending))

        let grant = try gate.completeStepUp(session: auth.handle, pending: challenge.pending, code: stepUpCode, now: T0 + 20)
        XCTAssertEqual(grant.amr, ["mfa", "otp"])
        XCTAssertEqual(grant.verifiedAt, T0 + 20)
        XCTAssertEqual(grant.expiresAt, T0 + 20 + 12 * 3600)
        XCTAssertFalse("\(grant) \(String(reflecting: grant))".contains(grant.grant))
        XCTAssertEqual(try gate.check(subject: auth.handle, policy: .mfa(), grant: grant.grant, now: T0 + 20), .allowed)
        XCTAssertNoThrow(try gate.require(subject: auth.handle, policy: .mfa(), grant: grant.grant, now: T0 + 20))
        let check = try gate.checkStepUp(subject: auth.handle, policy: .mfa(), grant: grant.grant, now: T0 + 20)
        XCTAssertEqual(check.satisfiedBy, "grant")
        XCTAssertNil(check.grantIgnored)

        XCTAssertEqual(try gate.check(subject: auth.handle, policy: .mfa(maxAgeSeconds: 600), grant: grant.grant, now: T0 + 620), .allowed)
        guard case .denied(.authenticationTooOld, _) = try gate.check(subject: auth.handle, policy: .mfa(maxAgeSeconds: 600), grant: grant.grant, now: T0 + 621) else {
            return XCTFail("601 s after verifiedAt must be too old")
        }
        let strong = try session(gate, amr: ["pwd", "mfa"])
        XCTAssertEqual(try gate.checkStepUp(subject: strong.handle, policy: .mfa(), now: T0 + 5).satisfiedBy, "token")
    }

    func testMisusedGrantsAreIgnoredAndMisusedPendingValuesRefused() throws {
        let gate = try SessionGate(config: config())
        _ = try addFactor("user_01ADA", "totp")
        let bobs = try addFactor("user_01BOB", "totp")
        let auth = try session(gate)
        let other = try session(gate)
        let pending = try gate.startStepUp(session: auth.handle, now: T0 + 1).pending
        XCTAssertEqual(failure { try gate.completeStepUp(session: auth.handle, pending: pending, code: "000000", now: T0 + 1) }, "code_invalid")
        XCTAssertEqual(failure { try gate.completeStepUp(session: other.handle, pending: pending, code: stepUpCode, now: T0 + 1) }, "pending_other_session")
        XCTAssertEqual(failure { try gate.completeStepUp(session: auth.handle, pending: "nonsense", code: stepUpCode, now: T0 + 1) }, "pending_invalid")
        XCTAssertEqual(failure { try gate.completeStepUp(session: auth.handle, pending: pending, code: stepUpCode, now: T0 + 601) }, "challenge_expired")
        let grant = try gate.completeStepUp(session: auth.handle, pending: pending, code: stepUpCode, now: T0 + 1).grant
        XCTAssertEqual(failure { try gate.completeStepUp(session: auth.handle, pending: pending, code: stepUpCode, now: T0 + 1) }, "challenge_already_verified")
        XCTAssertEqual(failure { try gate.startStepUp(session: auth.handle, factorId: bobs, now: T0 + 1) }, "factor_other_user")

        let bob = try session(gate, "user_01BOB")
        let truncated = String(grant.dropLast(2))
        let expired: Double = T0 + 1 + 12 * 3600
        let misuses: [(AuthenticateWithSessionCookieSuccessResponse, String, Double, String)] = [
            (other, grant, T0 + 1, "grant_other_session"),
            (bob, grant, T0 + 1, "grant_other_user"),
            (auth, grant, expired, "grant_expired"),
            (auth, truncated, T0 + 1, "grant_invalid"),
        ]
        for (subject, value, now, why) in misuses {
            let check = try gate.checkStepUp(subject: subject.handle, policy: .mfa(), grant: value, now: now)
            XCTAssertEqual(check.grantIgnored, why)
            guard case .denied(.claimsMissing, _) = check.decision else { return XCTFail("\(why): judged on the token alone") }
        }
    }

    func testOutagesThrowTheRetryableApiUnavailable() throws {
        let gate = try SessionGate(config: config())
        _ = try addFactor("user_01ADA", "totp")
        let auth = try session(gate)
        try api.control("POST", "faults", ["endpoint": "list_factors", "faults": Array(repeating: ["kind": "status", "status": 503], count: 3)] as [String: Any])
        XCTAssertThrowsError(try gate.startStepUp(session: auth.handle, now: T0 + 1)) { error in
            guard case SessionGateError.ApiUnavailable = error else { return XCTFail("\(error)") }
            XCTAssertTrue((error as? SessionGateError)?.isRetryable() ?? false)
        }
        let pending = try gate.startStepUp(session: auth.handle, now: T0 + 1).pending
        XCTAssertEqual(try gate.completeStepUp(session: auth.handle, pending: pending, code: stepUpCode, now: T0 + 1).amr, ["mfa", "otp"])
    }

    func testEveryStepIsAuditedWithoutSecrets() throws {
        let recorder = AuditRecorder()
        let gate = try SessionGate.withAudit(config: config(), listener: recorder)
        _ = try addFactor("user_01ADA", "totp")
        let auth = try session(gate)
        _ = try gate.check(subject: auth.handle, policy: .mfa(maxAgeSeconds: 600), now: T0 + 1)
        let challenge = try gate.startStepUp(session: auth.handle, now: T0 + 1)
        _ = failure { try gate.completeStepUp(session: auth.handle, pending: challenge.pending, code: "999999", now: T0 + 1) }
        let grant = try gate.completeStepUp(session: auth.handle, pending: challenge.pending, code: stepUpCode, now: T0 + 1)
        _ = try gate.check(subject: auth.handle, policy: .mfa(maxAgeSeconds: 600), grant: grant.grant, now: T0 + 1)
        let events = recorder.take()
        XCTAssertEqual(events.map { "\($0["event"] ?? "") \($0["outcome"] ?? "") \($0["reason"] ?? "-")" }, [
            "step_up.decision denied claims_missing",
            "step_up.started started -",
            "step_up.completed refused code_invalid",
            "step_up.completed granted -",
            "step_up.decision allowed -",
        ])
        for event in events {
            XCTAssertEqual(event["session_id"] as? String, auth.sessionId)
            XCTAssertEqual(event["user_id"] as? String, "user_01ADA")
        }
        XCTAssertEqual(events[4]["amr_source"] as? String, "grant")
        let shown = String(decoding: try JSONSerialization.data(withJSONObject: events), as: UTF8.self)
        for secret in [stepUpCode, "999999", refreshSecret, api.apiKey, auth.accessToken, challenge.pending, grant.grant] {
            XCTAssertFalse(shown.contains(secret), "an audit event holds a secret")
        }
        var bad = config()
        bad.stepUpGrantTtlSeconds = 0
        XCTAssertThrowsError(try SessionGate(config: bad))
    }
}
