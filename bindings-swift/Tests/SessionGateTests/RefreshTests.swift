// Refresh through the WorkOS API double (tests/double, spawned from SESSIONGATE_WORKOS_DOUBLE,
// which `cargo xtask test swift` sets): both formats with amr kept, 20 concurrent refreshes of one
// cookie -> one API call, transient faults -> the retryable ApiUnavailable, terminal refusals and
// a token signed by an unknown key -> failures, authenticateOrRefresh at each side of the buffer
// edge (injected time), the logout URL, and no secret in any description.
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import SessionGate

/// The double's clock and the tests' `now`: tokens minted at T0 are valid until T0 + 300.
let T0: Double = 1_800_000_000

/// The WorkOS API double, one process per test; it exits when its stdin closes (`stop()`, or
/// this process dying), so it never outlives the suite.
final class WorkOSDouble {
    let url: String
    let clientId: String
    let apiKey: String
    private let port: UInt16
    private let process: Process
    private let stdin: Pipe

    init() throws {
        guard let path = ProcessInfo.processInfo.environment["SESSIONGATE_WORKOS_DOUBLE"], !path.isEmpty else {
            throw VectorError("SESSIONGATE_WORKOS_DOUBLE is not set: run the suite with `cargo xtask test swift`")
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: path)
        let input = Pipe()
        let output = Pipe()
        child.standardInput = input
        child.standardOutput = output
        try child.run()
        // Its one JSON line: {"url", "client_id", "api_key", "jwks_url"}.
        var line = Data()
        let reader = output.fileHandleForReading
        while line.count < 65536 {
            let byte = reader.readData(ofLength: 1)
            if byte.isEmpty || byte.first == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        guard let info = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
              let url = info["url"] as? String, let clientId = info["client_id"] as? String,
              let apiKey = info["api_key"] as? String,
              let port = url.split(separator: ":").last.flatMap({ UInt16($0) })
        else {
            try? input.fileHandleForWriting.close()
            child.waitUntilExit()
            throw VectorError("the double printed no config line: \(String(decoding: line, as: UTF8.self))")
        }
        (process, stdin) = (child, input)
        (self.url, self.clientId, self.apiKey, self.port) = (url, clientId, apiKey, port)
    }

    /// Closes its stdin (it exits) and waits for it.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// One HTTP/1.0 request to the double (POSIX sockets: no HTTP client needed); the status and
    /// the raw head and body.
    func http(_ method: String, _ path: String, json body: Any? = nil) throws -> (status: Int, head: String, body: Data) {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        var head = "\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(payload.count)\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        let request = Array((head + "\r\n").utf8) + Array(payload)
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw VectorError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var limit = timeval(tv_sec: 30, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw VectorError("cannot connect to the double: errno \(errno)") }
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw VectorError("write to the double failed: errno \(errno)") }
            sent += n
        }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while answer.count < 4 << 20 {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"),
              let status = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { throw VectorError("not an HTTP answer from the double: \(text.prefix(200))") }
        let headLength = text[..<split.lowerBound].utf8.count + 4
        return (status, String(text[..<split.lowerBound]), Data(answer[headLength...]))
    }

