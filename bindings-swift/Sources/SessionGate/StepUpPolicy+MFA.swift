// Hand-written (not generated): the usual step-up policy, as the other bindings' default.

extension StepUpPolicy {
    /// `mfa` in `amr` (the default policy of the Python and Node bindings), optionally within
    /// `maxAgeSeconds` of `auth_time` and with one of `acrValues`.
    public static func mfa(maxAgeSeconds: UInt64? = nil, acrValues: [String] = []) -> StepUpPolicy {
        StepUpPolicy(amrAnyOf: ["mfa"], maxAgeSeconds: maxAgeSeconds, acrValues: acrValues)
    }
}
