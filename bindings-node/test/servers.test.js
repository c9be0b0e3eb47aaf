'use strict'
// Issue 18, item 5: the Express middleware and the Fastify hook, on real servers on 127.0.0.1
// (real HTTP, fetch), give Python's helpers' answers: 401 with the refusal, 403 with the RFC 9470
// body for a step-up denial, 503 + Retry-After keeping the cookie during an outage, and with
// `refresh: true` a renewed cookie set or a dead one deleted. Sessions come from the API double,
// their cookies sealed by iron-session (authkit-nextjs's encryptSession: sealData with ttl 0).
const assert = require('node:assert/strict')
const { describe, it, before, after } = require('node:test')
const express = require('express')
const Fastify = require('fastify')
const { sealData } = require('iron-session')
const { WorkOS } = require('@workos-inc/node')
const { SessionGate, StepUpPolicy } = require('sessiongate')
const sgExpress = require('sessiongate/express')
const sgFastify = require('sessiongate/fastify')
const { startDouble } = require('./_double')

const PASSWORD = 'a-cookie-password-for-the-server-helper-tests'
const MFA = new StepUpPolicy({ amrAnyOf: ['mfa'] })

/** Express on 127.0.0.1: /me (session), /admin (step-up). Resolves its base URL and closer. */
async function expressServer(gate, options) {
  const app = express()
  const view = (req, res) => res.json({ sessionId: req.sessiongate.sessionId, amr: req.sessiongate.amr })
  app.get('/me', sgExpress.requireSession(gate, options), view)
  app.get('/admin', sgExpress.requireStepUp(gate, MFA, options), view)
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }
}

async function fastifyServer(gate, options) {
  const app = Fastify()
  const view = async (request) => ({ sessionId: request.sessiongate.sessionId, amr: request.sessiongate.amr })
  app.get('/me', { preHandler: sgFastify.requireSession(gate, options) }, view)
  app.get('/admin', { preHandler: sgFastify.requireStepUp(gate, MFA, options) }, view)
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}

const SERVERS = { express: expressServer, fastify: fastifyServer }

async function get(server, path, cookies = {}) {
  const cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ')
  const response = await fetch(server.url + path, { headers: cookie ? { cookie } : {} })
  return { status: response.status, body: await response.json(), setCookies: response.headers.getSetCookie(), headers: response.headers }
}

