'use strict'
// Refresh through the WorkOS API double (tests/double, its binary in SESSIONGATE_WORKOS_DOUBLE,
// spawned here and stopped by closing its stdin): both cookie formats with amr kept, 50
// concurrent promises -> one API call and one cookie, then 20 more in the grace window -> still
// one call, every fault's class (a rejected retryable error vs a failure result), the rotated
// token never lost, authenticateOrRefresh at each side of the buffer edge, the logout URL, and
// no secret in what inspect or JSON show.
const assert = require('node:assert/strict')
const util = require('node:util')
const { describe, it, before, after } = require('node:test')
const sg = require('sessiongate')
const { startDouble } = require('./_double')

const { SessionGate, ApiUnavailableError, RefreshUnavailableError, ConfigurationError, UnsealError, SessionGateError } = sg

/** A Fernet key (url-safe base64 of 32 bytes) is also an iron password: one secret, both formats. */
const SECRET = 'cmVmcmVzaC1zdWl0ZS1jb29raWUtc2VjcmV0LTMyYiE='
const T0 = 1_800_000_000
const FORMATS = ['iron', 'fernet']
const USER = { object: 'user', id: 'user_01ADA', email: 'ada@example.com', first_name: 'Ada' }

let double
before(async () => {
  double = await startDouble()
})
after(() => double?.stop())

/** A gate on the double: its client id, API key, API base (and so its JWKS). */
const gateOn = (overrides = {}) =>
  new SessionGate({ clientId: double.clientId, cookiePassword: SECRET, apiKey: double.apiKey, apiBaseUrl: double.url, ...overrides })

/** A session signed in at T0 (its token valid until T0 + 300), sealed by `gate` in `format`. */
async function cookie(gate, format, session = {}) {
  await double.clock(T0)
  const issued = await double.post('/_double/sessions', {
    user: USER,
    organization_id: 'org_01HOME',
    amr: ['pwd', 'mfa'],
    auth_time: T0 - 100,
    authentication_method: 'Password',
    ...session,
  })
  return gate.sealSession(
    { accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user, authenticationMethod: 'Password', organizationId: 'org_01HOME' },
    { format },
  )
}

/** The refresh token inside a cookie (the gate opens it). */
const refreshTokenOf = (gate, sealed) => {
  const { data } = gate.unsealData(sealed)
  return data.refreshToken ?? data.refresh_token
}

const calls = async () => (await double.get('/_double/stats')).authenticate

/** What a user could log: inspect (console.log) and JSON. */
const shown = (value) => `${util.inspect(value, { depth: Infinity, showHidden: true, getters: true })} ${JSON.stringify(value)}`

