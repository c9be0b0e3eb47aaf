'use strict'
// Step-up completion (issue 17) through the WorkOS API double: a password-only session is
// denied, steps up with a TOTP code, and is then allowed with its grant (maxAge from
// verifiedAt); misused grants are ignored and misused pending values rejected with their
// detail; outages reject with the retryable ApiUnavailableError; every step reaches onAudit with
// no secret in any event; an onAudit that throws changes no decision.
const assert = require('node:assert/strict')
const util = require('node:util')
const { describe, it, before, after } = require('node:test')
const sg = require('sessiongate')
const { startDouble } = require('./_double')

const { SessionGate, StepUpPolicy, StepUpFailedError, ApiUnavailableError, StepUpRequiredError, ConfigurationError } = sg

const SECRET = 'c3RlcC11cC1zdWl0ZS1jb29raWUtc2VjcmV0LTMyYiE='
const T0 = 1_800_000_000
const CODE = '123456' // the double's
const ADA = 'user_01ADA'

let double
before(async () => {
  double = await startDouble()
  await double.clock(T0)
})
after(() => double?.stop())

const gateOn = (overrides = {}) =>
  new SessionGate({ clientId: double.clientId, cookiePassword: SECRET, apiKey: double.apiKey, apiBaseUrl: double.url, refreshTimeoutSeconds: 3, ...overrides })

async function session(gate, userId = ADA, amr = []) {
  const issued = await double.post('/_double/sessions', { user: { object: 'user', id: userId, email: 'ada@example.com' }, organization_id: 'org_01HOME', amr, auth_time: T0 })
  const auth = await gate.authenticate(gate.sealSession({ accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user }), { now: T0 })
  assert.equal(auth.authenticated, true)
  return auth
}

const addFactor = async (userId, type) => (await double.post('/_double/factors', { user_id: userId, type })).id
const faults = (endpoint, ...list) => double.post('/_double/faults', { endpoint, faults: list })
const settle = () => new Promise((resolve) => setImmediate(resolve))

/** The detail a rejected step-up call gives. */
async function detail(promise) {
  const error = await promise.then(() => null, (e) => e)
  assert.ok(error instanceof StepUpFailedError, `expected StepUpFailedError, got ${error}`)
  assert.equal(error.code, 'ERR_SESSIONGATE_STEP_UP_FAILED')
  assert.equal(error.coreCode, 'step_up_failed')
  return error.detail
}

