'use strict'
// authenticateSync (cached keys only: never a fetch; JwksNotCachedError when cold), inline answers, the result built
// from one JSON string (lazy `claims`), and the verifiedTokenCache option. A real fetch: jwks.test.js.
const assert = require('node:assert/strict')
const util = require('node:util')
const { describe, it } = require('node:test')
const { SessionGate, ConfigurationError, JwksNotCachedError, SessionGateError } = require('sessiongate')
const h = require('./_helpers')

const gate = new SessionGate(h.gateOptions())
const claims = h.claims()
const accessToken = h.signToken(claims)
const cookie = gate.sealSession({ accessToken, refreshToken: h.REFRESH_TOKEN, user: h.USER, organizationId: claims.org_id })

describe('authenticateSync', () => {
  it('returns what authenticate resolves, key for key (static key set)', async () => {
    const sync = gate.authenticateSync(cookie)
    const async_ = await gate.authenticate(cookie)
    assert.deepEqual(Object.keys(sync), Object.keys(async_))
    assert.deepEqual(sync, async_)
    assert.equal(sync.authenticated, true)
    assert.equal(sync.accessToken, accessToken)
    assert.deepEqual(sync.claims, claims)
    for (const bad of [undefined, '', 42, cookie.slice(0, -4)]) assert.deepEqual(gate.authenticateSync(bad), await gate.authenticate(bad))
    assert.equal(gate.authenticateSync(cookie, { now: claims.exp + 1 }).detail, 'expired')
    assert.throws(() => gate.authenticateSync(cookie, { now: 'later' }), { code: 'ERR_SESSIONGATE_CONFIG' })
  })

  it('a gate that fetches its keys, never fetched: JwksNotCachedError (retryable); no fetch', () => {
    // WorkOS's default key set, never fetched here (the fetch smoke test is in jwks.test.js).
    const remote = new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD })
    assert.throws(() => remote.authenticateSync(cookie), (e) => {
      assert.ok(e instanceof JwksNotCachedError && e instanceof SessionGateError)
      assert.equal(e.code, 'ERR_SESSIONGATE_JWKS_NOT_CACHED')
      assert.equal(e.retryable, true)
      assert.match(e.message, /await gate\.authenticate\(\)/)
      return true
    })
    assert.equal(remote.jwksStatus().fetches, 0)
  })

  it('await authenticate() settles inline (no pool round trip) when the keys are cached', async () => {
    // Settled within microtasks: a pool task needs a turn of the event loop.
    const settlesInMicrotasks = async (promise) => {
      let settled = false
      promise.then(() => (settled = true), () => (settled = true))
      for (let i = 0; i < 5; i++) await Promise.resolve()
      return settled
    }
    assert.equal(await settlesInMicrotasks(gate.authenticate(cookie)), true)
    assert.equal(await settlesInMicrotasks(gate.authenticate('bad')), true)
    assert.equal(await settlesInMicrotasks(gate.loadSealedSession({ sessionData: cookie }).authenticate()), true)
    const rejected = gate.authenticate(cookie, { now: 'later' })
    assert.ok(rejected instanceof Promise)
    await assert.rejects(rejected, { code: 'ERR_SESSIONGATE_CONFIG' })
    assert.ok(gate.authenticate(cookie) instanceof Promise)
  })
})

describe('result objects', () => {
  it('claims: parsed on first read, then a plain data property; assignable; in JSON, never in inspect', () => {
    const r = gate.authenticateSync(cookie)
    assert.equal(typeof Object.getOwnPropertyDescriptor(r, 'claims').get, 'function')
    const first = r.claims
    assert.deepEqual(first, claims)
    assert.equal(r.claims, first, 'the same object on every read')
    assert.deepEqual(Object.getOwnPropertyDescriptor(r, 'claims'), { value: first, writable: true, enumerable: true, configurable: true })
    assert.deepEqual(JSON.parse(JSON.stringify(gate.authenticateSync(cookie))).claims, claims)
    const unread = gate.authenticateSync(cookie)
    assert.doesNotMatch(util.inspect(unread, { getters: true }), /jti/)
    assert.equal(typeof Object.getOwnPropertyDescriptor(unread, 'claims').get, 'function', 'inspect does not parse them')
    const other = gate.authenticateSync(cookie)
    other.claims = { replaced: true }
    assert.deepEqual(other.claims, { replaced: true })
    assert.deepEqual({ ...gate.authenticateSync(cookie) }.claims, claims)
  })
  it('JSON keys become own data properties, never prototypes', () => {
    const evil = JSON.parse(JSON.stringify({ ...h.USER, metadata: JSON.parse('{"__proto__": {"polluted": true}}') }))
    const sealed = gate.sealSession({ accessToken, refreshToken: h.REFRESH_TOKEN, user: evil })
    const r = gate.authenticateSync(sealed)
    assert.equal(r.authenticated, true)
    assert.equal(Object.getPrototypeOf(r.user.metadata), Object.prototype)
    assert.deepEqual(r.user.metadata.__proto__, { polluted: true })
    assert.equal({}.polluted, undefined)
  })
})

describe('verifiedTokenCache', () => {
  it('is an option: 0 disables it; other values must be non-negative integers', async () => {
    for (const size of [0, 1, 4096]) {
      const g = new SessionGate(h.gateOptions({ verifiedTokenCache: size }))
      assert.equal(g.authenticateSync(cookie).authenticated, true)
      assert.equal(g.authenticateSync(cookie).authenticated, true)
      assert.equal((await g.authenticate(cookie, { now: claims.exp + 1 })).detail, 'expired', 'claims re-checked on a cache hit')
    }
    for (const size of [-1, 1.5, 'big', 2 ** 40]) {
      assert.throws(() => new SessionGate(h.gateOptions({ verifiedTokenCache: size })), ConfigurationError)
    }
  })
})
