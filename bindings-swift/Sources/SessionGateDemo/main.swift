// `swift run SessionGateDemo <fixture.json>`: authenticates the demo sessions written by
// `cargo xtask demo` and prints one row per session.
import Foundation
import SessionGate

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("SessionGateDemo: \(message)\n".utf8))
    exit(1)
}

guard CommandLine.arguments.count == 2 else { fail("usage: SessionGateDemo <fixture.json>") }
let path = CommandLine.arguments[1]
guard let data = FileManager.default.contents(atPath: path),
      let fixture = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let clientId = fixture["client_id"] as? String,
      let passwords = fixture["cookie_passwords"] as? [String],
      let jwks = fixture["jwks"],
      let now = (fixture["now"] as? NSNumber)?.doubleValue ?? (fixture["now"] as? Int).map(Double.init),
      let sessions = fixture["sessions"] as? [[String: Any]]
else { fail("cannot read the fixture \(path)") }

do {
    let jwksJSON = String(decoding: try JSONSerialization.data(withJSONObject: jwks), as: UTF8.self)
    let gate = try SessionGate(config: SessionGateConfig(clientId: clientId, cookiePasswords: passwords, jwks: jwksJSON))
    func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: max(width, s.count), withPad: " ", startingAt: 0) }
    print([pad("binding", 8), pad("format", 7), pad("session", 22), pad("user", 17), pad("amr", 16), "mfa?"].joined(separator: " "))
    var refused = 0
    for session in sessions {
        guard let cookie = session["cookie"] as? String else { fail("a session without a cookie") }
        switch try gate.authenticate(sessionData: cookie, now: now) {
        case .authenticated(let s):
            let mfa = try gate.check(subject: s.handle, policy: .mfa(), now: now) == .allowed
            let amrText = s.amr.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ", ") + "]" } ?? "none"
            print([pad("swift", 8), pad(s.format.description, 7), pad(s.sessionId, 22), pad(s.user?.email ?? "-", 17),
                   pad(amrText, 16), mfa ? "yes" : "no"].joined(separator: " "))
        case .failed(let reason, let detail):
            refused += 1
            print("\(pad("swift", 8)) \(session["label"] ?? "?"): refused: \(reason) (\(detail))")
        }
    }
    if refused > 0 { fail("\(refused) demo session(s) refused") }
} catch {
    fail("\(error)")
}
