'use strict'
// `cargo xtask bench node`: in one run, @workos-inc/node 11.0.0's
// `loadSealedSession(...).authenticate()`, sessiongate's `await gate.authenticate()` and
// `gate.authenticateSync()` on one gate whose keys are fetched from 127.0.0.1 and cached, as
// in production (warm: `authenticate` answers inline from the cache, `authenticateSync` never
// fetches), on the same iron cookie. Writes target/bench/node.json.
const fs = require('node:fs')
const { performance } = require('node:perf_hooks')
const { WorkOS } = require('@workos-inc/node')
const { SessionGate } = require('sessiongate')
const h = require('../test/_helpers')

// Each contender is timed in ROUNDS interleaved rounds, and the median round is reported:
// other work on the machine then weighs on every contender alike.
const ROUNDS = 7
const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]

async function timeAsync(n, fn) {
  const start = performance.now()
  for (let i = 0; i < n; i++) await fn()
  return ((performance.now() - start) * 1000) / n
}

function timeSync(n, fn) {
  const start = performance.now()
  for (let i = 0; i < n; i++) fn()
  return ((performance.now() - start) * 1000) / n
}

async function compare(contenders) {
  for (const c of contenders) await (c.sync ? timeSync : timeAsync)(Math.min(1000, c.n), c.fn) // warm-up
  const rounds = contenders.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, c] of contenders.entries()) rounds[i].push(await (c.sync ? timeSync : timeAsync)(c.n, c.fn))
  }
  return contenders.map((c, i) => {
    const us = median(rounds[i])
    const spread = `${Math.min(...rounds[i]).toFixed(1)}–${Math.max(...rounds[i]).toFixed(1)}`
    console.log(`${c.label.padEnd(48)} ${us.toFixed(1).padStart(8)} µs/call  (median of ${ROUNDS} rounds of ${c.n}; ${spread})`)
    return us
  })
}

async function main(out) {
  const accessToken = h.signToken(h.claims({ exp: Math.floor(Date.now() / 1000) + 24 * 3600 }))
  const server = await h.startServer(h.workosRoutes({ accessToken: () => accessToken }), { lifetimeMs: 600_000 })
  try {
    const workos = new WorkOS('sk_test_sessiongate_bench', { clientId: h.CLIENT_ID, apiHostname: '127.0.0.1', https: false, port: server.port })
    const { sealedSession: cookie } = await workos.userManagement.authenticateWithCode({
      clientId: h.CLIENT_ID,
      code: 'code_bench',
      session: { sealSession: true, cookiePassword: h.PASSWORD },
    })
    const gate = new SessionGate({
      clientId: h.CLIENT_ID,
      cookiePassword: h.PASSWORD,
      jwksUrl: `http://127.0.0.1:${server.port}/sso/jwks/${h.CLIENT_ID}`,
    })
    // Warm the cache (the first call fetches the keys, off the event loop).
    if (!(await gate.authenticate(cookie)).authenticated) throw new Error('sessiongate refused the cookie')
    const sdk = async () => {
      const r = await workos.userManagement.loadSealedSession({ sessionData: cookie, cookiePassword: h.PASSWORD }).authenticate()
      if (!r.authenticated) throw new Error(`SDK refused: ${r.reason}`)
    }
    const ours = async () => {
      const r = await gate.authenticate(cookie)
      if (!r.authenticated) throw new Error(`sessiongate refused: ${r.reason}`)
    }
    const oursSync = () => {
      const r = gate.authenticateSync(cookie)
      if (!r.authenticated) throw new Error(`sessiongate refused: ${r.reason}`)
    }
    const [sdkUs, oursUs, syncUs] = await compare([
      { label: '@workos-inc/node 11.0.0 authenticate()', n: 400, fn: sdk },
      { label: 'sessiongate (node) await gate.authenticate()', n: 4000, fn: ours },
      { label: 'sessiongate (node) gate.authenticateSync()', n: 10000, fn: oursSync, sync: true },
    ])
    // Throughput: 1,000 calls in flight at a time, answered inline (warm).
    const rounds = 20
    await Promise.all(Array.from({ length: 1000 }, ours))
    const start = performance.now()
    for (let r = 0; r < rounds; r++) await Promise.all(Array.from({ length: 1000 }, ours))
    const perSecond = (rounds * 1000) / ((performance.now() - start) / 1000)
    const ratio = sdkUs / oursUs
    const syncRatio = sdkUs / syncUs
    console.log(`sessiongate throughput, 1,000 in flight: ${perSecond.toFixed(0)} calls/s`)
    console.log(`ratio (@workos-inc/node / sessiongate authenticate): ${ratio.toFixed(1)}x`)
    console.log(`ratio (@workos-inc/node / sessiongate authenticateSync): ${syncRatio.toFixed(1)}x`)
    const result = {
      benchmark: 'authenticate one iron session cookie sealed by @workos-inc/node (RS256 access token, caches warm), sequential calls',
      node: process.version,
      cookie_bytes: cookie.length,
      ratio: Number(ratio.toFixed(2)),
      ratio_sync: Number(syncRatio.toFixed(2)),
      workos_node: {
        version: '11.0.0',
        call: 'await workos.userManagement.loadSealedSession({ sessionData, cookiePassword }).authenticate()',
        us_per_call: Number(sdkUs.toFixed(2)),
      },
      sessiongate_async: {
        call: 'await gate.authenticate(cookie)',
        what: 'keys from jwksUrl on 127.0.0.1, cached: answered inline on the calling thread (an already settled Promise)',
        us_per_call: Number(oursUs.toFixed(2)),
        ratio_workos_over_sessiongate: Number(ratio.toFixed(2)),
        calls_per_s_1000_in_flight: Math.round(perSecond),
      },
      sessiongate_sync: {
        call: 'gate.authenticateSync(cookie)',
        what: 'the same gate (keys fetched and cached): cached keys only, never fetches, on the calling thread',
        us_per_call: Number(syncUs.toFixed(2)),
        ratio_workos_over_sessiongate: Number(syncRatio.toFixed(2)),
      },
      notes: `one process; each contender timed in ${ROUNDS} interleaved rounds, median round reported; verified-token cache at its default; release addon`,
    }
    if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n')
  } finally {
    await server.close()
  }
}

main(process.argv[2]).catch((e) => {
  console.error(`node bench: ${e.stack}`)
  process.exit(1)
})
