'use strict'
// The examples, guarded by the step-up policy: /admin (cookie; node:http) and withAuth (web
// Request/Response) answer 403 + the RFC 9470 JSON body unless "mfa" is in the session's amr;
// /api/admin (Bearer token) answers 401 + WWW-Authenticate.
const assert = require('node:assert/strict')
const http = require('node:http')
const { describe, it, before, after } = require('node:test')
const { SessionGate, Challenge } = require('sessiongate')
const { createHandler } = require('../examples/http-server')
const { withAuth } = require('../examples/with-auth')
const h = require('./_helpers')

const gate = new SessionGate(h.gateOptions())
const token = (amr) => h.signToken(h.claims(amr === undefined ? { amr: undefined } : { amr }))
const seal = (amr, format = 'iron') => gate.sealSession({ accessToken: token(amr), refreshToken: h.REFRESH_TOKEN, user: h.USER }, { format })
const mfa = seal(['pwd', 'mfa'])
const pwdOnly = seal(['pwd'])
const noAmr = seal(undefined)

const MFA_BODY = { error: 'insufficient_user_authentication', error_description: 'Multi-factor authentication is required' }
const MISSING_BODY = { error: 'insufficient_user_authentication', error_description: 'The authentication event is unknown: authenticate again' }
const MFA_HEADER = 'Bearer error="insufficient_user_authentication", error_description="Multi-factor authentication is required"'

