'use strict'
// Refresh across a fleet (issue 16) with real processes on one real Redis: 4 Node processes,
// then 2 Node and 2 Python processes mixed (both with the same secrets), 10 concurrent requests
// each with the same expired cookie -> exactly one call to the API double (which keeps no replay
// grace: a second exchange would be `invalid_grant`), and every response carries the same new
// cookie. The coordinator's status from Node, with Redis up and down, and its option's errors.
// Redis is `SESSIONGATE_REDIS_SERVER` and the Python workers run on `SESSIONGATE_PYTHON` (the
// Python binding's venv), both set by `cargo xtask test node`; either missing fails the suite.
const assert = require('node:assert/strict')
const net = require('node:net')
const path = require('node:path')
const readline = require('node:readline')
const { spawn } = require('node:child_process')
const { describe, it, before, after } = require('node:test')
const { SessionGate, ConfigurationError } = require('sessiongate')
const { startDouble } = require('./_double')

const SECRET = 'ZmxlZXQtc3VpdGUtY29va2llLXNlY3JldC0zMmJ5dGU='
const T0 = 1_800_000_000
const NODE_WORKER = path.join(__dirname, '_fleet_worker.js')
const PYTHON_WORKER = path.join(__dirname, '..', '..', 'bindings-python', 'tests', 'fleet_worker.py')

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address())
      server.close(() => resolve(port))
    })
    server.once('error', reject)
  })

/** A real redis-server on a free port; `stop()` kills it. */
async function startRedis() {
  const binary = process.env.SESSIONGATE_REDIS_SERVER
  if (!binary) throw new Error('SESSIONGATE_REDIS_SERVER is not set: run the suite with `cargo xtask test node`')
  const port = await freePort()
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const deadline = Date.now() + 10_000
  for (;;) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket.end() && true))
      socket.once('error', () => resolve(false))
    })
    if (up) break
    if (Date.now() > deadline) throw new Error('redis-server did not start')
    await new Promise((r) => setTimeout(r, 20))
  }
  return { port, url: `redis://127.0.0.1:${port}/0`, stop: () => child.kill('SIGKILL') }
}

let double
before(async () => {
  double = await startDouble(['--grace-ms', '0'])
})
after(() => double?.stop())

const gateOn = (refreshCoordinator) =>
  new SessionGate({ clientId: double.clientId, cookiePassword: SECRET, apiKey: double.apiKey, apiBaseUrl: double.url, refreshCoordinator })

const calls = async () => (await double.get('/_double/stats')).authenticate ?? 0

async function expiredCookie(gate, email) {
  await double.clock(T0)
  const issued = await double.post('/_double/sessions', {
    user: { object: 'user', id: `user_${email}`, email },
    organization_id: 'org_01FLEET',
    amr: ['pwd', 'mfa'],
    auth_time: T0 - 10,
  })
  const sealed = gate.sealSession({ accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user, organizationId: 'org_01FLEET' }, { format: 'iron' })
  await double.clock(T0 + 400)
  return sealed
}

/** Starts the workers (`node` or `python` each), lets each build its gate, then releases them together. */
async function race(kinds, redis, cookie) {
  const config = JSON.stringify({ client_id: double.clientId, api_key: double.apiKey, api_base_url: double.url, secret: SECRET, redis, now: T0 + 400, requests: 10 })
  const python = process.env.SESSIONGATE_PYTHON
  const workers = kinds.map((kind) => {
    if (kind === 'python' && !python) throw new Error('SESSIONGATE_PYTHON is not set: run the suite with `cargo xtask test node`')
    const [program, script] = kind === 'node' ? [process.execPath, NODE_WORKER] : [python, PYTHON_WORKER]
    const child = spawn(program, [script, config], { stdio: ['pipe', 'pipe', 'inherit'] })
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    const exited = new Promise((resolve) => child.once('exit', resolve))
    return { child, lines, exited }
  })
  for (const w of workers) {
    w.child.stdin.write(cookie + '\n')
    assert.deepEqual(JSON.parse((await w.lines.next()).value), { ready: true })
  }
  for (const w of workers) w.child.stdin.write('go\n')
  const reports = []
  for (const w of workers) {
    const line = (await w.lines.next()).value
    assert.equal(await w.exited, 0)
    reports.push(JSON.parse(line))
  }
  return reports
}

