'use strict'
// The error classes: one per core error code, mapped in the one table below. Every error
// carries Node's `code` (`ERR_SESSIONGATE_*`), the core's `coreCode` (the same string in every
// language) and `retryable` (the core's, handed over by `configure` when the package loads).
// A bad cookie or token is never an error: it resolves a refusal.

/** @typedef {import('../index').SessionGateErrorCode} Code */
/** @typedef {import('../index').CoreErrorCode} CoreCode */

/** @type {Map<Function, { code: Code, coreCode: CoreCode }>} */
const CODES = new Map()
/** @type {Set<string>} */
const RETRYABLE = new Set()

/**
 * Base class of every sessiongate error.
 * @template {Code} [C=Code]
 * @template {CoreCode} [K=CoreCode]
 */
class SessionGateError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message)
    const codes = CODES.get(new.target) ?? { code: 'ERR_SESSIONGATE_INTERNAL', coreCode: 'internal_error' }
    this.code = /** @type {C} */ (codes.code)
    this.coreCode = /** @type {K} */ (codes.coreCode)
    this.retryable = RETRYABLE.has(codes.coreCode)
  }
}

/** @extends {SessionGateError<'ERR_SESSIONGATE_CONFIG', 'configuration_error'>} */
class ConfigurationError extends SessionGateError {}

/** @extends {SessionGateError<'ERR_SESSIONGATE_JWKS_UNAVAILABLE', 'jwks_unavailable'>} */
class JwksUnavailableError extends SessionGateError {}

/** @extends {SessionGateError<'ERR_SESSIONGATE_JWKS_NOT_CACHED', 'jwks_not_cached'>} */
class JwksNotCachedError extends SessionGateError {}

/** @extends {SessionGateError<'ERR_SESSIONGATE_SEAL', 'seal_error'>} */
class SealError extends SessionGateError {}

/** @extends {SessionGateError<'ERR_SESSIONGATE_UNSEAL', 'unseal_error'>} */
class UnsealError extends SessionGateError {
  /**
   * @param {string} message
   * @param {string} [detail] why (`mac_mismatch`, `seal_expired`…)
   */
  constructor(message, detail) {
    super(message)
    this.detail = detail
  }
}

/** @extends {SessionGateError<'ERR_SESSIONGATE_KEY_DERIVATION_BUSY', 'key_derivation_busy'>} */
class KeyDerivationBusyError extends SessionGateError {}

/** @extends {SessionGateError<'ERR_SESSIONGATE_API_UNAVAILABLE', 'api_unavailable'>} */
class ApiUnavailableError extends SessionGateError {
  /**
   * @param {string} message
   * @param {number} [retryAfter] the API's `Retry-After`, in seconds, when it sent one
   */
  constructor(message, retryAfter) {
    super(message)
    this.retryAfter = retryAfter
  }
}

/** @extends {SessionGateError<'ERR_SESSIONGATE_STEP_UP_REQUIRED', 'step_up_required'>} */
class StepUpRequiredError extends SessionGateError {
  /**
   * @param {string} message the core's
   * @param {import('../index').StepUpReason} reason
   * @param {401 | 403} status 403 for a cookie session, 401 for a bearer token (the core's)
   * @param {import('../index').ChallengeInfo} challenge
   */
  constructor(message, reason, status, challenge) {
    super(message)
    this.reason = reason
    this.status = status
    this.wwwAuthenticate = challenge.wwwAuthenticate
    this.challenge = challenge
  }

  /** The RFC 9470 JSON body. */
  toJSON() {
    return { ...this.challenge.body }
  }
}

/** @extends {SessionGateError<'ERR_SESSIONGATE_STEP_UP_FAILED', 'step_up_failed'>} */
class StepUpFailedError extends SessionGateError {
  /**
   * @param {string} message
   * @param {import('../index').StepUpFailureDetail} [detail] why (`code_invalid`, `challenge_expired`…)
   */
  constructor(message, detail) {
    super(message)
    this.detail = detail
  }
}

/** @extends {SessionGateError<'ERR_SESSIONGATE_INTERNAL', 'internal_error'>} */
class InternalError extends SessionGateError {}

/** @typedef {new (message: string, ...rest: any[]) => SessionGateError} ErrorClass */

/**
 * One row of the table, typed so that a class's declared codes and its row cannot disagree.
 * @template {Code} C
 * @template {CoreCode} K
 * @template {ErrorClass & { prototype: SessionGateError<C, K> }} T
 * @param {K} coreCode
 * @param {T} cls
 * @param {C} code
 * @returns {[string, ErrorClass]}
 */
const row = (coreCode, cls, code) => {
  CODES.set(cls, { code, coreCode })
  // As for built-in errors: `name` on the prototype, not enumerable.
  Object.defineProperty(cls.prototype, 'name', { value: cls.name, writable: true, configurable: true })
  return [coreCode, cls]
}

