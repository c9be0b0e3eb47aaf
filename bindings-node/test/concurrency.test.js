'use strict'
// 1,000 concurrent authenticate calls resolve correctly: cold (keys not cached) they run on
// the libuv pool and the event loop stays responsive meanwhile; warm they are answered inline.
const assert = require('node:assert/strict')
const { it, after } = require('node:test')
const { monitorEventLoopDelay, performance } = require('node:perf_hooks')
const { SessionGate } = require('sessiongate')
const h = require('./_helpers')

it('1,000 concurrent authenticate calls resolve correctly without blocking the event loop', async () => {
  const sealer = new SessionGate(h.gateOptions())
  let fetches = 0
  const server = await h.startServer({ '/jwks': async () => ((fetches += 1), [200, h.peer.jwks]) }, { lifetimeMs: 60_000 })
  after(() => server.close())
  // Keys served on 127.0.0.1, not fetched yet: every call of the first batch needs the pool.
  const gate = new SessionGate(h.gateOptions({ jwks: undefined, jwksUrl: `http://127.0.0.1:${server.port}/jwks` }))
  const users = Array.from({ length: 10 }, (_, i) => ({ ...h.USER, id: `user_${i}` }))
  const cookies = users.map((user, i) =>
    sealer.sealSession({
      accessToken: h.signToken(h.claims({ sub: user.id, sid: `session_${i}`, amr: i % 2 ? ['pwd'] : ['pwd', 'mfa'] })),
      refreshToken: h.REFRESH_TOKEN,
      user,
    }),
  )
  const bad = cookies[0].replace(/\*[^*]+~2$/, `*${'A'.repeat(43)}~2`)

  // The same work done synchronously would block the loop for its whole CPU time: measure
  // one call's duration to compare.
  const t0 = performance.now()
  sealer.authenticateSync(cookies[0])
  const oneCallMs = performance.now() - t0

  const histogram = monitorEventLoopDelay({ resolution: 1 })
  let ticks = 0
  const ticker = setInterval(() => (ticks += 1), 1)
  histogram.enable()
  const start = performance.now()
  const calls = Array.from({ length: 1000 }, (_, i) => (i % 100 === 99 ? gate.authenticate(bad) : gate.authenticate(cookies[i % 10])))
  const results = await Promise.all(calls)
  const elapsedMs = performance.now() - start
  histogram.disable()
  clearInterval(ticker)
  assert.equal(fetches, 1, 'the cold batch shared one fetch')

  const check = (result, i) => {
    if (i % 100 === 99) {
      assert.deepEqual(result, { authenticated: false, reason: 'invalid_session_cookie', detail: 'mac_mismatch' })
      return
    }
    assert.equal(result.authenticated, true, `call ${i}: ${result.reason}`)
    assert.equal(result.user.id, `user_${i % 10}`)
    assert.equal(result.sessionId, `session_${i % 10}`)
    assert.deepEqual(result.amr, (i % 10) % 2 ? ['pwd'] : ['pwd', 'mfa'])
  }
  results.forEach(check)
  const maxMs = histogram.max / 1e6
  const p99Ms = histogram.percentile(99) / 1e6
  console.log(
    `# 1000 concurrent: ${elapsedMs.toFixed(1)} ms total, one call ${oneCallMs.toFixed(2)} ms; ` +
      `event-loop delay p99 ${p99Ms.toFixed(1)} ms, max ${maxMs.toFixed(1)} ms; ${ticks} timer ticks`,
  )
  // Were the work (unseal, RSA verify) on the main thread, the loop would stall for about the
  // whole run: 1,000 calls issued in one tick would complete in one blocking stretch. Off the
  // main thread, the loop only pays for issuing calls and building result objects.
  // Bounds loose enough for a loaded 2-core CI machine; the slow-JWKS test in jwks.test.js
  // measures responsiveness during a fetch more tightly.
  assert.ok(maxMs < elapsedMs * 0.9, `event-loop delay max ${maxMs} ms of a ${elapsedMs} ms run`)
  assert.ok(ticks > 0 || elapsedMs < 5, 'timers must fire while the calls run')

  // Warm: the same 1,000 calls are answered inline (cached keys), just as correctly, no fetch.
  const warmStart = performance.now()
  const warm = await Promise.all(Array.from({ length: 1000 }, (_, i) => (i % 100 === 99 ? gate.authenticate(bad) : gate.authenticate(cookies[i % 10]))))
  console.log(`# 1000 concurrent, warm (inline): ${(performance.now() - warmStart).toFixed(1)} ms total`)
  warm.forEach(check)
  assert.equal(fetches, 1)
})
