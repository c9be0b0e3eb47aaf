'use strict'
// The API surface: errors (classes, codes), options, `now`, and that results, errors and
// objects never show the cookie password or the refresh token.
const assert = require('node:assert/strict')
const util = require('node:util')
const { describe, it } = require('node:test')
const sg = require('sessiongate')
const h = require('./_helpers')

const { SessionGate, SessionGateError, ConfigurationError, SealError, UnsealError } = sg
const gate = new SessionGate(h.gateOptions())
const token = h.signToken(h.claims())
const session = { accessToken: token, refreshToken: h.REFRESH_TOKEN, user: h.USER }

const configError = (options) =>
  assert.throws(() => new SessionGate(options), (e) => {
    assert.ok(e instanceof ConfigurationError && e instanceof SessionGateError && e instanceof Error)
    assert.equal(e.code, 'ERR_SESSIONGATE_CONFIG')
    assert.equal(e.name, 'ConfigurationError')
    assert.equal(e.retryable, false)
    return true
  })

describe('errors', () => {
  it('every class is exported, with its code', () => {
    const codes = {
      ConfigurationError: 'ERR_SESSIONGATE_CONFIG',
      JwksUnavailableError: 'ERR_SESSIONGATE_JWKS_UNAVAILABLE',
      SealError: 'ERR_SESSIONGATE_SEAL',
      UnsealError: 'ERR_SESSIONGATE_UNSEAL',
      InternalError: 'ERR_SESSIONGATE_INTERNAL',
      JwksNotCachedError: 'ERR_SESSIONGATE_JWKS_NOT_CACHED',
    }
    for (const [name, code] of Object.entries(codes)) {
      const e = new sg[name]('m')
      assert.ok(e instanceof SessionGateError && e instanceof Error)
      assert.equal(e.code, code)
      assert.equal(e.name, name)
    }
  })
  it('configuration errors at construction', () => {
    configError(undefined)
    configError({ clientId: h.CLIENT_ID, cookiePassword: 'too-short', jwks: h.peer.jwks })
    configError({ clientId: h.CLIENT_ID, cookiePassword: [], jwks: h.peer.jwks })
    configError(h.gateOptions({ jwksUrl: 'http://127.0.0.1:1/jwks' })) // both jwks and jwksUrl
    configError(h.gateOptions({ discoveryIssuer: 'http://127.0.0.1:1' })) // both jwks and discoveryIssuer
    configError({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD, jwksUrl: 'http://127.0.0.1:1/jwks', discoveryIssuer: 'http://127.0.0.1:1' })
    configError({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD, discoveryIssuer: 42 })
    configError({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD, jwksUrl: 'not a url' })
    configError(h.gateOptions({ jwks: '{"keys": "nope"}' }))
    configError(h.gateOptions({ cookiePasword: h.PASSWORD })) // a typo is not ignored
    configError(h.gateOptions({ leeway: -1 }))
    configError(h.gateOptions({ algorithms: ['HS256'] }))
    configError(h.gateOptions({ issuer: 42 }))
  })
  it('seal and unseal errors', () => {
    assert.throws(() => gate.sealSession({ accessToken: token, user: h.USER }), (e) => e instanceof SealError && e.code === 'ERR_SESSIONGATE_SEAL')
    assert.throws(() => gate.sealSession(session, { format: 'jwe' }), { code: 'ERR_SESSIONGATE_SEAL' })
    assert.throws(() => gate.sealData(10n), { code: 'ERR_SESSIONGATE_SEAL' })
    assert.throws(() => gate.unsealData('Fe26.2*1*nope'), (e) => e instanceof UnsealError && e.code === 'ERR_SESSIONGATE_UNSEAL')
  })
  it('a bad `now` rejects (it is not a bad cookie)', async () => {
    await assert.rejects(gate.authenticate('x', { now: 'yesterday' }), { code: 'ERR_SESSIONGATE_CONFIG' })
    await assert.rejects(gate.authenticate('x', { now: -5 }), { code: 'ERR_SESSIONGATE_CONFIG' })
  })
})

