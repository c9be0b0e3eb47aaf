'use strict'
// authenticateSync (static key sets only: never a fetch on the event loop), the result built
// from one JSON string (lazy `claims`), and the verifiedTokenCache option.
const assert = require('node:assert/strict')
const util = require('node:util')
const { describe, it, after } = require('node:test')
const { SessionGate, ConfigurationError } = require('sessiongate')
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

  it('a gate that fetches its keys refuses it (ConfigurationError), without fetching', async () => {
    let fetches = 0
    const server = await h.startServer({ '/jwks': async () => ((fetches += 1), [200, h.peer.jwks]) }, { lifetimeMs: 30_000 })
    after(() => server.close())
    const remote = new SessionGate(h.gateOptions({ jwks: undefined, jwksUrl: `http://127.0.0.1:${server.port}/jwks` }))
    const refuse = () =>
      assert.throws(() => remote.authenticateSync(cookie), (e) => {
        assert.ok(e instanceof ConfigurationError)
        assert.equal(e.retryable, false)
        assert.match(e.message, /await gate\.authenticate\(\)/)
        return true
      })
    refuse()
    assert.equal(fetches, 0)
    // Even once warm: the core cannot promise a cached-only path for remote keys yet.
    assert.equal((await remote.authenticate(cookie)).authenticated, true)
    assert.equal(fetches, 1)
    refuse()
    assert.equal(new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD }).jwksStatus().url, `https://api.workos.com/sso/jwks/${h.CLIENT_ID}`)
    assert.throws(() => new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD }).authenticateSync(cookie), ConfigurationError)
  })
})

describe('result objects', () => {
  it('claims: parsed on first read, then a plain data property; assignable; in JSON and inspect', () => {
    const r = gate.authenticateSync(cookie)
    assert.equal(typeof Object.getOwnPropertyDescriptor(r, 'claims').get, 'function')
    const first = r.claims
    assert.deepEqual(first, claims)
    assert.equal(r.claims, first, 'the same object on every read')
    assert.deepEqual(Object.getOwnPropertyDescriptor(r, 'claims'), { value: first, writable: true, enumerable: true, configurable: true })
    assert.deepEqual(JSON.parse(JSON.stringify(gate.authenticateSync(cookie))).claims, claims)
    assert.match(util.inspect(gate.authenticateSync(cookie), { getters: true }), /jti/)
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