describe('examples/http-server.js', () => {
  let server
  let base
  before(async () => {
    server = http.createServer(createHandler({ gate }))
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${server.address().port}`
  })
  after(() => new Promise((resolve) => server.close(resolve)))
  const get = async (path, headers = {}) => {
    const res = await fetch(`${base}${path}`, { headers })
    return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body: await res.json() }
  }
  const cookie = (value) => (value ? { cookie: `other=1; wos-session=${value}` } : {})

  it('cookie route: 200 for an MFA session', async () => {
    assert.deepEqual(await get('/admin', cookie(mfa)), {
      status: 200,
      wwwAuthenticate: null,
      body: { hello: h.USER.email, sessionId: h.claims().sid, amr: ['pwd', 'mfa'] },
    })
  })
  it('cookie route: 403 + the RFC 9470 body for a password-only session, and for a token without amr', async () => {
    assert.deepEqual(await get('/admin', cookie(pwdOnly)), { status: 403, wwwAuthenticate: null, body: MFA_BODY })
    assert.deepEqual(await get('/admin', cookie(noAmr)), { status: 403, wwwAuthenticate: null, body: MISSING_BODY })
  })
  it('cookie route: 401 without a cookie, or with a bad one', async () => {
    assert.deepEqual((await get('/admin', cookie(undefined))).body, { error: 'unauthenticated', reason: 'no_session_cookie_provided' })
    const bad = await get('/admin', cookie(`${mfa.slice(0, -5)}xx~2`))
    assert.deepEqual({ status: bad.status, body: bad.body }, { status: 401, body: { error: 'unauthenticated', reason: 'invalid_session_cookie' } })
  })
  it('bearer route: 200 with MFA, 401 + WWW-Authenticate (RFC 9470) without', async () => {
    assert.deepEqual(await get('/api/admin', { authorization: `Bearer ${token(['pwd', 'mfa'])}` }), {
      status: 200,
      wwwAuthenticate: null,
      body: { subject: h.USER.id, amr: ['pwd', 'mfa'] },
    })
    const denied = await get('/api/admin', { authorization: `Bearer ${token(['pwd'])}` })
    assert.deepEqual(denied, { status: 401, wwwAuthenticate: MFA_HEADER, body: MFA_BODY })
    // A client reads the challenge back.
    assert.equal(Challenge.parse(denied.wwwAuthenticate).errorDescription, MFA_BODY.error_description)
  })
  it('bearer route: 401 invalid_token for a bad or missing token', async () => {
    const bad = await get('/api/admin', { authorization: `Bearer ${token(['mfa']).slice(0, -4)}AAAA` })
    assert.deepEqual(bad, { status: 401, wwwAuthenticate: 'Bearer error="invalid_token"', body: { error: 'invalid_token', detail: 'signature_invalid' } })
    assert.equal((await get('/api/admin')).body.detail, 'malformed_jwt')
  })
})

describe('examples/with-auth.js', () => {
  const route = withAuth(gate, async (_request, { auth }) => Response.json({ hello: auth.user.email, amr: auth.amr }))
  const call = async (cookie) => {
    const res = await route(new Request('http://app.test/admin', { headers: cookie ? { cookie: `wos-session=${cookie}` } : {} }))
    return { status: res.status, body: await res.json() }
  }
  it('runs the handler for an MFA session', async () => {
    assert.deepEqual(await call(mfa), { status: 200, body: { hello: h.USER.email, amr: ['pwd', 'mfa'] } })
  })
  it('403 + the RFC 9470 body without MFA, 401 without a session', async () => {
    assert.deepEqual(await call(pwdOnly), { status: 403, body: MFA_BODY })
    assert.deepEqual(await call(noAmr), { status: 403, body: MISSING_BODY })
    assert.equal((await call(undefined)).status, 401)
  })
})

describe('examples/http-server.js step-up routes (against the WorkOS API double)', () => {
  const { startDouble } = require('./_double')
  let double
  let server
  let base
  let gateOnDouble
  before(async () => {
    double = await startDouble()
    gateOnDouble = new SessionGate({ clientId: double.clientId, cookiePassword: h.PASSWORD, apiKey: double.apiKey, apiBaseUrl: double.url })
    server = http.createServer(createHandler({ gate: gateOnDouble, secureCookies: false }))
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${server.address().port}`
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
    double.stop()
  })
  /** The `name=value` of a Set-Cookie header. */
  const setCookie = (res) => (res.headers.get('set-cookie') ?? '').split(';')[0]

  it('a password-only session is denied, steps up with the TOTP code, and is then allowed', async () => {
    await double.post('/_double/factors', { user_id: 'user_01STEPUP', type: 'totp' })
    const issued = await double.post('/_double/sessions', { user: { object: 'user', id: 'user_01STEPUP', email: 'step@example.com' }, amr: [] })
    const session = `wos-session=${gateOnDouble.sealSession({ accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user })}`
    const call = (method, path, cookies, body) =>
      fetch(`${base}${path}`, { method, headers: { cookie: cookies.join('; '), 'content-type': 'application/json' }, body })
    const denied = await call('GET', '/admin', [session])
    assert.equal(denied.status, 403)
    assert.equal((await denied.json()).error, 'insufficient_user_authentication')
    const started = await call('POST', '/step-up/start', [session])
    assert.equal(started.status, 200)
    assert.equal((await started.json()).factorType, 'totp')
    const pending = setCookie(started)
    assert.match(pending, /^sg-step-up-pending=sgp1\./)
    const wrong = await call('POST', '/step-up/complete', [session, pending], JSON.stringify({ code: '000000' }))
    assert.deepEqual([wrong.status, await wrong.json()], [400, { stepUpFailed: 'code_invalid' }])
    const done = await call('POST', '/step-up/complete', [session, pending], JSON.stringify({ code: '123456' }))
    assert.equal(done.status, 200)
    assert.deepEqual((await done.json()).amr, ['mfa', 'otp'])
    const grant = setCookie(done)
    assert.match(grant, /^sg-step-up=sgg1\./)
    const allowed = await call('GET', '/admin', [session, grant])
    assert.equal(allowed.status, 200)
    assert.equal((await allowed.json()).hello, 'step@example.com')
    assert.equal((await call('GET', '/admin', [session, 'sg-step-up=sgg1.forged'])).status, 403, 'a forged grant counts for nothing')
  })
})