describe('refresh', () => {
  it('refreshes in both formats: same format out, amr and authTime kept, what went over the wire', async () => {
    const gate = gateOn()
    for (const format of FORMATS) {
      const old = await cookie(gate, format)
      const oldRefresh = refreshTokenOf(gate, old)
      await double.clock(T0 + 400)
      assert.equal((await gate.authenticate(old, { now: T0 + 400 })).detail, 'expired')
      const before = await calls()
      const result = await gate.refresh(old, { now: T0 + 400 })
      assert.deepEqual(Object.keys(result), ['authenticated', 'sealedSession', 'session'])
      assert.equal(result.authenticated, true, `${format}: ${result.reason} (${result.detail})`)
      const { sealedSession, session } = result
      assert.equal(typeof sealedSession, 'string')
      assert.equal(gate.unsealData(sealedSession).format, format, `${format} in, ${format} out`)
      assert.equal(session.authenticated, true)
      assert.equal(session.format, format)
      assert.deepEqual(session.amr, ['pwd', 'mfa'])
      assert.equal(session.authTime, T0 - 100, 'auth_time unchanged by a refresh')
      assert.equal(session.organizationId, 'org_01HOME')
      assert.equal(session.authenticationMethod, 'Password')
      assert.equal(session.claims.exp, T0 + 700)
      assert.equal(await calls(), before + 1)
      assert.notEqual(refreshTokenOf(gate, sealedSession), oldRefresh, 'the rotated refresh token is sealed')
      // The new cookie opens like any other, and the session is one the gate verified.
      const again = await gate.authenticate(sealedSession, { now: T0 + 400 })
      assert.equal(again.sessionId, session.sessionId)
      assert.equal(again.accessToken, session.accessToken)
      assert.equal(gate.check(session, new sg.StepUpPolicy(), { now: T0 + 400 }).allowed, true, 'amr has mfa')
      // The old refresh token, the API key, the current organization; never the cookie password.
      const sent = (await double.get('/_double/requests')).pop()
      assert.deepEqual(
        [sent.body.grant_type, sent.body.client_id, sent.body.client_secret, sent.body.refresh_token, sent.body.organization_id, sent.authorization],
        ['refresh_token', double.clientId, double.apiKey, oldRefresh, 'org_01HOME', `Bearer ${double.apiKey}`],
      )
      assert.ok(!JSON.stringify(sent).includes(SECRET))
      // Neither inspect nor JSON shows the cookie, the tokens or the API key.
      for (const secret of [sealedSession, session.accessToken, refreshTokenOf(gate, sealedSession), double.apiKey, SECRET]) {
        assert.ok(!shown(result).includes(secret), `${format}: a refresh result shows a secret`)
        assert.ok(!util.inspect(session, { showHidden: true }).includes(secret), `${format}: inspecting a session shows a secret`)
      }
      assert.match(util.inspect(result), /sealedSession: '\[redacted\]'/)
    }
  })

  it('50 concurrent refreshes of one cookie: 1 API call, 50 identical cookies; 20 more in the grace window: still 1', async () => {
    const gate = gateOn()
    for (const format of FORMATS) {
      await double.post('/_double/reset', {})
      const old = await cookie(gate, format)
      await double.clock(T0 + 301)
      const results = await Promise.all(Array.from({ length: 50 }, () => gate.refresh(old, { now: T0 + 301 })))
      assert.equal(await calls(), 1, `${format}: one API call for 50 concurrent refreshes`)
      assert.ok(results.every((r) => r.authenticated === true), format)
      const cookies = new Set(results.map((r) => r.sealedSession))
      assert.equal(cookies.size, 1, `${format}: 50 identical cookies`)
      const [fresh] = cookies
      await double.clock(T0 + 340)
      const late = await Promise.all(Array.from({ length: 20 }, (_, i) => gate.refresh(old, { now: T0 + 302 + i })))
      assert.deepEqual(late.map((r) => r.sealedSession), Array(20).fill(fresh), `${format}: the remembered cookie`)
      assert.equal(await calls(), 1, `${format}: still one call`)
      // Past the grace window the API (past its own window too) refuses the old token.
      const refused = await gate.refresh(old, { now: T0 + 361 })
      assert.deepEqual(refused, { authenticated: false, reason: 'invalid_grant', detail: 'refresh_token_rejected' })
      assert.equal(await calls(), 2)
    }
  })

  it('an outage rejects with the retryable ApiUnavailableError (RefreshUnavailableError), and the cookie still refreshes after', async () => {
    const gate = gateOn()
    const old = await cookie(gate, 'iron')
    await double.clock(T0 + 400)
    const outage = async (faults, check = () => {}) => {
      await double.post('/_double/faults', { endpoint: 'authenticate', faults })
      const before = await calls()
      await assert.rejects(gate.refresh(old, { now: T0 + 400 }), (e) => {
        assert.ok(e instanceof ApiUnavailableError && e instanceof RefreshUnavailableError && e instanceof SessionGateError, `${e}`)
        assert.deepEqual([e.name, e.code, e.coreCode, e.retryable], ['ApiUnavailableError', 'ERR_SESSIONGATE_API_UNAVAILABLE', 'api_unavailable', true])
        assert.ok(!e.message.includes(double.apiKey) && !e.message.includes(refreshTokenOf(gate, old)), e.message)
        check(e)
        return true
      })
      return (await calls()) - before
    }
    for (const status of [500, 503]) {
      assert.equal(await outage(Array(3).fill({ kind: 'status', status }), (e) => assert.equal(e.retryAfter, undefined)), 3, `${status}: one call, two retries`)
    }
    assert.equal(await outage(Array(3).fill({ kind: 'malformed_json' })), 3, 'malformed JSON')
    // 429 with Retry-After: waited for, then handed over in seconds.
    const started = Date.now()
    assert.equal(await outage(Array(3).fill({ kind: 'rate_limited', retry_after: 1 }), (e) => assert.equal(e.retryAfter, 1)), 3)
    assert.ok(Date.now() - started >= 2000, 'waited Retry-After twice')
    // authenticateOrRefresh on the expired cookie: the same rejection, never a cleared cookie.
    await double.post('/_double/faults', { endpoint: 'authenticate', faults: Array(3).fill({ kind: 'status', status: 503 }) })
    await assert.rejects(gate.authenticateOrRefresh(old, { now: T0 + 400 }), ApiUnavailableError)
    // The refresh token survived every transient fault.
    assert.equal((await gate.refresh(old, { now: T0 + 400 })).authenticated, true)
  })

  it('a stall past refreshTimeoutSeconds rejects within the timeout', async () => {
    const gate = gateOn({ refreshTimeoutSeconds: 0.8 })
    const old = await cookie(gate, 'fernet')
    await double.clock(T0 + 400)
    await double.post('/_double/faults', { endpoint: 'authenticate', faults: [{ kind: 'stall', ms: 3000 }] })
    const started = Date.now()
    await assert.rejects(gate.refresh(old, { now: T0 + 400 }), (e) => e instanceof ApiUnavailableError && e.retryable)
    assert.ok(Date.now() - started < 1500, `bounded by the refresh timeout: ${Date.now() - started} ms`)
    // A proactive refresh stalling while the token is still valid serves the current token.
    const valid = await cookie(gate, 'fernet')
    await double.post('/_double/faults', { endpoint: 'authenticate', faults: [{ kind: 'stall', ms: 3000 }] })
    const renewal = await gate.authenticateOrRefresh(valid, { now: T0 + 280 })
    assert.deepEqual([renewal.auth.authenticated, renewal.sealedSession, renewal.clearCookie], [true, undefined, false])
  })

  it('terminal refusals are failure results (no sealedSession), and authenticateOrRefresh clears the cookie', async () => {
    const gate = gateOn()
    const cases = [
      [{ kind: 'sso_required' }, 'sso_required', 'sso_required'],
      [{ kind: 'mfa_enrollment' }, 'mfa_enrollment', 'mfa_enrollment'],
      [{ kind: 'forbidden', code: 'mfa_challenge' }, 'mfa_challenge', 'mfa_challenge'],
      [{ kind: 'oauth_error', status: 400, error: 'invalid_grant' }, 'invalid_grant', 'refresh_token_rejected'],
      [{ kind: 'oauth_error', status: 400, error: 'invalid_request' }, 'refresh_rejected', 'api_rejected'],
    ]
    for (const [fault, reason, detail] of cases) {
      const old = await cookie(gate, 'iron')
      await double.clock(T0 + 400)
      await double.post('/_double/faults', { endpoint: 'authenticate', faults: [fault] })
      const before = await calls()
      const result = await gate.refresh(old, { now: T0 + 400 })
      assert.deepEqual(result, { authenticated: false, reason, detail }, fault.kind)
      assert.equal('sealedSession' in result, false)
      assert.equal(await calls(), before + 1, `${fault.kind}: not retried`)
      await double.post('/_double/faults', { endpoint: 'authenticate', faults: [fault] })
      const renewal = await gate.authenticateOrRefresh(old, { now: T0 + 400 })
      assert.deepEqual(renewal, { auth: { authenticated: false, reason, detail }, sealedSession: undefined, clearCookie: true }, fault.kind)
    }
  })

  it('unknown_key: the rotated cookie comes WITH the failure, and is not cleared', async () => {
    const gate = gateOn()
    for (const format of FORMATS) {
      const old = await cookie(gate, format)
      await double.clock(T0 + 400)
      await double.post('/_double/faults', { endpoint: 'authenticate', faults: [{ kind: 'unknown_key' }] })
      const result = await gate.refresh(old, { now: T0 + 400 })
      assert.deepEqual(Object.keys(result), ['authenticated', 'reason', 'detail', 'sealedSession'])
      assert.deepEqual([result.authenticated, result.reason, result.detail], [false, 'invalid_jwt', 'unknown_kid'])
      assert.equal(gate.unsealData(result.sealedSession).format, format)
      assert.notEqual(refreshTokenOf(gate, result.sealedSession), refreshTokenOf(gate, old), 'the rotated refresh token')
      assert.ok(!shown(result).includes(result.sealedSession), 'inspect and JSON hide it')
      // authenticateOrRefresh hands it over without clearing; the rotated token refreshes.
      const next = await cookie(gate, format)
      await double.clock(T0 + 400)
      await double.post('/_double/faults', { endpoint: 'authenticate', faults: [{ kind: 'unknown_key' }] })
      const renewal = await gate.authenticateOrRefresh(next, { now: T0 + 400 })
      assert.deepEqual([renewal.auth.detail, renewal.clearCookie, typeof renewal.sealedSession], ['unknown_kid', false, 'string'])
      const rotated = await gate.authenticateOrRefresh(renewal.sealedSession, { now: T0 + 401 })
      assert.deepEqual([rotated.auth.authenticated, typeof rotated.sealedSession, rotated.clearCookie], [true, 'string', false])
    }
  })

  it('organization switching', async () => {
    const gate = gateOn()
    const old = await cookie(gate, 'iron')
    await double.post('/_double/memberships', { user_id: USER.id, organization_id: 'org_01OTHER', role: 'admin' })
    assert.equal((await gate.refresh(old, { organizationId: 'org_01NOWHERE', now: T0 + 10 })).reason, 'organization_not_found')
    const switched = await gate.refresh(old, { organizationId: 'org_01OTHER', now: T0 + 10 })
    assert.deepEqual([switched.session.organizationId, switched.session.role], ['org_01OTHER', 'admin'])
    await assert.rejects(gate.refresh(old, { organizationId: '', now: T0 }), ConfigurationError)
    await assert.rejects(gate.refresh(old, { organisationId: 'org_01OTHER' }), ConfigurationError, 'a typo is not ignored')
  })

  it('cookies that cannot be refreshed are failure results, with no API call', async () => {
    const gate = gateOn()
    const before = await calls()
    assert.deepEqual(await gate.refresh(undefined), { authenticated: false, reason: 'no_session_cookie_provided', detail: 'empty_cookie' })
    assert.deepEqual(await gate.refresh(''), { authenticated: false, reason: 'no_session_cookie_provided', detail: 'empty_cookie' })
    for (const bad of ['Fe26.2*garbage', 'gAAAAAnotfernet', 42, {}, '\uD800']) {
      const result = await gate.refresh(bad)
      assert.deepEqual([result.authenticated, result.reason], [false, 'invalid_session_cookie'], String(bad))
      assert.deepEqual(await gate.refresh(bad), result)
    }
    assert.deepEqual(await gate.refresh(42), await gate.authenticate(42), 'a non-string cookie reads as a malformed one')
    assert.deepEqual(await gate.refresh(42), { authenticated: false, reason: 'invalid_session_cookie', detail: 'malformed_seal' })
    const goOnly = new SessionGate({ clientId: double.clientId, cookiePassword: SECRET, apiKey: double.apiKey, apiBaseUrl: double.url, formats: ['go'] })
    assert.deepEqual(await goOnly.refresh(null), { authenticated: false, reason: 'no_session_cookie_provided', detail: 'empty_cookie' })
    assert.deepEqual(await goOnly.refresh([]), await goOnly.authenticate([]), 'whatever the enabled formats')
    const noRefresh = gate.sealData({ accessToken: 'x.y.z', user: USER })
    assert.deepEqual(await gate.refresh(noRefresh), { authenticated: false, reason: 'invalid_session_cookie', detail: 'refresh_token_missing' })
    assert.equal(await calls(), before)
  })

  it('without apiKey: refresh rejects with a ConfigurationError; a valid session is still served', async () => {
    const gate = gateOn({ apiKey: undefined })
    const old = await cookie(gate, 'iron')
    await assert.rejects(gate.refresh(old, { now: T0 + 400 }), (e) => e instanceof ConfigurationError && e.message.includes('apiKey'))
    const renewal = await gate.authenticateOrRefresh(old, { now: T0 + 290 })
    assert.deepEqual([renewal.auth.authenticated, renewal.sealedSession, renewal.clearCookie], [true, undefined, false])
    await assert.rejects(gate.authenticateOrRefresh(old, { now: T0 + 400 }), ConfigurationError)
  })
})