    /// A control call under `/_double/`: its JSON answer (200 required).
    @discardableResult
    func control(_ method: String, _ path: String, _ body: Any? = nil) throws -> Any {
        let (status, _, data) = try http(method, "/_double/\(path)", json: body)
        guard status == 200 else { throw VectorError("\(method) /_double/\(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))") }
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    func setClock(_ now: Double) throws { try control("POST", "clock", ["now": now]) }

    func push(_ faults: [[String: Any]]) throws { try control("POST", "faults", ["endpoint": "authenticate", "faults": faults]) }

    func reset() throws { try control("POST", "reset", [:] as [String: Any]) }

    /// `POST /user_management/authenticate` calls so far (faulted or not).
    func calls() throws -> Int {
        let stats = try XCTUnwrap(try control("GET", "stats") as? [String: Any])
        return Int(try XCTUnwrap(double(stats["authenticate"]), "no authenticate count in \(stats)"))
    }

    /// A gate refreshing through the double (its JWKS too: no key source given).
    func gate(_ adjust: (inout SessionGateConfig) -> Void = { _ in }) throws -> SessionGate {
        var config = SessionGateConfig(clientId: clientId, cookiePasswords: [refreshSecret], apiKey: apiKey, apiBaseUrl: url)
        adjust(&config)
        return try SessionGate(config: config)
    }

    /// A session signed in at the double's clock (amr pwd + mfa, auth_time T0 - 100), sealed in `format`.
    func cookie(_ gate: SessionGate, _ format: SealFormat) throws -> String {
        let issued = try XCTUnwrap(try control("POST", "sessions", [
            "user": ["object": "user", "id": "user_01ADA", "email": "ada@example.com", "first_name": "Ada"],
            "organization_id": "org_01HOME",
            "amr": ["pwd", "mfa"],
            "auth_time": Int(T0) - 100,
            "authentication_method": "Password",
        ] as [String: Any]) as? [String: Any])
        let data = SessionData(accessToken: try XCTUnwrap(issued["access_token"] as? String),
                               refreshToken: try XCTUnwrap(issued["refresh_token"] as? String),
                               userJson: try jsonText(try XCTUnwrap(issued["user"])),
                               authenticationMethod: "Password", organizationId: "org_01HOME")
        return try gate.sealSession(session: data, format: format)
    }
}

/// A Fernet key (url-safe base64 of 32 bytes) is also an iron password: one secret, both formats.
let refreshSecret = randomKey()

/// The refresh token sealed in a cookie (either naming).
func sealedRefreshToken(_ gate: SessionGate, _ cookie: String) throws -> String {
    let payload = try XCTUnwrap(try parseJSON(try gate.unsealData(sealedData: cookie)) as? [String: Any])
    return try XCTUnwrap((payload["refreshToken"] ?? payload["refresh_token"]) as? String)
}

func claims(_ session: AuthenticateWithSessionCookieSuccessResponse) throws -> [String: Any] {
    try XCTUnwrap(try parseJSON(session.claimsJson) as? [String: Any])
}

final class RefreshTests: XCTestCase {
    var api: WorkOSDouble!

    override func setUpWithError() throws {
        api = try WorkOSDouble()
        try api.setClock(T0)
    }

    override func tearDown() {
        api?.stop()
        api = nil
    }

    func testRefreshInBothFormatsKeepsAmrAndAuthTime() throws {
        let gate = try api.gate()
        for format in [SealFormat.iron, .fernet] {
            try api.setClock(T0)
            let cookie = try api.cookie(gate, format)
            let oldRefresh = try sealedRefreshToken(gate, cookie)
            try api.setClock(T0 + 400)
            XCTAssertEqual(try gate.authenticate(sessionData: cookie, now: T0 + 400), .failed(reason: .invalidJwt, detail: "expired"))
            guard case .refreshed(let sealed, let session) = try gate.refresh(sessionData: cookie, now: T0 + 400) else {
                return XCTFail("\(format): not refreshed")
            }
            XCTAssertEqual(detectSealFormat(cookie: sealed), format, "\(format) in, \(format) out")
            XCTAssertEqual(session.format, format)
            XCTAssertEqual(session.amr, ["pwd", "mfa"], "\(format)")
            XCTAssertEqual(session.authTime, Int64(T0) - 100, "auth_time unchanged by a refresh")
            XCTAssertEqual(session.organizationId, "org_01HOME")
            XCTAssertEqual(session.authenticationMethod, "Password")
            XCTAssertEqual(session.user?.firstName, "Ada")
            XCTAssertEqual(double(try claims(session)["exp"]), T0 + 700)
            XCTAssertNotEqual(try sealedRefreshToken(gate, sealed), oldRefresh, "the rotated refresh token is sealed")
            guard case .authenticated(let again) = try gate.authenticate(sessionData: sealed, now: T0 + 400) else {
                return XCTFail("\(format): the new cookie does not authenticate")
            }
            XCTAssertEqual(again.sessionId, session.sessionId)
            XCTAssertEqual(again.amr, ["pwd", "mfa"])
        }
        XCTAssertEqual(try api.calls(), 2)
    }

    func testConcurrentRefreshesOfOneCookieMakeOneCall() throws {
        let gate = try api.gate()
        for format in [SealFormat.iron, .fernet] {
            try api.reset()
            try api.setClock(T0)
            let cookie = try api.cookie(gate, format)
            try api.setClock(T0 + 301)
            let lock = NSLock()
            var cookies: [String] = []
            var problems: [String] = []
            DispatchQueue.concurrentPerform(iterations: 20) { _ in
                do {
                    let outcome = try gate.refresh(sessionData: cookie, now: T0 + 301)
                    lock.lock(); defer { lock.unlock() }
                    if case .refreshed(let sealed, _) = outcome { cookies.append(sealed) } else { problems.append("\(outcome)") }
                } catch {
                    lock.lock(); problems.append("\(error)"); lock.unlock()
                }
            }
            XCTAssertEqual(problems, [], "\(format)")
            XCTAssertEqual(cookies.count, 20, "\(format)")
            XCTAssertEqual(Set(cookies).count, 1, "\(format): 20 identical cookies")
            XCTAssertEqual(try api.calls(), 1, "\(format): one API call for 20 concurrent refreshes")
            XCTAssertEqual(detectSealFormat(cookie: cookies[0]), format)
        }
    }

