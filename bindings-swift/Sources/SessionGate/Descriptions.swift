// Hand-written (not generated): the core's enums shown by the core's names. They are the
// core's own types (`#[uniffi::remote]`), so their strings come from Rust, not from here.

extension SealFormat: CustomStringConvertible {
    /// The core's name: `"iron"`, `"fernet"`, `"ruby"`, `"ruby-legacy"`, `"go"`, `"php"`,
    /// `"php-halite"`, `"dotnet"` or `"react-router"` (what `SessionGateConfig.formats` lists).
    public var description: String { sealFormatName(format: self) }
}

extension SealFormat {
    /// Every format, in the core's order.
    public static var all: [SealFormat] { allSealFormats() }

    /// The format of a core name (`"iron"`, `"ruby-legacy"`…; case-sensitive), `nil` for another string.
    public init?(name: String) {
        guard let format = sealFormatFromName(name: name) else { return nil }
        self = format
    }

    /// The format a cookie's shape names, without any key; `nil` for the binary layouts only
    /// trial decryption tells apart (`ruby`, `ruby-legacy`, `go`, `php`) and for what is no format.
    public static func detect(cookie: String) -> SealFormat? { detectSealFormat(cookie: cookie) }
}

extension FailureReason {
    /// Every reason, in the core's order.
    public static var all: [FailureReason] { allFailureReasons() }

    /// Whether the API refused a refresh (the session is over: clear the cookie), rather than
    /// the cookie or token failing to open or verify.
    public var isRefreshRefusal: Bool { failureReasonIsRefreshRefusal(reason: self) }
}

extension FailureReason: CustomStringConvertible {
    /// The peers' string: `no_session_cookie_provided`, `invalid_session_cookie`, `invalid_jwt`,
    /// and for a refresh @workos-inc/node 12's (`invalid_grant`, `mfa_enrollment`…).
    public var description: String { failureReasonName(reason: self) }
}

extension DenialReason: CustomStringConvertible {
    /// `mfa_required`, `authentication_too_old`, `acr_insufficient`, `claims_missing` or
    /// `authentication_in_future`.
    public var description: String { denialReasonCode(reason: self) }
}

extension Challenge {
    /// The `WWW-Authenticate` header value (send with status 401).
    public func wwwAuthenticate() -> String { challengeWwwAuthenticate(challenge: self) }

    /// The JSON body (send with status 403): `{"error": "insufficient_user_authentication", …}`.
    public func bodyJson() -> String { challengeBodyJson(challenge: self) }
}

extension SessionGateConfig: CustomDebugStringConvertible {
    /// The core's description: no passwords, no JWKS document, no URL credentials.
    public var debugDescription: String { describeConfig(config: self) }
}
