'use strict'
// What the server helpers share (sessiongate/express, sessiongate/fastify): read the session
// cookie, authenticate it (or renew it), judge a step-up policy, and say what to answer. The
// answers are Python's (sessiongate._web): 401 with the refusal (reason, detail), the core's
// step-up denial (403 and the RFC 9470 body for a cookie session), 503 with Retry-After for an
// outage (the cookie kept: never a log-out).

const { SessionGateError, StepUpRequiredError } = require('./errors.js').classes

/** The session cookie unless told (authkit's name; WorkOS's Python examples use `wos_session`). */
const DEFAULT_COOKIE_NAME = 'wos-session'
/** Where the app keeps a step-up grant unless told. */
const DEFAULT_GRANT_COOKIE_NAME = 'sg-step-up'

/** @typedef {import('../web').WebOptions} WebOptions */
/** @typedef {import('../web').Verdict} Verdict */

/**
 * The request's cookies from its `Cookie` header (the first of a repeated name wins).
 * @param {string | string[] | undefined} header
 * @returns {Record<string, string>}
 */
function parseCookies(header) {
  /** @type {Record<string, string>} */
  const cookies = {}
  for (const pair of (Array.isArray(header) ? header.join(';') : header ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at < 0) continue
    const name = pair.slice(0, at).trim()
    if (name && !(name in cookies)) cookies[name] = pair.slice(at + 1).trim()
  }
  return cookies
}

/**
 * @param {import('../index').SessionGate} gate
 * @param {Record<string, string | undefined>} cookies
 * @param {WebOptions} options
 * @param {import('../index').StepUpPolicy | undefined} policy
 * @returns {Promise<Verdict>}
 */
async function judge(gate, cookies, options, policy) {
  const cookie = cookies[options.cookieName ?? DEFAULT_COOKIE_NAME]
  /** @type {import('../index').AuthenticateResult} */
  let auth
  let newCookie
  let clearCookie = false
  try {
    if (options.refresh) {
      const renewal = await gate.authenticateOrRefresh(cookie)
      ;({ auth, sealedSession: newCookie, clearCookie } = renewal)
    } else {
      auth = await gate.authenticate(cookie)
    }
  } catch (error) {
    if (!(error instanceof SessionGateError) || !error.retryable) throw error
    const retryAfter = Math.ceil(('retryAfter' in error && typeof error.retryAfter === 'number' && error.retryAfter) || 1)
    const body = { error: 'temporarily_unavailable', code: error.coreCode }
    return { session: undefined, refusal: { status: 503, body, headers: { 'retry-after': String(retryAfter) } }, clearCookie: false }
  }
  if (!auth.authenticated) {
    const body = { authenticated: false, reason: auth.reason, detail: auth.detail }
    return { session: undefined, refusal: { status: 401, body, headers: {} }, newCookie, clearCookie }
  }
  if (policy) {
    try {
      gate.require(auth, policy, { grant: cookies[options.grantCookieName ?? DEFAULT_GRANT_COOKIE_NAME] })
    } catch (error) {
      if (!(error instanceof StepUpRequiredError)) throw error
      /** @type {Record<string, string>} */
      const headers = error.status === 401 ? { 'www-authenticate': error.wwwAuthenticate } : {}
      return { session: auth, refusal: { status: error.status, body: error.toJSON(), headers }, newCookie, clearCookie }
    }
  }
  return { session: auth, refusal: undefined, newCookie, clearCookie }
}

/**
 * The `Set-Cookie` value of the verdict's cookie change, if any.
 * @param {Verdict} verdict
 * @param {WebOptions} options
 * @param {boolean} https
 * @returns {string | undefined}
 */
function setCookieHeader(verdict, options, https) {
  const name = options.cookieName ?? DEFAULT_COOKIE_NAME
  const secure = (options.cookieSecure ?? https) ? '; Secure' : ''
  if (verdict.newCookie !== undefined) return `${name}=${verdict.newCookie}; Path=/; HttpOnly; SameSite=Lax${secure}`
  if (verdict.clearCookie) return `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`
  return undefined
}

module.exports = { DEFAULT_COOKIE_NAME, DEFAULT_GRANT_COOKIE_NAME, judge, parseCookies, setCookieHeader }