    func testTransientFaultsThrowTheRetryableApiUnavailable() throws {
        let gate = try api.gate()
        let cookie = try api.cookie(gate, .iron)
        let now = T0 + 400
        try api.setClock(now)
        func expectUnavailable(_ name: String, retryAfter: TimeInterval?, _ call: () throws -> Any) {
            XCTAssertThrowsError(try call(), name) { error in
                guard let error = error as? SessionGateError, case .ApiUnavailable(let message, let after) = error else {
                    return XCTFail("\(name): \(error) is not SessionGateError.ApiUnavailable")
                }
                XCTAssertEqual(error.code(), "api_unavailable", name)
                XCTAssertTrue(error.isRetryable(), name)
                XCTAssertEqual(after, retryAfter, name)
                XCTAssertEqual(error.message(), message, name)
                for secret in [api.apiKey, refreshSecret] {
                    XCTAssertFalse("\(error) \(String(reflecting: error)) \(error.localizedDescription)".contains(secret), "\(name): secret shown")
                }
            }
        }
        for status in [500, 503] {
            let before = try api.calls()
            // Three faults outlast the core's two retries.
            try api.push(Array(repeating: ["kind": "status", "status": status], count: 3))
            expectUnavailable("\(status)", retryAfter: nil) { try gate.refresh(sessionData: cookie, now: now) }
            XCTAssertEqual(try api.calls(), before + 3, "\(status): one call and two retries")
            // authenticateOrRefresh on the expired cookie: the same error, the cookie kept.
            try api.push(Array(repeating: ["kind": "status", "status": status], count: 3))
            expectUnavailable("\(status), authenticateOrRefresh", retryAfter: nil) { try gate.authenticateOrRefresh(sessionData: cookie, now: now) }
        }
        // 429 with Retry-After: waited, then handed over.
        try api.push(Array(repeating: ["kind": "rate_limited", "retry_after": 1], count: 3))
        expectUnavailable("429", retryAfter: 1) { try gate.refresh(sessionData: cookie, now: now) }
        // The refresh token survived every transient fault.
        guard case .refreshed = try gate.refresh(sessionData: cookie, now: now) else { return XCTFail("not refreshed after the faults") }
    }

    func testTerminalRefusalsAreFailuresThatClearTheCookie() throws {
        let gate = try api.gate()
        let now = T0 + 400
        let faults: [([String: Any], FailureReason, String)] = [
            (["kind": "mfa_enrollment"], .mfaEnrollment, "mfa_enrollment"),
            (["kind": "sso_required"], .ssoRequired, "sso_required"),
            (["kind": "oauth_error", "status": 400, "error": "invalid_grant"], .invalidGrant, "refresh_token_rejected"),
        ]
        for (fault, reason, detail) in faults {
            try api.setClock(T0)
            let cookie = try api.cookie(gate, .fernet)
            try api.setClock(now)
            let before = try api.calls()
            try api.push([fault])
            XCTAssertEqual(try gate.refresh(sessionData: cookie, now: now), .failed(reason: reason, detail: detail, sealedSession: nil))
            XCTAssertEqual(try api.calls(), before + 1, "\(reason): terminal, not retried")
            XCTAssertTrue(reason.isRefreshRefusal, "\(reason)")
            try api.push([fault])
            let renewal = try gate.authenticateOrRefresh(sessionData: cookie, now: now)
            XCTAssertEqual(renewal, SessionRenewal(authentication: .failed(reason: reason, detail: detail), sealedSession: nil, clearCookie: true))
        }
        XCTAssertEqual(FailureReason.mfaEnrollment.description, "mfa_enrollment")
        XCTAssertFalse(FailureReason.invalidJwt.isRefreshRefusal)
        // Without an API key a refresh cannot work: a configuration error, not a failure.
        let keyless = try api.gate { $0.apiKey = nil }
        let cookie = try api.cookie(keyless, .iron)
        XCTAssertThrowsError(try keyless.refresh(sessionData: cookie, now: now)) { error in
            XCTAssertEqual((error as? SessionGateError)?.code(), "configuration_error")
        }
        // Cookies a refresh cannot help are failures, without an API call.
        let before = try api.calls()
        XCTAssertEqual(try gate.refresh(sessionData: "", now: now), .failed(reason: .noSessionCookieProvided, detail: "empty_cookie", sealedSession: nil))
        guard case .failed(.invalidSessionCookie, _, nil) = try gate.refresh(sessionData: "Fe26.2*garbage", now: now) else {
            return XCTFail("a forged cookie was refreshed")
        }
        XCTAssertEqual(try api.calls(), before)
    }