describe('authenticateOrRefresh', () => {
  it('at each side of the buffer edge (300 s tokens: 30 s; a configured buffer; 0 disables)', async () => {
    const gate = gateOn()
    await double.post('/_double/reset', {})
    const old = await cookie(gate, 'iron')
    for (const now of [T0 + 10, T0 + 269, T0 + 270]) {
      const renewal = await gate.authenticateOrRefresh(old, { now })
      assert.deepEqual(Object.keys(renewal), ['auth', 'sealedSession', 'clearCookie'])
      assert.deepEqual([renewal.auth.authenticated, renewal.sealedSession, renewal.clearCookie], [true, undefined, false], `${now - T0}`)
    }
    assert.equal(await calls(), 0, 'outside the buffer: no refresh')
    await double.clock(T0 + 271)
    const renewal = await gate.authenticateOrRefresh(old, { now: new Date((T0 + 271) * 1000) })
    assert.equal(typeof renewal.sealedSession, 'string', 'inside the buffer: refreshed')
    assert.deepEqual([renewal.auth.authenticated, renewal.auth.claims.exp, renewal.clearCookie], [true, T0 + 571, false])
    assert.deepEqual(renewal.auth.amr, ['pwd', 'mfa'])
    assert.equal(await calls(), 1)
    assert.ok(!shown(renewal).includes(renewal.sealedSession) && !shown(renewal).includes(renewal.auth.accessToken))
    assert.equal((await gate.authenticateOrRefresh(renewal.sealedSession, { now: T0 + 272 })).sealedSession, undefined, 'the new cookie is fresh')

    const buffered = gateOn({ refreshBufferSeconds: 100 })
    const second = await cookie(buffered, 'fernet')
    assert.equal((await buffered.authenticateOrRefresh(second, { now: T0 + 200 })).sealedSession, undefined)
    assert.equal(typeof (await buffered.authenticateOrRefresh(second, { now: T0 + 201 })).sealedSession, 'string')

    const never = gateOn({ refreshBufferSeconds: 0 })
    const third = await cookie(never, 'iron')
    const before = await calls()
    assert.equal((await never.authenticateOrRefresh(third, { now: T0 + 299 })).sealedSession, undefined)
    assert.equal(await calls(), before)
    await double.clock(T0 + 300)
    const expired = await never.authenticateOrRefresh(third, { now: T0 + 300 })
    assert.deepEqual([expired.auth.authenticated, typeof expired.sealedSession], [true, 'string'], 'expired at exp: refreshed')
  })

  it('cookies a refresh cannot help: cleared, except no cookie at all', async () => {
    const gate = gateOn()
    const bad = await gate.authenticateOrRefresh('Fe26.2*garbage')
    assert.deepEqual([bad.auth.reason, bad.sealedSession, bad.clearCookie], ['invalid_session_cookie', undefined, true])
    const none = await gate.authenticateOrRefresh(undefined)
    assert.deepEqual(none, { auth: { authenticated: false, reason: 'no_session_cookie_provided', detail: 'empty_cookie' }, sealedSession: undefined, clearCookie: false })
    const notString = await gate.authenticateOrRefresh(42)
    assert.deepEqual(notString.auth, await gate.authenticate(42))
    assert.equal(notString.clearCookie, true)
    await assert.rejects(gate.authenticateOrRefresh('x', { now: 'soon' }), ConfigurationError)
  })
})

