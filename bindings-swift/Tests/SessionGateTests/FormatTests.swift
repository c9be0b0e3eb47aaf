// The seal formats of every WorkOS SDK (issue 20): every core format mirrored with the core's
// name, the `formats` and `allowWeakSecrets` options, `gate.formats()`, and `reseal` moving one
// session through all nine formats and back.
import Foundation
import XCTest
@testable import SessionGate

/// Three secrets as the core's reseal test: an iron-style password, the base64 of a 32-byte key
/// (fernet, php) and a raw 32-byte key (ruby-legacy). Each target is sealed by a gate whose
/// first secret fits it; every one of the three is tried to open.
let ironPassword = "format-tests-cookie-password-of-at-least-32-characters"
let base64Key = "cmVzZWFsLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLWxvbmc="
let raw32Key = "reseal-test-ruby-legacy-raw-32b!"

final class FormatTests: XCTestCase {
    func testEveryCoreFormatIsMirroredWithItsName() {
        let names = ["iron", "fernet", "ruby", "ruby-legacy", "go", "php", "php-halite", "dotnet", "react-router"]
        XCTAssertEqual(SealFormat.all.map(\.description), names)
        XCTAssertEqual(SealFormat.all, [.iron, .fernet, .ruby, .rubyLegacy, .go, .php, .phpHalite, .dotnet, .reactRouter])
        for format in SealFormat.all { XCTAssertEqual(SealFormat(name: format.description), format) }
        XCTAssertNil(SealFormat(name: "rails"))
        XCTAssertNil(SealFormat(name: "Iron"), "names are case-sensitive, as the core's")
        XCTAssertEqual(SealFormat.detect(cookie: "Fe26.2*1*a*b*c*d*e*f~2"), .iron)
        XCTAssertNil(SealFormat.detect(cookie: "no format at all"))
        // Every reason too, with the core's strings; refusals of a refresh are told apart.
        let reasons = FailureReason.all
        XCTAssertEqual(reasons.count, 15)
        XCTAssertEqual(Set(reasons.map(\.description)).count, reasons.count)
        XCTAssertEqual(reasons.filter { !$0.isRefreshRefusal }, [.noSessionCookieProvided, .invalidSessionCookie, .invalidJwt])
        XCTAssertEqual(DenialReason.authenticationInFuture.description, "authentication_in_future")
    }

    func testFormatsOptionAndGateFormats() throws {
        let sample = try Sample.load(withAmr: true)
        var config = try gateConfig(sample.config, jwks: sample.jwks)
        config.cookiePasswords = [ironPassword, base64Key, raw32Key]
        XCTAssertEqual(try SessionGate(config: config).formats(), SealFormat.all.filter { $0 != .dotnet }, "the core's default")
        config.formats = ["go", "iron"]
        let two = try SessionGate(config: config)
        XCTAssertEqual(Set(try two.formats()), [.iron, .go])
        // A cookie of a format not enabled is refused as a failure, never an error.
        let data = SessionData(accessToken: sample.accessToken, refreshToken: "r", userJson: try jsonText(sample.session["user"] as Any))
        config.formats = nil
        var sealer = config
        sealer.cookiePasswords = [base64Key]  // the first password seals: a Fernet key
        let fernet = try SessionGate(config: sealer).sealSession(session: data, format: .fernet)
        guard case .failed(.invalidSessionCookie, let detail) = try two.authenticate(sessionData: fernet, now: sample.now) else {
            return XCTFail("a fernet cookie opened with formats [go, iron]")
        }
        XCTAssertEqual(detail, "format_not_enabled")
        for (name, change) in [("unknown", { (c: inout SessionGateConfig) in c.formats = ["iron", "rails"] }),
                               ("empty", { (c: inout SessionGateConfig) in c.formats = [] })] {
            var bad = config
            change(&bad)
            XCTAssertThrowsError(try SessionGate(config: bad), name) { error in
                XCTAssertEqual((error as? SessionGateError)?.code(), "configuration_error", name)
            }
        }
        // A weak secret for go: refused unless allowed (the core's rule).
        var weak = config
        weak.cookiePasswords = ["short-go-secret"]
        weak.formats = ["go"]
        XCTAssertThrowsError(try SessionGate(config: weak)) { error in
            XCTAssertTrue((error as? SessionGateError)?.message().contains("allow_weak_secrets") == true, "\(error)")
        }
        weak.allowWeakSecrets = true
        XCTAssertEqual(try SessionGate(config: weak).formats(), [.go])
    }

    func testResealMovesOneSessionThroughEveryFormatAndBack() throws {
        let sample = try Sample.load(withAmr: true)
        func gate(first: String) throws -> SessionGate {
            var config = try gateConfig(sample.config, jwks: sample.jwks)
            config.cookiePasswords = [first] + [ironPassword, base64Key, raw32Key].filter { $0 != first }
            config.formats = SealFormat.all.map(\.description)
            return try SessionGate(config: config)
        }
        let home = try gate(first: ironPassword)
        XCTAssertEqual(try home.formats(), SealFormat.all)
        let data = SessionData(accessToken: sample.accessToken, refreshToken: "refresh-of-the-moved-session",
                               userJson: try jsonText(sample.session["user"] as Any),
                               impersonatorJson: #"{"email": "admin@example.com", "reason": "support"}"#,
                               authenticationMethod: "Password", organizationId: "org_moved")
        let original = try home.sealSession(session: data, format: .iron)
        for target in SealFormat.all {
            let first = target == .rubyLegacy ? raw32Key : (target == .fernet || target == .php) ? base64Key : ironPassword
            let g = try gate(first: first)
            let moved = try g.reseal(sessionData: original, format: target, now: sample.now)
            XCTAssertEqual(SealFormat.detect(cookie: moved) ?? target, target, "\(target)")
            guard case .authenticated(let session) = try g.authenticate(sessionData: moved, now: sample.now) else {
                XCTFail("\(target): the resealed cookie does not authenticate"); continue
            }
            XCTAssertEqual(session.format, target)
            XCTAssertEqual(session.sessionId, sample.sessionId, "\(target)")
            XCTAssertEqual(session.amr, sample.session["amr"] as? [String], "\(target)")
            XCTAssertEqual(session.accessToken, sample.accessToken, "\(target)")
            XCTAssertEqual(session.impersonator?.email, "admin@example.com", "\(target)")
            XCTAssertEqual(session.authenticationMethod, "Password", "\(target)")
            XCTAssertTrue(jsonEqual(try parseJSON(try XCTUnwrap(session.userJson)), sample.session["user"]), "\(target): user changed")
            XCTAssertEqual(try sealedRefreshToken(g, moved), "refresh-of-the-moved-session", "\(target)")
            // And back: lossless for what every SDK seals.
            let back = try g.reseal(sessionData: moved, format: .iron, now: sample.now)
            guard case .authenticated(let again) = try home.authenticate(sessionData: back, now: sample.now) else {
                XCTFail("\(target) and back: not authenticated"); continue
            }
            XCTAssertEqual(again.format, .iron)
            XCTAssertTrue(jsonEqual(try parseJSON(try XCTUnwrap(again.userJson)), sample.session["user"]), "\(target) and back")
        }
        XCTAssertThrowsError(try home.reseal(sessionData: "not-a-sealed-session", format: .iron)) { error in
            guard case .Unseal(_, let detail)? = error as? SessionGateError else { return XCTFail("\(error)") }
            XCTAssertEqual(detail, "malformed_seal")
        }
    }
}