    func testAnUnverifiableNewTokenKeepsTheRotatedCookie() throws {
        let gate = try api.gate()
        for format in [SealFormat.iron, .fernet] {
            try api.setClock(T0)
            let cookie = try api.cookie(gate, format)
            try api.setClock(T0 + 400)
            try api.push([["kind": "unknown_key"]])
            guard case .failed(let reason, let detail, let sealed?) = try gate.refresh(sessionData: cookie, now: T0 + 400) else {
                return XCTFail("\(format): no failure with the rotated cookie")
            }
            XCTAssertEqual(reason, .invalidJwt)
            XCTAssertEqual(detail, "unknown_kid")
            XCTAssertEqual(detectSealFormat(cookie: sealed), format)
            XCTAssertNotEqual(try sealedRefreshToken(gate, sealed), try sealedRefreshToken(gate, cookie), "the new refresh token is sealed")
            // The rotated refresh token works: the next refresh uses it.
            guard case .refreshed = try gate.refresh(sessionData: sealed, now: T0 + 401) else {
                return XCTFail("\(format): the rotated cookie does not refresh")
            }
        }
    }

    func testAuthenticateOrRefreshAtEachSideOfTheBufferEdge() throws {
        // 300 s tokens: the core's buffer is 30 s (refresh once exp < now + 30, exp = T0 + 300).
        let gate = try api.gate()
        let cookie = try api.cookie(gate, .iron)
        for now in [T0 + 10, T0 + 270] {
            let renewal = try gate.authenticateOrRefresh(sessionData: cookie, now: now)
            guard case .authenticated(let session) = renewal.authentication else { return XCTFail("\(now): not authenticated") }
            XCTAssertEqual(session.amr, ["pwd", "mfa"])
            XCTAssertNil(renewal.sealedSession, "\(now): outside the buffer")
            XCTAssertFalse(renewal.clearCookie)
        }
        XCTAssertEqual(try api.calls(), 0, "outside the buffer: no refresh")
        try api.setClock(T0 + 271)
        let renewal = try gate.authenticateOrRefresh(sessionData: cookie, now: T0 + 271)
        let sealed = try XCTUnwrap(renewal.sealedSession, "inside the buffer: refreshed")
        guard case .authenticated(let session) = renewal.authentication else { return XCTFail("refreshed but not authenticated") }
        XCTAssertEqual(double(try claims(session)["exp"]), T0 + 571)
        XCTAssertEqual(session.amr, ["pwd", "mfa"])
        XCTAssertFalse(renewal.clearCookie)
        XCTAssertEqual(try api.calls(), 1)
        XCTAssertNil(try gate.authenticateOrRefresh(sessionData: sealed, now: T0 + 272).sealedSession, "the new cookie is fresh")
        // A configured buffer moves the edge.
        let wide = try api.gate { $0.refreshBufferSeconds = 100 }
        XCTAssertNil(try wide.authenticateOrRefresh(sessionData: sealed, now: T0 + 471).sealedSession)
        XCTAssertNotNil(try wide.authenticateOrRefresh(sessionData: sealed, now: T0 + 472).sealedSession)
        // Cookies a refresh cannot help.
        XCTAssertEqual(try gate.authenticateOrRefresh(sessionData: "", now: T0),
                       SessionRenewal(authentication: .failed(reason: .noSessionCookieProvided, detail: "empty_cookie"), sealedSession: nil, clearCookie: false))
        let forged = try gate.authenticateOrRefresh(sessionData: "Fe26.2*garbage", now: T0)
        guard case .failed(.invalidSessionCookie, _) = forged.authentication else { return XCTFail("\(forged)") }
        XCTAssertTrue(forged.clearCookie)
    }

