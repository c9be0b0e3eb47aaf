'use strict'
// The result builders. The native side serializes each result to one JSON string, the core's
// view of it (snake_case names, in the core's order), and these build the object from it: one
// boundary crossing and one `JSON.parse` per result, not a napi call per property. Results are
// plain objects, always truthy: test `.authenticated` or `.valid`.

/** @typedef {import('../index').AuthenticateSuccess} AuthenticateSuccess */
/** @typedef {import('../index').AuthenticateFailure} AuthenticateFailure */
/** @typedef {import('../index').VerifiedToken} VerifiedToken */
/** @typedef {import('../index').TokenFailure} TokenFailure */
/** @typedef {import('../index').FailureReason} FailureReason */

/** @type {Map<string, string>} */
const names = new Map()

// Node's `util.inspect.custom`, without a dependency on node:util's types.
const INSPECT = Symbol.for('nodejs.util.inspect.custom')
const REDACTED = '[redacted]'
/** The members neither `inspect` nor a refresh result's `toJSON` shows: the token and the cookie. */
const SECRET_MEMBERS = new Set(['accessToken', 'sealedSession'])
/**
 * The members `inspect` never shows: the secrets, a step-up's pending value and grant, and the
 * session fields with personal data the core names (`NOT_DISPLAYED`, the list Python's `repr`
 * leaves out), given by `configure`.
 * They stay readable, and in JSON: only never printed.
 */
const NOT_DISPLAYED = new Set([...SECRET_MEMBERS, 'pending', 'grant'])

/**
 * Takes the core's list of fields no display shows (snake_case), once, from the addon.
 * @param {string[]} fields
 */
function configure(fields) {
  for (const field of fields) NOT_DISPLAYED.add(camel(field))
}

/**
 * A copy of a result for display (`hidden`: the members replaced), also of the session or
 * result it holds.
 * @param {Record<string, unknown>} object
 * @param {Set<string>} hidden
 * @returns {Record<string, unknown>}
 */
function redacted(object, hidden) {
  /** @type {Record<string, unknown>} */
  const copy = {}
  for (const key of Object.keys(object)) {
    if (hidden.has(key)) {
      // Not read: a lazy member (claims) is not parsed only to be hidden.
      const own = Object.getOwnPropertyDescriptor(object, key)
      copy[key] = own && 'value' in own && own.value === undefined ? undefined : REDACTED
      continue
    }
    const value = object[key]
    if ((key === 'session' || key === 'auth') && value !== null && typeof value === 'object') copy[key] = redacted(/** @type {Record<string, unknown>} */ (value), hidden)
    else copy[key] = value
  }
  return copy
}

/**
 * `util.inspect` (console.log) shows the result without its token, cookie or personal data
 * (`NOT_DISPLAYED`); `JSON.stringify`, where asked, without its token or cookie. Hidden
 * methods, so the result's keys are unchanged.
 * @template {object} T
 * @param {T} object
 * @param {boolean} [json] also for `JSON.stringify` (results that carry a cookie)
 * @returns {T}
 */
function hideSecrets(object, json = false) {
  /**
   * @this {Record<string, unknown>}
   * @param {number} _depth
   * @param {object} options
   * @param {(value: unknown, options: object) => string} inspect
   */
  function show(_depth, options, inspect) {
    return inspect(redacted(this, NOT_DISPLAYED), options)
  }
  Object.defineProperty(object, INSPECT, { value: show, configurable: true, writable: true })
  if (json) {
    Object.defineProperty(object, 'toJSON', {
      /** @this {Record<string, unknown>} */
      value() {
        return redacted(this, SECRET_MEMBERS)
      },
      configurable: true,
      writable: true,
    })
  }
  return object
}

/**
 * The binding's one naming rule: a core field name (`auth_time`) in camelCase (`authTime`).
 * @param {string} name
 */
function camel(name) {
  let camelCase = names.get(name)
  if (camelCase === undefined) {
    camelCase = name.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase())
    names.set(name, camelCase)
  }
  return camelCase
}

/**
 * Adds a view's members to `object` under their camelCase names, in the view's order; JSON
 * `null` (absent) becomes `undefined`, as in @workos-inc/node.
 * @param {string} json
 * @param {Record<string, unknown>} object
 */
function fromView(json, object) {
  const view = JSON.parse(json)
  for (const key of Object.keys(view)) object[camel(key)] = view[key] ?? undefined
  return object
}

/**
 * `claims` (every verified claim, a repeat of fields above) is parsed on first read only: an
 * own enumerable accessor that replaces itself with a plain data property.
 * @param {Record<string, unknown>} object
 * @param {string} json
 */
function lazyClaims(object, json) {
  /** @param {unknown} value */
  const settle = (value) => Object.defineProperty(object, 'claims', { value, enumerable: true, writable: true, configurable: true })
  return Object.defineProperty(object, 'claims', {
    enumerable: true,
    configurable: true,
    get() {
      const claims = JSON.parse(json)
      settle(claims)
      return claims
    },
    set: settle,
  })
}

