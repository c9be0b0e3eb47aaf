'use strict'
// The one smoke test of a real key fetch (jwksUrl served on 127.0.0.1): cold, the calls run on
// the libuv pool and the event loop stays responsive while the slow server answers; warm, they
// are answered inline and authenticateSync works. The key cache's policy (staleness,
// cooldown, refetch) is the core's, unit-tested there.
const assert = require('node:assert/strict')
const { it, after } = require('node:test')
const { monitorEventLoopDelay, performance } = require('node:perf_hooks')
const { SessionGate, JwksNotCachedError, SessionGateError } = require('sessiongate')
const h = require('./_helpers')

const SLOW_MS = 300

it('a real fetch from a 127.0.0.1 JWKS server, off the event loop; then inline and sync', async () => {
  const sealer = new SessionGate(h.gateOptions())
  let fetches = 0
  const server = await h.startServer(
    { '/jwks': async () => ((fetches += 1), await new Promise((resolve) => setTimeout(resolve, SLOW_MS)), [200, h.peer.jwks]) },
    { lifetimeMs: 60_000 },
  )
  after(() => server.close())
  const url = `http://127.0.0.1:${server.port}/jwks`
  const gate = new SessionGate(h.gateOptions({ jwks: undefined, jwksUrl: url }))
  const users = Array.from({ length: 10 }, (_, i) => ({ ...h.USER, id: `user_${i}` }))
  const cookies = users.map((user, i) =>
    sealer.sealSession({
      accessToken: h.signToken(h.claims({ sub: user.id, sid: `session_${i}`, amr: i % 2 ? ['pwd'] : ['pwd', 'mfa'] })),
      refreshToken: h.REFRESH_TOKEN,
      user,
    }),
  )
  const bad = cookies[0].replace(/\*[^*]+~2$/, `*${'A'.repeat(43)}~2`)

  // Cold: the sync path refuses without fetching; a cookie refused before any key is needed
  // is still answered.
  const notCached = (e) => {
    assert.ok(e instanceof JwksNotCachedError && e instanceof SessionGateError)
    assert.equal(e.code, 'ERR_SESSIONGATE_JWKS_NOT_CACHED')
    assert.equal(e.coreCode, 'jwks_not_cached')
    assert.equal(e.name, 'JwksNotCachedError')
    assert.equal(e.retryable, true)
    assert.match(e.message, /await gate\.authenticate\(\)/)
    assert.ok(!e.message.includes(h.PASSWORD))
    return true
  }
  assert.throws(() => gate.authenticateSync(cookies[0]), notCached)
  assert.deepEqual(gate.authenticateSync('not a cookie'), sealer.authenticateSync('not a cookie'))
  assert.equal(fetches, 0, 'authenticateSync never fetches')

  // 1,000 concurrent calls on cold keys: the pool fetches while the loop keeps running.
  const settlesInMicrotasks = async (promise) => {
    let settled = false
    promise.then(() => (settled = true), () => (settled = true))
    for (let i = 0; i < 5; i++) await Promise.resolve()
    return settled
  }
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  let ticks = 0
  const ticker = setInterval(() => (ticks += 1), 1)
  histogram.enable()
  const start = performance.now()
  const calls = Array.from({ length: 1000 }, (_, i) => gate.authenticate(i % 100 === 99 ? bad : cookies[i % 10]))
  assert.equal(await settlesInMicrotasks(calls[0]), false, 'cold keys: the pool fetches them')
  const results = await Promise.all(calls)
  const elapsedMs = performance.now() - start
  histogram.disable()
  clearInterval(ticker)
  const check = (result, i) => {
    if (i % 100 === 99) {
      assert.deepEqual(result, { authenticated: false, reason: 'invalid_session_cookie', detail: 'mac_mismatch' })
      return
    }
    assert.equal(result.authenticated, true, `call ${i}: ${result.reason} (${result.detail})`)
    assert.equal(result.user.id, `user_${i % 10}`)
    assert.equal(result.sessionId, `session_${i % 10}`)
    assert.deepEqual(result.amr, (i % 10) % 2 ? ['pwd'] : ['pwd', 'mfa'])
  }
  results.forEach(check)
  const maxMs = histogram.max / 1e6
  console.log(`# cold JWKS (${SLOW_MS} ms server): ${elapsedMs.toFixed(0)} ms for 1000 calls, ${fetches} fetch(es), event-loop delay max ${maxMs.toFixed(1)} ms, ${ticks} timer ticks`)
  assert.ok(elapsedMs >= SLOW_MS, 'the calls waited for the slow server')
  // A fetch on the main thread would stall the loop for the server's whole delay.
  assert.ok(maxMs < 200, `event-loop delay max ${maxMs} ms`)
  assert.ok(ticks > 0, 'timers fired while the calls ran')
  assert.equal(fetches, 1, 'one fetch')

  // Warm: answered inline, and the sync path answers from the cache, as a static gate does.
  const warm = gate.authenticate(cookies[0])
  assert.equal(await settlesInMicrotasks(warm), true, 'warm keys: answered inline')
  check(await warm, 0)
  ;(await Promise.all(Array.from({ length: 1000 }, (_, i) => gate.authenticate(i % 100 === 99 ? bad : cookies[i % 10])))).forEach(check)
  assert.deepEqual(gate.authenticateSync(cookies[0]), sealer.authenticateSync(cookies[0]))
  assert.equal(fetches, 1)
  const status = gate.jwksStatus()
  assert.deepEqual({ ...status, fetchedAt: typeof status.fetchedAt }, {
    url,
    fetchedAt: 'number',
    kids: h.peer.jwks.keys.map((k) => k.kid).filter(Boolean),
    stale: false,
    fetches: 1,
    failures: 0,
    lastError: undefined,
    skippedKeys: 0,
  })
  assert.ok(Math.abs(status.fetchedAt - Date.now() / 1000) < 60)
  assert.equal(sealer.jwksStatus(), null, 'null for a static key set')
})
