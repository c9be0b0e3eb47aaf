// Hand-written (not generated): the usual step-up policy by name, and `checkClaims` as a method
// (the policy is the core's own record, which uniffi cannot give methods).

extension StepUpPolicy {
    /// The core's default policy (no `amr` list given: `mfa` in `amr`), optionally within
    /// `maxAgeSeconds` of `auth_time` and with one of `acrValues`.
    public static func mfa(maxAgeSeconds: Double? = nil, acrValues: [String]? = nil) -> StepUpPolicy {
        StepUpPolicy(maxAgeSeconds: maxAgeSeconds, acrValues: acrValues)
    }

    /// Evaluates the policy, as for a bearer token, on claims (a JSON object) you verified
    /// elsewhere, at `now` (`nil`: the current time). For what sessiongate verified, use
    /// `gate.check(subject:policy:now:)`.
    public func checkClaims(claimsJson: String, now: Double? = nil) throws -> StepUpDecision {
        try policyCheckClaims(policy: self, claimsJson: claimsJson, now: now)
    }
}
