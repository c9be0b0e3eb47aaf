'use strict'
// The addon in worker_threads: several workers, sharing nothing but the loaded addon, each
// with its own gate, authenticate their own users correctly, with their own error classes
// (the package's JavaScript half is installed once per environment).
const assert = require('node:assert/strict')
const { it } = require('node:test')
const { Worker } = require('node:worker_threads')
const { SessionGate } = require('sessiongate')
const h = require('./_helpers')

const WORKERS = 4
const CALLS = 200

// Runs in each worker: builds its gate, authenticates its cookies (async, inline-cached and
// sync), and reports what it saw.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads')
const sg = require('sessiongate')
;(async () => {
  const { options, cookies, calls, remote } = workerData
  const gate = new sg.SessionGate(options)
  const report = { sessions: [], users: [], amr: [], failures: 0, syncErrors: [], configError: null, threadOk: false }
  if (remote) {
    // WorkOS's key set, never fetched: the sync path refuses without a fetch.
    const cold = new sg.SessionGate({ clientId: options.clientId, cookiePassword: options.cookiePassword })
    try { cold.authenticateSync(cookies[0]) } catch (e) {
      report.syncErrors.push([e.code, e instanceof sg.JwksNotCachedError, e instanceof sg.SessionGateError, e.retryable])
    }
  }
  const results = await Promise.all(Array.from({ length: calls }, (_, i) => gate.authenticate(cookies[i % cookies.length])))
  for (const r of results) {
    if (!r.authenticated) { report.failures += 1; continue }
    report.sessions.push(r.sessionId)
    report.users.push(r.user.id)
    report.amr.push(r.amr.join(' '))
  }
  const sync = gate.authenticateSync(cookies[0])
  report.sync = [sync.authenticated, sync.sessionId]
  report.bad = await gate.authenticate(cookies[0].slice(0, -8))
  try { new sg.SessionGate({}) } catch (e) { report.configError = [e.code, e instanceof sg.ConfigurationError] }
  report.threadOk = true
  parentPort.postMessage(report)
})().catch((e) => parentPort.postMessage({ crashed: String(e && e.stack) }))
`

it(`${WORKERS} worker threads, each with its own gate, authenticate correctly`, async () => {
  const sealer = new SessionGate(h.gateOptions())
  const plans = Array.from({ length: WORKERS }, (_, w) => {
    const cookies = [0, 1, 2].map((j) =>
      sealer.sealSession({
        accessToken: h.signToken(h.claims({ sub: `user_w${w}_${j}`, sid: `session_w${w}_${j}`, amr: j % 2 ? ['pwd'] : ['pwd', 'mfa'] })),
        refreshToken: h.REFRESH_TOKEN,
        user: { ...h.USER, id: `user_w${w}_${j}` },
      }),
    )
    // Odd workers also try a gate whose keys were never fetched.
    const options = { clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD, jwks: h.peer.jwks }
    return { options, cookies, calls: CALLS, remote: w % 2 === 1 }
  })
  const reports = await Promise.all(
    plans.map(
      (plan) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(WORKER, { eval: true, workerData: plan })
          worker.once('message', (report) => {
            resolve(report)
            worker.terminate()
          })
          worker.once('error', reject)
          worker.once('exit', (code) => code !== 0 && code !== 1 && reject(new Error(`worker exited with ${code}`)))
        }),
    ),
  )
  reports.forEach((report, w) => {
    assert.equal(report.crashed, undefined, report.crashed)
    assert.equal(report.threadOk, true)
    assert.equal(report.failures, 0)
    assert.equal(report.sessions.length, CALLS)
    report.sessions.forEach((sid, i) => {
      assert.equal(sid, `session_w${w}_${i % 3}`)
      assert.equal(report.users[i], `user_w${w}_${i % 3}`)
      assert.equal(report.amr[i], (i % 3) % 2 ? 'pwd' : 'pwd mfa')
    })
    assert.deepEqual(report.sync, [true, `session_w${w}_0`])
    assert.deepEqual(report.bad, { authenticated: false, reason: 'invalid_session_cookie', detail: report.bad.detail })
    assert.deepEqual(report.configError, ['ERR_SESSIONGATE_CONFIG', true])
    assert.deepEqual(report.syncErrors, w % 2 ? [['ERR_SESSIONGATE_JWKS_NOT_CACHED', true, true, true]] : [])
  })
  // The main thread's addon still works after the workers are gone.
  assert.equal(sealer.authenticateSync(plans[0].cookies[0]).sessionId, 'session_w0_0')
})