describe('the Express middleware and the Fastify hook', () => {
  let double
  before(async () => { double = await startDouble() })
  after(() => double?.stop())

  const gateFor = (extra = {}) => new SessionGate({ clientId: double.clientId, cookiePassword: PASSWORD, apiKey: double.apiKey, apiBaseUrl: double.url, ...extra })

  /** A session whose token was issued `age` seconds ago (valid 300 s), sealed by iron-session. */
  async function signedIn(_gate, amr, age = 0) {
    const now = Math.floor(Date.now() / 1000)
    await double.clock(now - age)
    const issued = await double.post('/_double/sessions', { user: { object: 'user', id: 'user_01SRV', email: 'srv@example.com' }, amr, auth_time: now - age })
    await double.clock(null)
    return sealData({ accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user }, { password: PASSWORD, ttl: 0 })
  }

  /**
   * The session handling of @workos-inc/node's Express guide (load the sealed session,
   * authenticate, else refresh and set the new cookie, else back to login), written once
   * against `userManagement`: the SDK's or a gate, the only line a switch changes.
   */
  function guideApp(userManagement) {
    const app = express()
    app.get('/dashboard', async (req, res) => {
      const cookie = (req.headers.cookie ?? '').split('; ').find((c) => c.startsWith('wos-session='))?.slice('wos-session='.length)
      const session = userManagement.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD })
      const authResult = await session.authenticate()
      if (authResult.authenticated) return res.json({ user: authResult.user.email, via: 'authenticate' })
      if (authResult.reason === 'no_session_cookie_provided') return res.redirect('/login')
      try {
        const refreshResult = await session.refresh()
        if (!refreshResult.authenticated) return res.redirect('/login')
        res.cookie('wos-session', refreshResult.sealedSession, { path: '/', httpOnly: true, secure: true, sameSite: 'lax' })
        return res.json({ user: refreshResult.session.user.email, via: 'refresh' })
      } catch {
        res.clearCookie('wos-session')
        return res.redirect('/login')
      }
    })
    return app
  }

  it('@workos-inc/node\'s Express guide flow runs unchanged on a gate, over HTTP', async () => {
    const { port } = new URL(double.url)
    const workos = new WorkOS(double.apiKey, { clientId: double.clientId, apiHostname: '127.0.0.1', https: false, port: Number(port) })
    const outcomes = {}
    for (const [name, userManagement] of [['workos', workos.userManagement], ['sessiongate', gateFor()]]) {
      const server = await new Promise((resolve) => { const s = guideApp(userManagement).listen(0, '127.0.0.1', () => resolve(s)) })
      const url = `http://127.0.0.1:${server.address().port}/dashboard`
      try {
        const outcome = {}
        // Each side gets its own sessions: a refresh token is spent once.
        for (const [label, cookie] of [['valid', await signedIn(null, ['pwd', 'mfa'])], ['expired', await signedIn(null, ['pwd', 'mfa'], 400)], ['missing', undefined]]) {
          const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie: `wos-session=${cookie}` } : {} })
          const renewed = response.headers.getSetCookie().some((c) => c.startsWith('wos-session=Fe26.2'))
          outcome[label] = [response.status, response.status === 200 ? await response.json() : null, renewed]
        }
        outcomes[name] = outcome
      } finally {
        await new Promise((r) => server.close(r))
      }
    }
    assert.deepEqual(outcomes.sessiongate, outcomes.workos)
    assert.deepEqual(outcomes.workos, {
      valid: [200, { user: 'srv@example.com', via: 'authenticate' }, false],
      expired: [200, { user: 'srv@example.com', via: 'refresh' }, true],
      missing: [302, null, false],
    })
  })

  it('both load as CommonJS and as ES modules, with named exports', async () => {
    for (const [specifier, required] of [['sessiongate/express', sgExpress], ['sessiongate/fastify', sgFastify]]) {
      const imported = await import(specifier)
      assert.equal(imported.requireSession, required.requireSession)
      assert.equal(imported.requireStepUp, required.requireStepUp)
    }
  })

  for (const [name, start] of Object.entries(SERVERS)) {
    it(`${name}: sessions, step-up and refusals`, async () => {
      const gate = gateFor()
      const server = await start(gate, { cookieName: 'wos_session' })
      try {
        assert.deepEqual((await get(server, '/me')).body, { authenticated: false, reason: 'no_session_cookie_provided', detail: 'empty_cookie' })
        assert.equal((await get(server, '/me')).status, 401)
        const passwordOnly = await signedIn(gate, ['pwd'])
        const me = await get(server, '/me', { wos_session: passwordOnly })
        assert.deepEqual([me.status, me.body.amr, me.setCookies], [200, ['pwd'], []])
        const denied = await get(server, '/admin', { wos_session: passwordOnly })
        assert.equal(denied.status, 403)
        assert.equal(denied.body.error, 'insufficient_user_authentication')
        assert.equal(denied.headers.get('www-authenticate'), null)
        const withMfa = await signedIn(gate, ['pwd', 'mfa'])
        assert.deepEqual((await get(server, '/admin', { wos_session: withMfa })).body.amr, ['pwd', 'mfa'])
        assert.equal((await get(server, '/me', { 'wos-session': withMfa })).status, 401)
        assert.equal((await get(server, '/me', { wos_session: 'garbage' })).body.reason, 'invalid_session_cookie')
      } finally {
        await server.close()
      }
    })

    it(`${name}: an outage is a 503 that keeps the cookie`, async () => {
      const cookie = await signedIn(gateFor(), ['pwd', 'mfa'])
      const dead = new SessionGate({ clientId: double.clientId, cookiePassword: PASSWORD, jwksUrl: 'http://127.0.0.1:9/jwks' })
      const server = await start(dead, {})
      try {
        const answer = await get(server, '/me', { 'wos-session': cookie })
        assert.deepEqual([answer.status, answer.body], [503, { error: 'temporarily_unavailable', code: 'jwks_unavailable' }])
        assert.equal(answer.headers.get('retry-after'), '1')
        assert.deepEqual(answer.setCookies, [])
      } finally {
        await server.close()
      }
    })

    it(`${name}: renewal sets the refreshed cookie and deletes a dead one`, async () => {
      const gate = gateFor()
      const server = await start(gate, { refresh: true, cookieSecure: true })
      try {
        const expired = await signedIn(gate, ['pwd', 'mfa'], 400)
        const renewed = await get(server, '/admin', { 'wos-session': expired })
        assert.deepEqual([renewed.status, renewed.body.amr], [200, ['pwd', 'mfa']])
        assert.equal(renewed.setCookies.length, 1)
        assert.match(renewed.setCookies[0], /^wos-session=Fe26\.2\*[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure$/)
        const value = renewed.setCookies[0].split(';')[0].slice('wos-session='.length)
        assert.equal((await gate.authenticate(value)).authenticated, true)
        const ended = await signedIn(gate, ['pwd'], 400)
        await fetch(gate.getLogoutUrl(ended), { redirect: 'manual' })
        const dead = await get(server, '/me', { 'wos-session': ended })
        assert.equal(dead.status, 401)
        assert.deepEqual(dead.setCookies, ['wos-session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure'])
      } finally {
        await server.close()
      }
    })
  }
})