/**
 * An authenticated session. The view holds placeholders where the access token (passed as
 * its own string, never escaped or scanned) and the claims (parsed lazily) go.
 * @param {string} json
 * @param {string} accessToken
 * @param {string} claims
 * @returns {AuthenticateSuccess}
 */
function session(json, accessToken, claims) {
  const object = fromView(json, { authenticated: true })
  object.accessToken = accessToken
  return /** @type {AuthenticateSuccess} */ (/** @type {unknown} */ (hideSecrets(lazyClaims(object, claims))))
}

/**
 * @param {string} reason the core's `FailureReason`
 * @param {string} detail
 * @returns {AuthenticateFailure}
 */
const failure = (reason, detail) => ({ authenticated: false, reason: /** @type {FailureReason} */ (reason), detail })

/**
 * @param {string} json
 * @returns {VerifiedToken}
 */
const token = (json) => /** @type {VerifiedToken} */ (/** @type {unknown} */ (fromView(json, { valid: true })))

/**
 * @param {string} reason `invalid_jwt`, the core's for every refused token
 * @param {string} detail
 * @returns {TokenFailure}
 */
const tokenFailure = (reason, detail) => ({ valid: false, reason: /** @type {'invalid_jwt'} */ (reason), detail })

/**
 * @param {string} json
 * @returns {import('../index').JwksStatus}
 */
const jwksStatus = (json) => /** @type {import('../index').JwksStatus} */ (/** @type {unknown} */ (fromView(json, {})))

/**
 * @param {string} json
 * @returns {import('../index').RefreshCoordinatorStatus}
 */
const coordinatorStatus = (json) =>
  /** @type {import('../index').RefreshCoordinatorStatus} */ (/** @type {unknown} */ (fromView(json, {})))

/**
 * A refreshed session: the new cookie and the session (as @workos-inc/node 12's `refresh()`).
 * @param {string} sealedSession
 * @param {unknown} session an `AuthenticateSuccess` this module built
 * @returns {import('../index').RefreshSuccess}
 */
const refreshed = (sealedSession, session) =>
  hideSecrets({ authenticated: /** @type {const} */ (true), sealedSession, session: /** @type {AuthenticateSuccess} */ (session) }, true)

/**
 * A refused refresh; `sealedSession` only when the API rotated the tokens (set that cookie).
 * @param {string} reason the core's `FailureReason`
 * @param {string} detail
 * @param {string | null} [sealedSession]
 * @returns {import('../index').RefreshFailure}
 */
function refreshFailure(reason, detail, sealedSession) {
  /** @type {import('../index').RefreshFailure} */
  const result = { authenticated: false, reason: /** @type {import('../index').RefreshFailureReason} */ (reason), detail }
  if (sealedSession != null) result.sealedSession = sealedSession
  return hideSecrets(result, true)
}

/**
 * What `authenticateOrRefresh` decided.
 * @param {unknown} auth an `AuthenticateResult` this module built
 * @param {string | null | undefined} sealedSession
 * @param {boolean} clearCookie
 * @returns {import('../index').SessionRenewal}
 */
const renewal = (auth, sealedSession, clearCookie) =>
  hideSecrets({ auth: /** @type {import('../index').AuthenticateResult} */ (auth), sealedSession: sealedSession ?? undefined, clearCookie }, true)

/**
 * A started step-up (`util.inspect` hides `pending`).
 * @param {string} json
 * @returns {import('../index').StepUpChallenge}
 */
const stepUpChallenge = (json) => /** @type {import('../index').StepUpChallenge} */ (/** @type {unknown} */ (hideSecrets(fromView(json, {}))))

/**
 * A completed step-up (`util.inspect` hides `grant`).
 * @param {string} json
 * @returns {import('../index').StepUpGrant}
 */
const stepUpGrant = (json) => /** @type {import('../index').StepUpGrant} */ (/** @type {unknown} */ (hideSecrets(fromView(json, {}))))

/**
 * `onAudit` as the addon calls it: what it throws becomes a process warning, never an
 * uncaught exception (the decision was already made).
 * @param {(event: import('../index').AuditEvent) => void} onAudit
 * @returns {(event: import('../index').AuditEvent) => void}
 */
const guardAudit = (onAudit) => (event) => {
  try {
    onAudit(event)
  } catch (error) {
    // Node's `process`, typed here: the package has no dependency on @types/node.
    const { process } = /** @type {{ process: { emitWarning(message: string, type: string): void } }} */ (/** @type {unknown} */ (globalThis))
    process.emitWarning(`sessiongate: onAudit threw: ${error instanceof Error ? error.message : String(error)}`, 'SessionGateAuditWarning')
  }
}

module.exports = { configure, builders: { stepUpChallenge, stepUpGrant, guardAudit, session, failure, token, tokenFailure, jwksStatus, coordinatorStatus, refreshed, refreshFailure, renewal } }