describe('step-up completion', () => {
  it('denied, then stepped up with a TOTP code, then allowed; maxAge runs from verifiedAt', async () => {
    const gate = gateOn()
    const totp = await addFactor(ADA, 'totp')
    const auth = await session(gate)
    const mfa = new StepUpPolicy()
    const denied = gate.check(auth, mfa, { now: T0 + 5 })
    assert.deepEqual([denied.allowed, denied.reason, denied.satisfiedBy], [false, 'claims_missing', undefined])
    assert.throws(() => gate.require(auth, mfa, { now: T0 + 5 }), StepUpRequiredError)

    const challenge = await gate.startStepUp(auth, { now: T0 + 5 })
    assert.deepEqual([challenge.factorId, challenge.factorType, challenge.expiresAt], [totp, 'totp', T0 + 600])
    assert.ok(challenge.pending.startsWith('sgp1.'))
    assert.ok(!util.inspect(challenge).includes(challenge.pending), 'inspect hides pending')
    assert.equal(JSON.parse(JSON.stringify(challenge)).pending, challenge.pending, 'JSON keeps it: the app hands it to the form')

    const grant = await gate.completeStepUp(auth, { pending: challenge.pending, code: CODE, now: T0 + 20 })
    assert.deepEqual([grant.amr, grant.verifiedAt, grant.expiresAt], [['mfa', 'otp'], T0 + 20, T0 + 20 + 12 * 3600])
    assert.ok(!util.inspect(grant).includes(grant.grant), 'inspect hides the grant')
    const allowed = gate.check(auth, mfa, { grant: grant.grant, now: T0 + 20 })
    assert.deepEqual([allowed.allowed, allowed.satisfiedBy, allowed.grantIgnored], [true, 'grant', undefined])
    gate.require(auth, mfa, { grant: grant.grant, now: T0 + 20 })

    const recent = new StepUpPolicy({ maxAge: 600 })
    assert.equal(gate.check(auth, recent, { grant: grant.grant, now: T0 + 620 }).allowed, true)
    const old = gate.check(auth, recent, { grant: grant.grant, now: T0 + 621 })
    assert.deepEqual([old.allowed, old.reason], [false, 'authentication_too_old'])

    const strong = await session(gate, ADA, ['pwd', 'mfa'])
    assert.deepEqual([gate.check(strong, mfa, { now: T0 + 5 }).allowed, gate.check(strong, mfa, { now: T0 + 5 }).satisfiedBy], [true, 'token'])
    const token = await gate.verifyAccessToken(strong.accessToken, { now: T0 + 5 })
    assert.throws(() => gate.check(token, mfa, { grant: grant.grant }), /cookie sessions only/)
    assert.throws(() => gate.startStepUp(token), { name: 'TypeError', message: /cookie session/ })
    assert.throws(() => gate.check(auth, mfa, { grunt: 'x' }), ConfigurationError)
  })

  it('misused grants are ignored, misused pending values rejected with their detail', async () => {
    const gate = gateOn()
    await addFactor(ADA, 'totp')
    const bobs = await addFactor('user_01BOB', 'totp')
    const auth = await session(gate)
    const { pending } = await gate.startStepUp(auth, { now: T0 + 1 })
    const wrong = await gate.completeStepUp(auth, { pending, code: '000000', now: T0 + 1 }).catch((e) => e)
    assert.equal(wrong.detail, 'code_invalid')
    assert.ok(!wrong.message.includes('000000'))
    const other = await session(gate)
    assert.equal(await detail(gate.completeStepUp(other, { pending, code: CODE, now: T0 + 1 })), 'pending_other_session')
    assert.equal(await detail(gate.completeStepUp(auth, { pending: pending.slice(0, -3), code: CODE, now: T0 + 1 })), 'pending_invalid')
    assert.equal(await detail(gate.completeStepUp(auth, { pending, code: CODE, now: T0 + 601 })), 'challenge_expired')
    const { grant } = await gate.completeStepUp(auth, { pending, code: CODE, now: T0 + 1 })
    assert.equal(await detail(gate.completeStepUp(auth, { pending, code: CODE, now: T0 + 1 })), 'challenge_already_verified')
    assert.equal(await detail(gate.startStepUp(auth, { factorId: bobs, now: T0 + 1 })), 'factor_other_user')
    await assert.rejects(gate.completeStepUp(auth, { pending }), ConfigurationError, 'a code is required')

    const mfa = new StepUpPolicy()
    const bob = await session(gate, 'user_01BOB')
    for (const [who, value, now, why] of [
      [other, grant, T0 + 1, 'grant_other_session'],
      [bob, grant, T0 + 1, 'grant_other_user'],
      [auth, grant, T0 + 1 + 12 * 3600, 'grant_expired'],
      [auth, grant.slice(0, -2), T0 + 1, 'grant_invalid'],
      [auth, pending, T0 + 1, 'grant_invalid'],
    ]) {
      const decision = gate.check(who, mfa, { grant: value, now })
      assert.deepEqual([decision.allowed, decision.reason, decision.grantIgnored], [false, 'claims_missing', why], why)
    }
  })

  it('outages reject with the retryable ApiUnavailableError, never a failure', async () => {
    const gate = gateOn()
    await addFactor(ADA, 'totp')
    const auth = await session(gate)
    await faults('list_factors', ...Array(3).fill({ kind: 'status', status: 503 }))
    const outage = await gate.startStepUp(auth, { now: T0 + 1 }).catch((e) => e)
    assert.ok(outage instanceof ApiUnavailableError && outage.retryable, `${outage}`)
    const { pending } = await gate.startStepUp(auth, { now: T0 + 1 })
    await faults('verify', { kind: 'rate_limited', retry_after: 30 })
    const limited = await gate.completeStepUp(auth, { pending, code: CODE, now: T0 + 1 }).catch((e) => e)
    assert.ok(limited instanceof ApiUnavailableError && limited.retryAfter === 30, `${limited}`)
    assert.deepEqual((await gate.completeStepUp(auth, { pending, code: CODE, now: T0 + 1 })).amr, ['mfa', 'otp'])
    const keyless = new SessionGate({ clientId: double.clientId, cookiePassword: SECRET, apiBaseUrl: double.url })
    await assert.rejects(keyless.startStepUp(auth), /apiKey/)
  })

  it('every step reaches onAudit, with no secret in any event', async () => {
    const events = []
    const gate = gateOn({ onAudit: (event) => events.push(event) })
    await addFactor(ADA, 'totp')
    const auth = await session(gate)
    const policy = new StepUpPolicy({ maxAge: 600 })
    gate.check(auth, policy, { now: T0 + 1 })
    const challenge = await gate.startStepUp(auth, { now: T0 + 1 })
    await gate.completeStepUp(auth, { pending: challenge.pending, code: '999999', now: T0 + 1 }).catch(() => {})
    const grant = await gate.completeStepUp(auth, { pending: challenge.pending, code: CODE, now: T0 + 1 })
    gate.check(auth, policy, { grant: grant.grant, now: T0 + 1 })
    await settle()
    assert.deepEqual(events.map((e) => [e.event, e.outcome, e.reason]), [
      ['step_up.decision', 'denied', 'claims_missing'],
      ['step_up.started', 'started', undefined],
      ['step_up.completed', 'refused', 'code_invalid'],
      ['step_up.completed', 'granted', undefined],
      ['step_up.decision', 'allowed', undefined],
    ])
    for (const e of events) assert.deepEqual([e.session_id, e.user_id, e.organization_id, e.time], [auth.sessionId, ADA, 'org_01HOME', T0 + 1])
    assert.deepEqual(events[0].policy, { amr_any_of: ['mfa'], amr_all_of: [], max_age: 600, acr_values: [] })
    assert.deepEqual([events[1].factor_id, events[1].factor_type, events[1].challenge_id], [challenge.factorId, 'totp', challenge.challengeId])
    assert.equal(events[4].amr_source, 'grant')
    const shown = JSON.stringify(events)
    for (const secret of [CODE, '999999', SECRET, double.apiKey, auth.accessToken, challenge.pending, grant.grant]) {
      assert.ok(!shown.includes(secret), `an audit event holds a secret`)
    }
  })

  it('an onAudit that throws changes no decision (a warning instead)', async () => {
    const warnings = []
    const onWarning = (w) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      const gate = gateOn({ onAudit: () => { throw new Error('the audit sink is down') } })
      await addFactor(ADA, 'sms')
      const auth = await session(gate)
      const { pending } = await gate.startStepUp(auth, { now: T0 + 1 })
      const grant = await gate.completeStepUp(auth, { pending, code: CODE, now: T0 + 1 })
      assert.equal(gate.check(auth, new StepUpPolicy(), { grant: grant.grant, now: T0 + 1 }).allowed, true)
      for (let i = 0; i < 5 && warnings.length < 3; i++) await settle()
    } finally {
      process.off('warning', onWarning)
    }
    assert.ok(warnings.length >= 3 && warnings.every((w) => w.name === 'SessionGateAuditWarning' && /sink is down/.test(w.message)), `${warnings}`)
    assert.throws(() => gateOn({ onAudit: 'not a function' }), ConfigurationError)
    for (const ttl of [0, 31 * 24 * 3600, Number.NaN]) {
      assert.throws(() => gateOn({ stepUpGrantTtlSeconds: ttl }), /stepUpGrantTtlSeconds|step_up_grant_ttl_seconds/)
    }
    const short = gateOn({ stepUpGrantTtlSeconds: 60 })
    const auth = await session(short)
    const { pending } = await short.startStepUp(auth, { now: T0 + 1 })
    assert.equal((await short.completeStepUp(auth, { pending, code: CODE, now: T0 + 1 })).expiresAt, T0 + 61)
  })
})