/** The one table: each core code's class and Node `code`. */
const BY_CORE_CODE = new Map([
  row('configuration_error', ConfigurationError, 'ERR_SESSIONGATE_CONFIG'),
  row('jwks_unavailable', JwksUnavailableError, 'ERR_SESSIONGATE_JWKS_UNAVAILABLE'),
  row('jwks_not_cached', JwksNotCachedError, 'ERR_SESSIONGATE_JWKS_NOT_CACHED'),
  row('seal_error', SealError, 'ERR_SESSIONGATE_SEAL'),
  row('unseal_error', UnsealError, 'ERR_SESSIONGATE_UNSEAL'),
  row('key_derivation_busy', KeyDerivationBusyError, 'ERR_SESSIONGATE_KEY_DERIVATION_BUSY'),
  row('step_up_required', StepUpRequiredError, 'ERR_SESSIONGATE_STEP_UP_REQUIRED'),
  row('internal_error', InternalError, 'ERR_SESSIONGATE_INTERNAL'),
  row('api_unavailable', ApiUnavailableError, 'ERR_SESSIONGATE_API_UNAVAILABLE'),
  row('step_up_failed', StepUpFailedError, 'ERR_SESSIONGATE_STEP_UP_FAILED'),
])
Object.defineProperty(SessionGateError.prototype, 'name', { value: 'SessionGateError', writable: true, configurable: true })

/**
 * Takes the core's codes and retryability (`errorCodes()`); a core code without a class here
 * fails the load, so the table cannot silently fall behind the core.
 * @param {import('../index').ErrorCodeInfo[]} codes
 */
function configure(codes) {
  for (const { code, retryable } of codes) {
    if (!BY_CORE_CODE.has(code)) throw new Error(`sessiongate: the core's error code ${code} has no class in lib/errors.js`)
    if (retryable) RETRYABLE.add(code)
  }
}

/**
 * Where an error keeps the core's web answer for it (an outage's 503, a step-up denial's 401 or
 * 403), as `{ status, body, headers }`: read by the server helpers (lib/web.js), not public.
 */
const REFUSAL = Symbol('sessiongate.refusal')

/**
 * `error`, keeping the core's web answer (JSON) under REFUSAL, not enumerable.
 * @template {Error} E
 * @param {E} error
 * @param {string | null | undefined} refusal
 * @returns {E}
 */
function withRefusal(error, refusal) {
  if (refusal) Object.defineProperty(error, REFUSAL, { value: JSON.parse(refusal) })
  return error
}

/** What the native side calls to make the errors it throws. */
const builders = {
  /**
   * The error of a core error code, with the core's message (and an unseal error's detail,
   * an API outage's `Retry-After` in seconds).
   * @param {string} coreCode
   * @param {string} message
   * @param {string | null} [detail]
   * @param {number | null} [retryAfter]
   * @param {string | null} [refusal] the core's 503 for an outage
   */
  error(coreCode, message, detail, retryAfter, refusal) {
    const cls = BY_CORE_CODE.get(coreCode) ?? InternalError
    if (cls === UnsealError) return new UnsealError(message, detail ?? undefined)
    if (cls === StepUpFailedError) return new StepUpFailedError(message, /** @type {import('../index').StepUpFailureDetail} */ (detail ?? undefined))
    if (cls === ApiUnavailableError) return withRefusal(new ApiUnavailableError(message, retryAfter ?? undefined), refusal)
    return withRefusal(new cls(message), refusal)
  },
  /**
   * The core's denial: its message, reason, status and challenge.
   * @param {string} message
   * @param {string} reason
   * @param {number} status
   * @param {import('../index').ChallengeInfo} challenge
   * @param {string} refusal the core's 401 or 403
   */
  stepUp: (message, reason, status, challenge, refusal) =>
    withRefusal(new StepUpRequiredError(message, /** @type {import('../index').StepUpReason} */ (reason), /** @type {401 | 403} */ (status), challenge), refusal),
  /**
   * A `TypeError` with Node's code for a bad argument.
   * @param {string} message
   */
  invalidArgument(message) {
    const e = new TypeError(message)
    Object.defineProperty(e, 'code', { value: 'ERR_INVALID_ARG_VALUE', enumerable: true, writable: true, configurable: true })
    return e
  },
}

const classes = {
  SessionGateError,
  ConfigurationError,
  JwksUnavailableError,
  JwksNotCachedError,
  SealError,
  UnsealError,
  KeyDerivationBusyError,
  StepUpRequiredError,
  InternalError,
  ApiUnavailableError,
  StepUpFailedError,
  // The name of the Python binding and of issue 15: the same class.
  RefreshUnavailableError: ApiUnavailableError,
}

module.exports = { classes, configure, builders, REFUSAL }