describe('authenticate', () => {
  it('never rejects for a bad cookie', async () => {
    for (const bad of [undefined, null, '', 'x', 42, {}, 'Fe26.2*1*' + 'a'.repeat(20000), 'gAAAAA' + '='.repeat(4)]) {
      const result = await gate.authenticate(bad)
      assert.equal(result.authenticated, false)
      assert.deepEqual(Object.keys(result), ['authenticated', 'reason', 'detail'])
      assert.ok(['no_session_cookie_provided', 'invalid_session_cookie', 'invalid_jwt'].includes(result.reason))
    }
    assert.deepEqual(await gate.authenticate(undefined), { authenticated: false, reason: 'no_session_cookie_provided', detail: 'empty_cookie' })
  })
  it('`now` as epoch seconds or a Date', async () => {
    const cookie = gate.sealSession(session)
    const exp = h.claims().exp
    assert.equal((await gate.authenticate(cookie, { now: exp - 10 })).authenticated, true)
    assert.deepEqual(await gate.authenticate(cookie, { now: exp + 10 }), { authenticated: false, reason: 'invalid_jwt', detail: 'expired' })
    assert.equal((await gate.authenticate(cookie, { now: new Date((exp - 10) * 1000) })).detail, undefined)
    assert.equal((await gate.authenticate(cookie, { now: new Date((exp + 10) * 1000) })).detail, 'expired')
    assert.equal((await gate.loadSealedSession({ sessionData: cookie }).authenticate({ now: exp + 10 })).detail, 'expired')
  })
  it('issuer and leeway options are applied', async () => {
    const cookie = gate.sealSession(session)
    const strict = new SessionGate(h.gateOptions({ issuer: ['https://elsewhere.example'] }))
    assert.equal((await strict.authenticate(cookie)).detail, 'issuer_mismatch')
    const right = new SessionGate(h.gateOptions({ issuer: h.peer.issuer, leeway: 30 }))
    assert.equal((await right.authenticate(cookie, { now: h.claims().exp + 10 })).authenticated, true)
  })
})

describe('secrets never show', () => {
  const secrets = [h.PASSWORD, h.REFRESH_TOKEN]
  const views = (value) => [
    util.inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    JSON.stringify(value) ?? '',
    String(value),
  ]
  const clean = (label, value) => {
    for (const view of views(value)) for (const secret of secrets) assert.ok(!view.includes(secret), `${label} shows a secret`)
  }
  it('in results, the gate and sealed sessions', async () => {
    const cookie = gate.sealSession(session)
    const ok = await gate.authenticate(cookie)
    assert.equal(ok.authenticated, true)
    assert.equal('refreshToken' in ok, false)
    clean('success', ok)
    clean('failure', await gate.authenticate(cookie.slice(0, -3)))
    clean('gate', gate)
    clean('CookieSession', gate.loadSealedSession({ sessionData: cookie }))
  })
  it('in error messages and stacks', async () => {
    const errors = []
    const collect = (f) => {
      try {
        f()
      } catch (e) {
        errors.push(e)
      }
    }
    collect(() => new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD.slice(0, 20), jwks: h.peer.jwks }))
    collect(() => new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: [h.PASSWORD, 42], jwks: h.peer.jwks }))
    collect(() => new SessionGate(h.PASSWORD)) // the password passed as the options
    collect(() => gate.sealSession({ accessToken: 1, refreshToken: h.REFRESH_TOKEN, user: h.USER }))
    collect(() => gate.sealSession({ accessToken: token, refreshToken: h.REFRESH_TOKEN, user: 10n }))
    collect(() => gate.unsealData(gate.sealData({ refreshToken: h.REFRESH_TOKEN }).slice(0, -4)))
    assert.equal(errors.length, 6)
    const partial = h.PASSWORD.slice(0, 20)
    for (const e of errors) {
      assert.ok(e instanceof SessionGateError, `${e}`)
      for (const view of [e.message, e.stack, util.inspect(e)]) {
        for (const secret of [...secrets, partial]) assert.ok(!view.includes(secret), `error shows a secret: ${e.message}`)
      }
    }
  })
})
