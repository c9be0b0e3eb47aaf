'use strict'
// The half of sessiongate/next that Next.js does not bundle: the addon, the gate built from
// the WorkOS environment variables on first use (so `next build` needs no secrets), and
// the judgements. lib/next.js, bundled into the app, reads the request and hands over strings;
// plain data comes back, so no class crosses between the bundle and node_modules.

const { SessionGate, StepUpPolicy } = require('./index.js')
const { DEFAULT_COOKIE_NAME, DEFAULT_GRANT_COOKIE_NAME, judge, workosEnvironment } = require('./web.js')

/** @typedef {import('../next').UserInfo} UserInfo */
/** @typedef {import('../next').NoUserInfo} NoUserInfo */

/** @type {import('../index').SessionGate | undefined} */
let shared

/**
 * The app's gate, from the WorkOS variables as the core reads them: `WORKOS_CLIENT_ID`,
 * `WORKOS_COOKIE_PASSWORD` (both required), `WORKOS_API_KEY` (for refresh and step-up
 * completion), and `WORKOS_BASE_URL` or authkit-nextjs's `WORKOS_API_HOSTNAME` /
 * `WORKOS_API_HTTPS` / `WORKOS_API_PORT` (the API and its JWKS).
 */
function gate() {
  if (shared) return shared
  const { clientId, cookiePassword, apiKey, apiBaseUrl } = workosEnvironment(['WORKOS_CLIENT_ID', 'WORKOS_COOKIE_PASSWORD'])
  shared = new SessionGate({ clientId: String(clientId), cookiePassword: String(cookiePassword), apiKey, apiBaseUrl })
  return shared
}

/** The session cookie's name: `WORKOS_COOKIE_NAME` (authkit-nextjs's), else `wos-session`. */
function cookieName() {
  return workosEnvironment([]).cookieName ?? DEFAULT_COOKIE_NAME
}

/**
 * authkit-nextjs's `withAuth()` fields for a cookie, plus `amr`, `acr` and `authTime`;
 * `{ user: null }` when there is no valid session. An outage (keys) is the retryable error.
 * @param {string | undefined} cookie
 * @returns {Promise<UserInfo | NoUserInfo>}
 */
async function userInfo(cookie) {
  if (!cookie) return { user: null }
  const auth = await gate().authenticate(cookie)
  if (!auth.authenticated || auth.user === undefined) return { user: null }
  return {
    user: auth.user,
    sessionId: auth.sessionId,
    organizationId: auth.organizationId,
    role: auth.role,
    roles: auth.roles,
    permissions: auth.permissions,
    entitlements: auth.entitlements,
    featureFlags: auth.featureFlags,
    impersonator: auth.impersonator,
    accessToken: auth.accessToken,
    amr: auth.amr,
    acr: auth.acr,
    authTime: auth.authTime,
  }
}

/**
 * What a route answers instead of running when the request lacks the session or the step-up
 * (the server helpers' answers: 401, 403 with the RFC 9470 body, 503 in an outage), or null.
 * @param {string | undefined} cookie
 * @param {string | undefined} grant the step-up grant cookie's value
 * @param {import('../index').StepUpPolicyOptions} policy
 */
async function stepUpRefusal(cookie, grant, policy) {
  const name = cookieName()
  const verdict = await judge(gate(), { [name]: cookie, [DEFAULT_GRANT_COOKIE_NAME]: grant }, { cookieName: name }, new StepUpPolicy(policy))
  return verdict.refusal ?? null
}

module.exports = { cookieName, grantCookieName: DEFAULT_GRANT_COOKIE_NAME, userInfo, stepUpRefusal }
