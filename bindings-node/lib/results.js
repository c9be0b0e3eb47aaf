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
  return /** @type {AuthenticateSuccess} */ (/** @type {unknown} */ (lazyClaims(object, claims)))
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

module.exports = { session, failure, token, tokenFailure, jwksStatus }
