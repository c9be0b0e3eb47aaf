'use strict'
// Remote key sets (jwksUrl) served on 127.0.0.1: fetched off the event loop, shared by
// concurrent callers, and an outage is a retryable error, never a refused cookie.
const assert = require('node:assert/strict')
const { describe, it, after } = require('node:test')
const { monitorEventLoopDelay, performance } = require('node:perf_hooks')
const { SessionGate, JwksUnavailableError, SessionGateError } = require('sessiongate')
const h = require('./_helpers')

const sealer = new SessionGate(h.gateOptions())
const cookie = sealer.sealSession({ accessToken: h.signToken(h.claims()), refreshToken: h.REFRESH_TOKEN, user: h.USER })

describe('jwksUrl', () => {
  const servers = []
  after(() => Promise.all(servers.map((s) => s.close())))
  const serve = async (routes) => {
    const server = await h.startServer(routes, { lifetimeMs: 60_000 })
    servers.push(server)
    return `http://127.0.0.1:${server.port}`
  }

  it('a slow JWKS server: fetched once for 200 concurrent calls, the event loop stays responsive', async () => {
    let fetches = 0
    const base = await serve({
      '/jwks': async () => {
        fetches += 1
        await new Promise((resolve) => setTimeout(resolve, 400))
        return [200, h.peer.jwks]
      },
    })
    const gate = new SessionGate(h.gateOptions({ jwks: undefined, jwksUrl: `${base}/jwks` }))
    const histogram = monitorEventLoopDelay({ resolution: 1 })
    histogram.enable()
    const start = performance.now()
    const results = await Promise.all(Array.from({ length: 200 }, () => gate.authenticate(cookie)))
    const elapsedMs = performance.now() - start
    histogram.disable()
    for (const result of results) {
      assert.equal(result.authenticated, true, `${result.reason} (${result.detail})`)
      assert.deepEqual(result.amr, ['pwd', 'mfa'])
    }
    const maxMs = histogram.max / 1e6
    console.log(`# slow JWKS: ${elapsedMs.toFixed(0)} ms for 200 calls, ${fetches} fetch(es), event-loop delay max ${maxMs.toFixed(1)} ms`)
    assert.ok(elapsedMs >= 400, 'the calls waited for the slow server')
    // A fetch on the main thread would stall the loop for the server's 400 ms.
    assert.ok(maxMs < 200, `event-loop delay max ${maxMs} ms`)
    assert.equal(fetches, 1, 'concurrent callers share one fetch')
    // Warm: no more fetches.
    assert.equal((await gate.authenticate(cookie)).authenticated, true)
    assert.equal(fetches, 1)
    const status = gate.jwksStatus()
    assert.deepEqual({ ...status, fetchedAt: typeof status.fetchedAt }, {
      url: `${base}/jwks`,
      fetchedAt: 'number',
      kids: h.peer.jwks.keys.map((k) => k.kid).filter(Boolean),
      stale: false,
      fetches: 1,
      failures: 0,
    })
    assert.ok(Math.abs(status.fetchedAt - Date.now() / 1000) < 60)

    // Stale (11 minutes later): the sync path refuses without fetching; the async path goes
    // to the pool, where one caller refreshes from the slow server and the loop stays free.
    const later = Date.now() / 1000 + 660
    assert.throws(() => gate.authenticateSync(cookie, { now: later }), { code: 'ERR_SESSIONGATE_JWKS_NOT_CACHED', retryable: true })
    assert.equal(fetches, 1)
    const stale = monitorEventLoopDelay({ resolution: 1 })
    stale.enable()
    const staleStart = performance.now()
    const refreshed = await Promise.all(Array.from({ length: 50 }, () => gate.authenticate(cookie, { now: later })))
    const staleMs = performance.now() - staleStart
    stale.disable()
    for (const result of refreshed) assert.equal(result.authenticated, true, `${result.reason} (${result.detail})`)
    console.log(`# slow JWKS, stale refresh: ${staleMs.toFixed(0)} ms for 50 calls, event-loop delay max ${(stale.max / 1e6).toFixed(1)} ms`)
    assert.equal(fetches, 2, 'one refresh')
    assert.ok(staleMs >= 400, 'the refreshing call waited for the slow server')
    assert.ok(stale.max / 1e6 < 200, `event-loop delay max ${stale.max / 1e6} ms during the refresh`)
  })

  it('discoveryIssuer: the issuer\'s openid-configuration names the jwks_uri, fetched once, then inline and sync', async () => {
    const hits = { discovery: 0, jwks: 0 }
    let base
    base = await serve({
      '/oidc/.well-known/openid-configuration': async () => (
        (hits.discovery += 1), [200, { issuer: `${base}/oidc`, jwks_uri: `${base}/oidc/keys`, id_token_signing_alg_values_supported: ['RS256'] }]
      ),
      '/oidc/keys': async () => ((hits.jwks += 1), [200, h.peer.jwks]),
    })
    const gate = new SessionGate(h.gateOptions({ jwks: undefined, discoveryIssuer: `${base}/oidc` }))
    assert.throws(() => gate.authenticateSync(cookie), { code: 'ERR_SESSIONGATE_JWKS_NOT_CACHED' })
    assert.deepEqual(hits, { discovery: 0, jwks: 0 })
    const results = await Promise.all(Array.from({ length: 20 }, () => gate.authenticate(cookie)))
    for (const result of results) {
      assert.equal(result.authenticated, true, `${result.reason} (${result.detail})`)
      assert.deepEqual(result.amr, ['pwd', 'mfa'])
    }
    assert.deepEqual(hits, { discovery: 1, jwks: 1 })
    assert.equal(gate.authenticateSync(cookie).sessionId, h.claims().sid)
    assert.equal((await gate.authenticate(cookie)).authenticated, true)
    assert.deepEqual(hits, { discovery: 1, jwks: 1 })
    assert.equal(gate.jwksStatus().url, `${base}/oidc/keys`)
    assert.equal((await gate.authenticate('not a cookie')).authenticated, false)

    // A discovery document without jwks_uri: an outage (retryable), not a refused cookie.
    let broken
    broken = await serve({ '/.well-known/openid-configuration': async () => [200, { issuer: broken }] })
    const bad = new SessionGate(h.gateOptions({ jwks: undefined, discoveryIssuer: broken }))
    await assert.rejects(bad.authenticate(cookie), (e) => e instanceof JwksUnavailableError && e.retryable === true)
  })

  it('an unreachable or failing key server rejects with a retryable JwksUnavailableError', async () => {
    const base = await serve({ '/jwks': async () => [500, { error: 'down' }] })
    for (const jwksUrl of [`${base}/jwks`, `${base}/missing`]) {
      const gate = new SessionGate(h.gateOptions({ jwks: undefined, jwksUrl }))
      await assert.rejects(gate.authenticate(cookie), (e) => {
        assert.ok(e instanceof JwksUnavailableError && e instanceof SessionGateError)
        assert.equal(e.code, 'ERR_SESSIONGATE_JWKS_UNAVAILABLE')
        assert.equal(e.retryable, true)
        assert.ok(!e.message.includes(h.PASSWORD))
        return true
      })
      // A bad cookie is still a refusal, not an outage (no key is needed to refuse it).
      assert.equal((await gate.authenticate('not a cookie')).authenticated, false)
      const status = gate.jwksStatus()
      assert.equal(status.fetches, 0)
      assert.ok(status.failures >= 1)
      assert.equal(typeof status.lastError, 'string')
      assert.deepEqual(status.kids, [])
      assert.equal(status.stale, true)
    }
  })

  it('the default key set is WorkOS\'s for the client (constructs without jwks)', () => {
    assert.ok(new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD }) instanceof SessionGate)
  })

  it('jwksStatus() is null for a static key set', () => {
    assert.equal(sealer.jwksStatus(), null)
  })
})
