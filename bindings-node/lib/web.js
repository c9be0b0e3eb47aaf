'use strict'
// What the server helpers share (sessiongate/express, sessiongate/fastify): read the session
// cookie, authenticate it (or renew it), judge a step-up policy, and say what to answer. The
// answers, the default cookie names and a renewed cookie's attributes are the core's
// (sessiongate::Refusal, shared with Python's helpers): 401 with the refusal (reason, detail), a
// step-up denial's 403 and RFC 9470 body for a cookie session, 503 with Retry-After for an
// outage (the cookie kept: never a log-out).

const { classes: { SessionGateError, StepUpRequiredError }, REFUSAL } = require('./errors.js')

/**
 * The addon's helpers for this file (src/lib.rs; not in index.d.ts).
 * @typedef {{
 *   signedOutRefusal(reason: string, detail: string): string | null,
 *   sessionCookieHeader(name: string, value: string | null | undefined, secure: boolean): string,
 *   defaultCookieNames(): string[],
 *   workosEnvironment(env: object, needed: string[]): import('../web').WorkosEnvironment,
 * }} WebNative
 */
const native = /** @type {WebNative} */ (/** @type {unknown} */ (require('../index.js')))

/** The session cookie unless told (authkit's name; WorkOS's Python examples use `wos_session`). */
const [DEFAULT_COOKIE_NAME, DEFAULT_GRANT_COOKIE_NAME] = /** @type {[string, string]} */ (native.defaultCookieNames())

// The one Node global read here, typed in place (the package has no @types/node).
const { env } = /** @type {{ process: { env: Record<string, string | undefined> } }} */ (/** @type {unknown} */ (globalThis)).process

/**
 * The WorkOS variables of `process.env` as the core reads them (the rule is
 * sessiongate::WorkosEnvironment's, shared with Python); throws the core's ConfigurationError
 * naming any of `needed` that is unset.
 * @param {string[]} needed
 */
function workosEnvironment(needed) {
  return native.workosEnvironment(env, needed)
}

/**
 * The core's answer kept on a sessiongate error, if it has one.
 * @param {unknown} error
 * @returns {import('../web').Refusal | undefined}
 */
function refusalOf(error) {
  return error instanceof SessionGateError ? /** @type {{ [REFUSAL]?: import('../web').Refusal }} */ (error)[REFUSAL] : undefined
}

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
    // An outage is the core's 503; any other error (a configuration error) is the app's bug.
    const refusal = refusalOf(error)
    if (!refusal) throw error
    return { session: undefined, refusal, clearCookie: false }
  }
  if (!auth.authenticated) {
    const refusal = JSON.parse(native.signedOutRefusal(auth.reason, auth.detail) ?? 'null')
    if (!refusal) throw new TypeError(`sessiongate: not a refusal: ${auth.reason}/${auth.detail}`)
    return { session: undefined, refusal, newCookie, clearCookie }
  }
  if (policy) {
    try {
      gate.require(auth, policy, { grant: cookies[options.grantCookieName ?? DEFAULT_GRANT_COOKIE_NAME] })
    } catch (error) {
      const refusal = error instanceof StepUpRequiredError ? refusalOf(error) : undefined
      if (!refusal) throw error
      return { session: auth, refusal, newCookie, clearCookie }
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
  if (verdict.newCookie === undefined && !verdict.clearCookie) return undefined
  return native.sessionCookieHeader(options.cookieName ?? DEFAULT_COOKIE_NAME, verdict.newCookie, options.cookieSecure ?? https)
}

module.exports = { DEFAULT_COOKIE_NAME, DEFAULT_GRANT_COOKIE_NAME, judge, parseCookies, setCookieHeader, workosEnvironment }