async function oneCallForTheFleet(kinds, email) {
  const redis = await startRedis()
  try {
    const cookie = await expiredCookie(gateOn(redis.url), email)
    const before = await calls()
    const reports = await race(kinds, redis.url, cookie)
    const outcomes = reports.flatMap((r) => r.outcomes)
    assert.equal(outcomes.length, 10 * kinds.length)
    assert.ok(outcomes.every((o) => typeof o.cookie === 'string'), JSON.stringify(outcomes))
    assert.equal(new Set(outcomes.map((o) => o.cookie)).size, 1, 'every response carries the same new cookie')
    assert.equal((await calls()) - before, 1, 'one rotation for the whole fleet')
    const statuses = reports.map((r) => r.status)
    assert.ok(statuses.every((s) => s.kind === 'redis' && s.available && s.fallbacks === 0), JSON.stringify(statuses))
    assert.ok(statuses.reduce((n, s) => n + s.shared, 0) >= kinds.length - 1, 'the other processes took the result from Redis')
    const auth = await gateOn(undefined).authenticate(outcomes[0].cookie, { now: T0 + 400 })
    assert.equal(auth.authenticated, true)
    assert.deepEqual(auth.amr, ['pwd', 'mfa'])
  } finally {
    redis.stop()
  }
}

describe('refresh coordinator (Redis)', () => {
  it('40 requests on 4 Node processes make one API call and get one cookie', () => oneCallForTheFleet(['node', 'node', 'node', 'node'], 'ada@example.com'))

  it('2 Node and 2 Python processes on one Redis make one API call and get one cookie', () =>
    oneCallForTheFleet(['node', 'python', 'node', 'python'], 'mixed@example.com'))

  it('without a coordinator, the same race logs users out (the control)', async () => {
    const cookie = await expiredCookie(gateOn(undefined), 'bob@example.com')
    const before = await calls()
    const outcomes = (await race(['node', 'node', 'node', 'node'], null, cookie)).flatMap((r) => r.outcomes)
    assert.ok((await calls()) - before >= 2)
    assert.ok(outcomes.some((o) => o.refused === 'invalid_grant'), JSON.stringify(outcomes))
  })

  it('status: in process by default; Redis down is a fallback, never a failed request, and no password shown', async () => {
    assert.deepEqual(gateOn(undefined).refreshCoordinatorStatus(), {
      kind: 'in_process', url: undefined, available: true, fallbacks: 0, shared: 0, refusedValues: 0, lastError: undefined,
    })
    const redis = await startRedis()
    const gate = gateOn(`redis://:s3cr3t-pass@127.0.0.1:${redis.port}/0`)
    redis.stop()
    await new Promise((r) => setTimeout(r, 100))
    const result = await gate.refresh(await expiredCookie(gate, 'dan@example.com'), { now: T0 + 400 })
    assert.equal(result.authenticated, true, 'Redis down never fails a request')
    const status = gate.refreshCoordinatorStatus()
    assert.equal(status.kind, 'redis')
    assert.equal(status.available, false)
    assert.equal(status.fallbacks, 1)
    assert.ok(status.lastError)
    assert.ok(!JSON.stringify(status).includes('s3cr3t'), JSON.stringify(status))
  })

  it('a bad coordinator option is a ConfigurationError', () => {
    assert.throws(() => gateOn('http://127.0.0.1:6379'), (e) => e instanceof ConfigurationError && /redis:\/\//.test(e.message))
    assert.throws(() => gateOn(6379), (e) => e instanceof ConfigurationError && /refreshCoordinator/.test(e.message))
    assert.throws(
      () => new SessionGate({ clientId: double.clientId, cookiePassword: SECRET, apiBaseUrl: double.url, refreshCoordinator: 'redis://127.0.0.1', refreshCoordinatorTimeoutSeconds: 0 }),
      (e) => e instanceof ConfigurationError && /refresh_coordinator_timeout_seconds/.test(e.message),
    )
  })
})
