// The Next.js suite: this App Router app, built by `next build` without secrets and served by
// `next start`, with sessiongate/next beside the real @workos-inc/authkit-nextjs (which seals
// the cookies and runs its proxy), against the WorkOS API double, and headless Chromium
// (Debian's) rendering the client component. `cargo xtask test node` builds the app and runs it.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { startDouble } = require('../_double.js')
const { chromium } = require('playwright-core')

const APP = fileURLToPath(new URL('.', import.meta.url))
const PASSWORD = 'a-next-cookie-password-of-at-least-32-chars'
const USER = { object: 'user', id: 'user_01NEXT', email: 'next@example.com', first_name: 'Nina', last_name: 'Next', email_verified: true }

/** @type {Awaited<ReturnType<typeof startDouble>>} */
let double
/** @type {import('node:child_process').ChildProcess} */
let server
/** @type {import('playwright-core').Browser} */
let browser
let base = ''

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address())
      probe.close(() => resolve(port))
    })
  })
}

/** Starts `next start` on a free port and waits until it answers (its output shown on failure). */
async function startApp() {
  const port = await freePort()
  const api = new URL(double.url)
  let output = ''
  server = spawn(process.execPath, [require.resolve('next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP,
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      SESSIONGATE_TEST_APP: '1',
      WORKOS_CLIENT_ID: double.clientId,
      WORKOS_API_KEY: double.apiKey,
      WORKOS_COOKIE_PASSWORD: PASSWORD,
      WORKOS_API_HOSTNAME: api.hostname,
      WORKOS_API_PORT: api.port,
      WORKOS_API_HTTPS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout?.on('data', (chunk) => (output += chunk))
  server.stderr?.on('data', (chunk) => (output += chunk))
  base = `http://127.0.0.1:${port}`
  for (let tries = 0; tries < 150; tries++) {
    if (server.exitCode !== null) throw new Error(`next start exited (${server.exitCode}):\n${output}`)
    try {
      await fetch(`${base}/api/me`)
      return () => output
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`next start did not answer in 15 s:\n${output}`)
}

/**
 * A cookie sealed by authkit-nextjs's own saveSession for a session the double issued.
 * @param {string[]} amr
 * @param {{ expired?: boolean }} [options] an access token that expired an hour ago (its refresh token still good)
 */
async function authkitCookie(amr, { expired = false } = {}) {
  const now = Math.floor(Date.now() / 1000)
  if (expired) await double.clock(now - 7200)
  const issued = await double.post('/_double/sessions', { user: USER, amr, auth_time: expired ? now - 7200 : now - 60 })
  if (expired) await double.clock(null)
  const answer = await fetch(`${base}/test-sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user }),
  })
  assert.equal(answer.status, 200, await answer.text())
  return cookieFrom(answer)
}

/** The `wos-session` value a response sets, if any. */
function cookieFrom(/** @type {Response} */ answer) {
  const set = answer.headers.getSetCookie().find((line) => line.startsWith('wos-session='))
  return set === undefined ? undefined : set.slice('wos-session='.length, set.indexOf(';'))
}

function get(path, cookie, init = {}) {
  return fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: cookie ? { cookie: `wos-session=${cookie}` } : {} })
}

describe('sessiongate/next in a Next.js app', () => {
  /** @type {() => string} */
  let serverOutput = () => ''
  before(async () => {
    double = await startDouble()
    serverOutput = await startApp()
    const executablePath = process.env.SESSIONGATE_CHROMIUM
    if (!executablePath) throw new Error('SESSIONGATE_CHROMIUM is not set: run the suite with `cargo xtask test node`')
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  })
  after(async () => {
    await browser?.close()
    server?.kill()
    double?.stop()
  })

  test('a server component and a client component (useAuth, in Chromium) show the amr of a cookie authkit sealed', async () => {
    const cookie = await authkitCookie(['pwd', 'mfa'])
    const context = await browser.newContext()
    await context.addCookies([{ name: 'wos-session', value: cookie, url: base }])
    const page = await context.newPage()
    await page.goto(`${base}/`)
    await page.waitForSelector('#client[data-hydrated="yes"]', { timeout: 15_000 })
    assert.equal(await page.textContent('#server-user'), USER.email)
    assert.equal(await page.textContent('#server-amr'), 'pwd mfa')
    assert.equal(await page.textContent('#client-user'), USER.email)
    assert.equal(await page.textContent('#client-amr'), 'pwd mfa')
    // No token reaches the browser unless the provider is asked: not in the rendered page either.
    assert.equal(await page.textContent('#client-token'), 'no token')
    assert.ok(!(await page.content()).includes(cookie.slice(0, 40)))
    await context.close()
  })

  test('a route handler gets withAuth()\'s fields with amr, acr and authTime', async () => {
    const cookie = await authkitCookie(['pwd', 'mfa'])
    const answer = await get('/api/me', cookie)
    assert.equal(answer.status, 200)
    const me = await answer.json()
    assert.equal(me.user.email, USER.email)
    assert.equal(me.user.id, USER.id)
    assert.deepEqual(me.amr, ['pwd', 'mfa'])
    assert.match(me.sessionId, /^session_/)
    assert.equal(typeof me.authTime, 'number')
    assert.equal(me.hasAccessToken, true)
  })

  test('signed out: { user: null }, and ensureSignedIn redirects', async () => {
    assert.deepEqual(await (await get('/api/me')).json(), { user: null, hasAccessToken: false })
    const garbage = await get('/api/me', 'Fe26.2*1*not-a-cookie')
    assert.deepEqual(await garbage.json(), { user: null, hasAccessToken: false })
    const account = await get('/account')
    assert.equal(account.status, 307)
    assert.equal(new URL(account.headers.get('location') ?? '', base).pathname, '/sign-in')
  })

  test('requireStepUp: 403 with the RFC 9470 body for a password-only session, 401 without one, the route with MFA', async () => {
    const password = await get('/api/admin', await authkitCookie(['pwd']), { method: 'POST' })
    assert.equal(password.status, 403)
    const body = await password.json()
    assert.equal(body.error, 'insufficient_user_authentication')
    assert.equal(body.max_age, 600)
    assert.equal(typeof body.error_description, 'string')
    const none = await get('/api/admin', undefined, { method: 'POST' })
    assert.equal(none.status, 401)
    assert.equal((await none.json()).authenticated, false)
    const mfa = await get('/api/admin', await authkitCookie(['pwd', 'mfa']), { method: 'POST' })
    assert.equal(mfa.status, 200)
    assert.deepEqual(await mfa.json(), { ok: true, email: USER.email })
  })

  test('the session authkit\'s proxy just refreshed is read from x-workos-session on the same request', async () => {
    const expired = await authkitCookie(['pwd', 'mfa'], { expired: true })
    // The cookie alone is refused: its access token expired an hour ago...
    const sessiongate = require('sessiongate')
    const direct = await sessiongate
      .loadSealedSession({ sessionData: expired, cookiePassword: PASSWORD, clientId: double.clientId, jwksUrl: double.jwksUrl })
      .authenticate()
    assert.equal(direct.authenticated, false)
    assert.equal(direct.reason, 'invalid_jwt')
    // ...but authkit's proxy refreshes it and passes the new session on: this request is signed in.
    const answer = await get('/api/me', expired)
    assert.equal(answer.status, 200, serverOutput())
    const me = await answer.json()
    assert.equal(me.user?.email, USER.email, JSON.stringify(me))
    assert.deepEqual(me.amr, ['pwd', 'mfa'])
    const renewed = cookieFrom(answer)
    assert.ok(renewed && renewed !== expired, 'authkit sets the refreshed cookie on the response')
  })

  test('on the Edge runtime ("edge-light"), importing sessiongate/next says to use the Node.js runtime', () => {
    const edge = spawnSync(process.execPath, ['--conditions=edge-light', '-e', "require('sessiongate/next')"], { cwd: APP, encoding: 'utf8' })
    assert.notEqual(edge.status, 0)
    assert.match(edge.stderr, /runs on the Node\.js runtime .*use proxy\.ts/)
    const node = spawnSync(process.execPath, ['-e', "console.log(typeof require('sessiongate/next').withAuth)"], { cwd: APP, encoding: 'utf8' })
    assert.equal(node.stdout.trim(), 'function', node.stderr)
  })
})