    func testLogoutUrl() throws {
        let gate = try api.gate()
        let cookie = try api.cookie(gate, .fernet)
        guard case .authenticated(let session) = try gate.authenticate(sessionData: cookie, now: T0) else { return XCTFail("not authenticated") }
        let base = "\(api.url)/user_management/sessions/logout?session_id=\(session.sessionId)"
        XCTAssertEqual(try gate.logoutUrl(sessionData: cookie, now: T0 + 9999), base, "an expired session too")
        let url = try gate.logoutUrl(sessionData: cookie, returnTo: "https://app.example/signed out?x=1")
        XCTAssertEqual(url, base + "&return_to=https%3A%2F%2Fapp.example%2Fsigned+out%3Fx%3D1")
        // The double ends the session and redirects; its refresh token is then refused.
        let (status, head, _) = try api.http("GET", String(url.dropFirst(api.url.count)))
        XCTAssertEqual(status, 302)
        XCTAssertTrue(head.lowercased().contains("location: https://app.example/signed out?x=1"), head)
        try api.setClock(T0 + 400)
        guard case .failed(.invalidGrant, _, nil) = try gate.refresh(sessionData: cookie, now: T0 + 400) else {
            return XCTFail("a logged-out session was refreshed")
        }
        XCTAssertThrowsError(try gate.logoutUrl(sessionData: "Fe26.2*nope")) { error in
            guard case .Unseal(_, let detail)? = error as? SessionGateError else { return XCTFail("\(error)") }
            XCTAssertFalse(detail.isEmpty)
        }
    }

    func testNoSecretInAnyDescription() throws {
        let gate = try api.gate()
        let config = SessionGateConfig(clientId: api.clientId, cookiePasswords: [refreshSecret], apiKey: api.apiKey, apiBaseUrl: api.url)
        let cookie = try api.cookie(gate, .iron)
        try api.setClock(T0 + 400)
        let outcome = try gate.refresh(sessionData: cookie, now: T0 + 400)
        guard case .refreshed(let sealed, _) = outcome else { return XCTFail("not refreshed") }
        let newRefresh = try sealedRefreshToken(gate, sealed)
        try api.setClock(T0)
        let renewal = try gate.authenticateOrRefresh(sessionData: try api.cookie(gate, .fernet), now: T0 + 290)
        let renewed = try XCTUnwrap(renewal.sealedSession)
        try api.push([["kind": "unknown_key"]])
        let rotated = try gate.refresh(sessionData: try api.cookie(gate, .iron), now: T0 + 400)
        guard case .failed(_, _, let kept?) = rotated else { return XCTFail("\(rotated)") }
        let shown = ["\(config)", String(reflecting: config), "\(gate)", "\(outcome)", String(reflecting: outcome),
                     "\(renewal)", String(reflecting: renewal), "\(rotated)", String(reflecting: rotated)].joined(separator: "\n")
        for secret in [api.apiKey, refreshSecret, sealed, newRefresh, renewed, kept] {
            XCTAssertFalse(shown.contains(secret), "a secret is shown in:\n\(shown)")
        }
        XCTAssertTrue(shown.contains("<redacted>"), shown)
    }

    /// The fleet coordinator's option and status (issue 16). Redis itself is exercised by the
    /// Rust, Python and Node suites with real redis-server processes; here a Redis that is not
    /// there: the refresh still succeeds, on its own, and the status says so without the password.
    func testRefreshCoordinatorOptionAndStatus() throws {
        let local = try api.gate().refreshCoordinatorStatus()
        XCTAssertEqual(local.kind, "in_process")
        XCTAssertTrue(local.available)
        XCTAssertNil(local.url)
        XCTAssertThrowsError(try api.gate { $0.refreshCoordinator = "http://127.0.0.1:6379" }) { error in
            guard case SessionGateError.Configuration(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("redis://"), message)
        }
        XCTAssertThrowsError(try api.gate { $0.refreshCoordinator = "redis://127.0.0.1"; $0.refreshCoordinatorTimeoutSeconds = 0 })
        // Port 9 (discard) on loopback: nothing listens there; connecting fails at once.
        let gate = try api.gate { $0.refreshCoordinator = "redis://:s3cr3t-pass@127.0.0.1:9/0" }
        let cookie = try api.cookie(gate, .iron)
        try api.setClock(T0 + 400)
        guard case .refreshed = try gate.refresh(sessionData: cookie, now: T0 + 400) else {
            return XCTFail("Redis down must never fail a refresh")
        }
        let status = try gate.refreshCoordinatorStatus()
        XCTAssertEqual(status.kind, "redis")
        XCTAssertFalse(status.available)
        XCTAssertEqual(status.fallbacks, 1)
        XCTAssertNotNil(status.lastError)
        XCTAssertFalse("\(status) \(String(reflecting: gate))".contains("s3cr3t"))
    }
}