describe('getLogoutUrl', () => {
  it('the WorkOS logout URL, for an expired session too; a forged cookie throws an UnsealError with its detail', async () => {
    const gate = gateOn()
    const sealed = await cookie(gate, 'fernet')
    const { sessionId } = await gate.authenticate(sealed, { now: T0 })
    const base = `${double.url}/user_management/sessions/logout?session_id=${sessionId}`
    assert.equal(gate.getLogoutUrl(sealed, { now: T0 + 9999 }), base)
    assert.equal(gate.getLogoutUrl(sealed), base)
    const url = gate.getLogoutUrl(sealed, { returnTo: 'https://app.example/signed out?x=1' })
    assert.equal(url, `${base}&return_to=https%3A%2F%2Fapp.example%2Fsigned+out%3Fx%3D1`)
    // The double ends the session and redirects.
    const answer = await fetch(url, { redirect: 'manual' })
    assert.deepEqual([answer.status, answer.headers.get('location')], [302, 'https://app.example/signed out?x=1'])
    for (const [forged, detail] of [['Fe26.2*nope', 'malformed_seal'], [42, 'malformed_seal'], ['', 'empty_cookie']]) {
      assert.throws(() => gate.getLogoutUrl(forged), (e) => {
        assert.ok(e instanceof UnsealError, `${e}`)
        assert.equal(e.detail, detail)
        return true
      })
    }
    assert.throws(() => gate.getLogoutUrl(sealed, { return_to: '/' }), ConfigurationError)
    const defaultBase = new SessionGate({ clientId: double.clientId, cookiePassword: SECRET, jwks: double.jwks })
    assert.ok(defaultBase.getLogoutUrl(sealed).startsWith('https://api.workos.com/user_management/sessions/logout?session_id='))
  })
})
