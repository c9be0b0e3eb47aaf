'use strict'
// The examples' access rule, as a sessiongate step-up policy: "mfa" must be in the session's
// amr. A denial is answered with the RFC 9470 challenge: 403 + its JSON body for cookie
// sessions, 401 + `WWW-Authenticate` for bearer tokens (gate.require's error carries both).
const { StepUpPolicy, StepUpRequiredError } = require('sessiongate')

/** Requires "mfa" in amr. Add `maxAge: 300` to also require a recent sign-in. */
const adminPolicy = new StepUpPolicy({ amrAnyOf: ['mfa'] })

/** Reads a cookie from a `Cookie` header value. */
function readCookie(header, name) {
  for (const part of (header || '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Reads the token of an `Authorization: Bearer …` header value. */
function readBearer(header) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header || '')
  return match ? match[1] : undefined
}

/**
 * Maps an authenticate (or verifyAccessToken) result to an HTTP answer: `{ status: 200 }`, or
 * the status, headers and JSON body to send. `grant`: a step-up grant (a cookie session's),
 * which satisfies the policy for this very session.
 */
function decide(gate, auth, policy = adminPolicy, grant = undefined) {
  if (auth.authenticated === false) return { status: 401, headers: {}, body: { error: 'unauthenticated', reason: auth.reason } }
  if (auth.valid === false) {
    return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: { error: 'invalid_token', detail: auth.detail } }
  }
  try {
    gate.require(auth, policy, grant ? { grant } : undefined)
  } catch (e) {
    if (!(e instanceof StepUpRequiredError)) throw e
    // 403 + body for a cookie session; 401 + WWW-Authenticate for a bearer token.
    return { status: e.status, headers: e.status === 401 ? { 'www-authenticate': e.wwwAuthenticate } : {}, body: e.toJSON() }
  }
  return { status: 200 }
}

module.exports = { adminPolicy, readCookie, readBearer, decide }
