'use strict'
// Interop with the real packages: @workos-inc/node 11.0.0 and iron-session 8.0.4.
// Cookies they seal authenticate here with the same 12 fields (+ amr); cookies sealed here
// authenticate in the SDK and unseal in iron-session.
const assert = require('node:assert/strict')
const { describe, it, before, after } = require('node:test')
const { WorkOS } = require('@workos-inc/node')
const ironSession = require('iron-session')
const { SessionGate } = require('sessiongate')
const h = require('./_helpers')

const SDK_KEYS = [
  'authenticated', 'sessionId', 'organizationId', 'role', 'roles', 'permissions', 'entitlements',
  'featureFlags', 'user', 'authenticationMethod', 'impersonator', 'accessToken',
]
const pick = (result) => Object.fromEntries(SDK_KEYS.map((k) => [k, result[k]]))

describe('interop with @workos-inc/node 11.0.0 and iron-session 8.0.4', () => {
  let server
  let workos
  // The claims of the first token, kept: `h.claims()` later may be a second further on.
  const firstClaims = h.claims()
  let accessToken = h.signToken(firstClaims)
  const gate = new SessionGate(h.gateOptions())

  before(async () => {
    server = await h.startServer(h.workosRoutes({ accessToken: () => accessToken }))
    workos = new WorkOS('sk_test_sessiongate_interop', {
      clientId: h.CLIENT_ID,
      apiHostname: '127.0.0.1',
      https: false,
      port: server.port,
    })
  })
  after(() => server.close())

  const sdkAuthenticate = (cookie) =>
    workos.userManagement.loadSealedSession({ sessionData: cookie, cookiePassword: h.PASSWORD }).authenticate()

  async function sdkSeal() {
    const response = await workos.userManagement.authenticateWithCode({
      clientId: h.CLIENT_ID,
      code: 'code_01NODETEST',
      session: { sealSession: true, cookiePassword: h.PASSWORD },
    })
    assert.match(response.sealedSession, /^Fe26\.2\*1\*/)
    return response.sealedSession
  }

  it('a cookie sealed by the SDK (authenticateWithCode) authenticates with the same 12 fields + amr', async () => {
    const cookie = await sdkSeal()
    const theirs = await sdkAuthenticate(cookie)
    assert.equal(theirs.authenticated, true)
    assert.deepEqual(Object.keys(theirs), SDK_KEYS)
    assert.equal('amr' in theirs, false, 'the SDK drops amr')
    for (const ours of [await gate.authenticate(cookie), await gate.loadSealedSession({ sessionData: cookie }).authenticate()]) {
      assert.deepStrictEqual(pick(ours), theirs)
      assert.deepEqual(Object.keys(ours).slice(0, 12), SDK_KEYS)
      assert.deepEqual(ours.amr, ['pwd', 'mfa'])
      assert.equal(ours.authTime, firstClaims.auth_time)
      assert.equal(ours.format, 'iron')
      assert.equal(ours.authenticationMethod, 'Password')
      assert.equal(ours.user.email, h.USER.email)
    }
  })

  it('a password-only session: amr is ["pwd"], everything else as the SDK', async () => {
    accessToken = h.signToken(h.claims({ amr: ['pwd'], org_id: undefined, role: undefined, roles: undefined }))
    try {
      const cookie = await sdkSeal()
      const theirs = await sdkAuthenticate(cookie)
      const ours = await gate.authenticate(cookie)
      assert.deepStrictEqual(pick(ours), theirs)
      assert.equal(ours.organizationId, undefined)
      assert.ok(Object.hasOwn(ours, 'organizationId'))
      assert.deepEqual(ours.amr, ['pwd'])
    } finally {
      accessToken = h.signToken(h.claims())
    }
  })

  it("a cookie sealed by iron-session's sealData with the SDK's options authenticates", async () => {
    const payload = {
      accessToken,
      refreshToken: h.REFRESH_TOKEN,
      user: h.USER,
      impersonator: { email: 'admin@example.com', reason: 'support ticket 42' },
      authenticationMethod: 'GoogleOAuth',
    }
    const cookie = await ironSession.sealData(payload, { password: h.PASSWORD, ttl: 0 })
    const theirs = await sdkAuthenticate(cookie)
    const ours = await gate.authenticate(cookie)
    assert.equal(theirs.authenticated, true)
    assert.deepStrictEqual(pick(ours), theirs)
    assert.deepEqual(ours.impersonator, payload.impersonator)
    assert.deepEqual(ours.amr, ['pwd', 'mfa'])
  })

  it('a cookie sealed by sessiongate authenticates in the SDK and unseals in iron-session', async () => {
    const session = {
      accessToken,
      refreshToken: h.REFRESH_TOKEN,
      user: h.USER,
      impersonator: { email: 'admin@example.com', reason: null },
      authenticationMethod: 'Password',
    }
    const cookie = gate.sealSession(session, { format: 'iron' })
    assert.match(cookie, /^Fe26\.2\*1\*[0-9a-f]{64}\*/)
    assert.ok(cookie.endsWith('~2'))
    const theirs = await sdkAuthenticate(cookie)
    assert.equal(theirs.authenticated, true, `SDK refused: ${theirs.reason}`)
    const ours = await gate.authenticate(cookie)
    assert.deepStrictEqual(pick(ours), theirs)
    const unsealed = await ironSession.unsealData(cookie, { password: h.PASSWORD, ttl: 0 })
    assert.deepStrictEqual(unsealed, session)
    // The default format is iron, too.
    const byDefault = gate.sealSession(session)
    assert.deepStrictEqual(await ironSession.unsealData(byDefault, { password: h.PASSWORD, ttl: 0 }), session)
  })

  it('sealData interoperates with iron-session both ways', async () => {
    const data = { hello: 'world', n: 1, nested: { list: [1, 'two', null] } }
    const ours = gate.sealData(data)
    assert.deepStrictEqual(await ironSession.unsealData(ours, { password: h.PASSWORD, ttl: 0 }), data)
    const theirs = await ironSession.sealData(data, { password: h.PASSWORD, ttl: 0 })
    assert.deepStrictEqual(gate.unsealData(theirs), { format: 'iron', data })
  })

  it('a Fernet session (workos-python format) sealed here authenticates here', async () => {
    const fernetKey = Buffer.alloc(32, 7).toString('base64url') + '='
    const both = new SessionGate(h.gateOptions({ cookiePassword: [fernetKey, h.PASSWORD] }))
    const cookie = both.sealSession(
      { accessToken, refreshToken: h.REFRESH_TOKEN, user: h.USER },
      { format: 'fernet' },
    )
    assert.match(cookie, /^gAAAAA/)
    const unsealed = both.unsealData(cookie)
    assert.equal(unsealed.format, 'fernet')
    assert.deepEqual(Object.keys(unsealed.data), ['access_token', 'refresh_token', 'user'])
    const ours = await both.authenticate(cookie)
    assert.equal(ours.authenticated, true)
    assert.equal(ours.format, 'fernet')
    assert.deepEqual(ours.amr, ['pwd', 'mfa'])
    // Rotation: the SDK's iron cookie still opens with the second password.
    const iron = await sdkSeal()
    assert.equal((await both.authenticate(iron)).authenticated, true)
  })
})

describe('refresh interop with @workos-inc/node 11.0.0, against the WorkOS API double', () => {
  const { startDouble } = require('./_double')
  const PASSWORD = 'an-iron-cookie-password-for-the-refresh-interop'
  let double
  let workos
  let gate
  before(async () => {
    double = await startDouble()
    // Real time: the SDK verifies tokens against the clock.
    await double.clock(null)
    const { port } = new URL(double.url)
    workos = new WorkOS(double.apiKey, { clientId: double.clientId, apiHostname: '127.0.0.1', https: false, port: Number(port) })
    gate = new SessionGate({ clientId: double.clientId, cookiePassword: PASSWORD, apiKey: double.apiKey, apiBaseUrl: double.url })
  })
  after(() => double?.stop())

  const loadSealed = (cookie) => workos.userManagement.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD })

  /** A signed-in session with MFA, sealed in iron by sessiongate. */
  async function signedIn() {
    const issued = await double.post('/_double/sessions', {
      user: { object: 'user', id: 'user_01INTEROP', email: 'ada@example.com' },
      organization_id: 'org_01INTEROP',
      amr: ['pwd', 'mfa'],
      auth_time: Math.floor(Date.now() / 1000) - 60,
    })
    const cookie = gate.sealSession({ accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user, authenticationMethod: 'Password' })
    return { cookie, issued }
  }

  it('a cookie refreshed by sessiongate opens in the SDK (loadSealedSession().authenticate())', async () => {
    const { cookie, issued } = await signedIn()
    const refreshed = await gate.refresh(cookie)
    assert.equal(refreshed.authenticated, true, `${refreshed.reason} (${refreshed.detail})`)
    assert.match(refreshed.sealedSession, /^Fe26\.2\*1\*/)
    const theirs = await loadSealed(refreshed.sealedSession).authenticate()
    assert.equal(theirs.authenticated, true, `SDK refused: ${theirs.reason}`)
    assert.deepStrictEqual(pick(await gate.authenticate(refreshed.sealedSession)), theirs)
    assert.equal(theirs.sessionId, issued.session_id)
    assert.equal(theirs.accessToken, refreshed.session.accessToken)
    assert.notEqual(theirs.accessToken, issued.access_token, 'the new token')
    assert.deepEqual(refreshed.session.amr, ['pwd', 'mfa'])
    // The SDK can refresh what sessiongate refreshed (the rotated refresh token is in it).
    const again = await loadSealed(refreshed.sealedSession).refresh()
    assert.equal(again.authenticated, true, `SDK refresh refused: ${again.reason}`)
  })

  it('a cookie the SDK refreshed (session.refresh()) opens in sessiongate, amr kept', async () => {
    const { cookie, issued } = await signedIn()
    const before = (await double.get('/_double/stats')).authenticate
    const theirs = await loadSealed(cookie).refresh()
    assert.equal(theirs.authenticated, true, `SDK refresh refused: ${theirs.reason}`)
    assert.equal((await double.get('/_double/stats')).authenticate, before + 1)
    const ours = await gate.authenticate(theirs.sealedSession)
    assert.equal(ours.authenticated, true, `${ours.reason} (${ours.detail})`)
    assert.equal(ours.format, 'iron')
    assert.equal(ours.sessionId, issued.session_id)
    assert.deepEqual(ours.amr, ['pwd', 'mfa'])
    assert.equal(ours.user.id, 'user_01INTEROP')
    // And sessiongate refreshes it in turn.
    const next = await gate.refresh(theirs.sealedSession)
    assert.equal(next.authenticated, true, `${next.reason} (${next.detail})`)
  })
})

describe('drop-in (issue 18): the SDK\'s documented session handling runs unchanged on a gate', () => {
  const { startDouble } = require('./_double')
  const sessiongate = require('sessiongate')
  const PASSWORD = 'an-iron-cookie-password-for-the-drop-in-test'
  let double
  let workos
  let gate
  before(async () => {
    double = await startDouble()
    await double.clock(null)
    const { port } = new URL(double.url)
    workos = new WorkOS(double.apiKey, { clientId: double.clientId, apiHostname: '127.0.0.1', https: false, port: Number(port) })
    gate = new SessionGate({ clientId: double.clientId, cookiePassword: PASSWORD, apiKey: double.apiKey, apiBaseUrl: double.url })
  })
  after(() => double?.stop())

  /** A session sealed in iron, its token issued `age` seconds ago (valid 300 s). */
  async function cookieOf(age) {
    await double.clock(Math.floor(Date.now() / 1000) - age)
    const issued = await double.post('/_double/sessions', {
      user: { object: 'user', id: 'user_01DROPIN', email: 'drop@example.com' },
      amr: ['pwd', 'mfa'],
      auth_time: Math.floor(Date.now() / 1000) - age,
    })
    await double.clock(null)
    return gate.sealSession({ accessToken: issued.access_token, refreshToken: issued.refresh_token, user: issued.user })
  }

  /** @workos-inc/node's documented middleware, verbatim but for what `userManagement` is. */
  async function officialHandler(userManagement, cookie) {
    const session = userManagement.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD })
    const authResult = await session.authenticate()
    if (authResult.authenticated) {
      return { status: 'ok', user: authResult.user.id, logout: await session.getLogoutUrl({ returnTo: 'https://app.example/' }) }
    }
    if (!authResult.authenticated && authResult.reason === 'no_session_cookie_provided') return { status: 'login' }
    try {
      const refreshResult = await session.refresh()
      if (!refreshResult.authenticated) return { status: 'login', reason: refreshResult.reason }
      const refreshed = await userManagement.loadSealedSession({ sessionData: refreshResult.sealedSession, cookiePassword: PASSWORD }).authenticate()
      return { status: 'refreshed', user: refreshResult.session.user.id, opens: refreshed.authenticated }
    } catch {
      return { status: 'login', thrown: true }
    }
  }

  it('valid, expired, missing and garbage cookies take the same branches', async () => {
    for (const [name, make, expected] of [
      ['valid', () => cookieOf(10), 'ok'],
      ['expired', () => cookieOf(400), 'refreshed'],
      ['missing', async () => undefined, 'login'],
    ]) {
      // Each side gets its own session: a refresh token is spent once.
      const theirs = await officialHandler(workos.userManagement, await make())
      const ours = await officialHandler(gate, await make())
      if (theirs.logout) theirs.logout = theirs.logout.replace(/session_id=[^&]+/, 'session_id=…')
      if (ours.logout) ours.logout = ours.logout.replace(/session_id=[^&]+/, 'session_id=…')
      assert.deepEqual(ours, theirs, name)
      assert.equal(ours.status, expected, name)
    }
    // A cookie that is not a seal: the SDK throws from refresh; sessiongate refuses it.
    const garbage = await officialHandler(gate, 'not-a-cookie')
    assert.deepEqual(garbage, { status: 'login', reason: 'invalid_session_cookie' })
  })

  it('the session object mirrors the SDK\'s, with the same logout URL', async () => {
    const cookie = await cookieOf(10)
    const theirs = workos.userManagement.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD })
    const ours = gate.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD })
    assert.equal(await ours.getLogoutUrl(), await theirs.getLogoutUrl())
    assert.ok(ours.getLogoutUrl() instanceof Promise)
    await assert.rejects(gate.loadSealedSession({ sessionData: 'x' }).getLogoutUrl(), { code: 'ERR_SESSIONGATE_UNSEAL' })
    const refreshed = await ours.refresh({ cookiePassword: PASSWORD })
    assert.equal(refreshed.authenticated, true, `${refreshed.reason} (${refreshed.detail})`)
    assert.deepEqual(refreshed.session.amr, ['pwd', 'mfa'])
  })

  it('a cookie password the gate does not hold is a ConfigurationError, never shown', async () => {
    const other = 'a-password-this-gate-was-never-given-0123456789'
    for (const call of [
      () => gate.loadSealedSession({ sessionData: 'x', cookiePassword: other }),
      () => gate.loadSealedSession({ sessionData: 'x' }).refresh({ cookiePassword: other }),
    ]) {
      await assert.rejects(async () => call(), (e) => e instanceof sessiongate.ConfigurationError && !e.message.includes(other))
    }
    assert.throws(() => gate.loadSealedSession({ sessionData: 'x', cookiePasword: PASSWORD }), /unknown option `cookiePasword`/)
  })

  it('the module-level loadSealedSession({ sessionData, cookiePassword, clientId })', async () => {
    const cookie = await cookieOf(10)
    const session = sessiongate.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD, clientId: double.clientId, apiBaseUrl: double.url })
    const auth = await session.authenticate()
    assert.equal(auth.authenticated, true, `${auth.reason} (${auth.detail})`)
    assert.deepEqual(auth.amr, ['pwd', 'mfa'])
    const { loadSealedSession } = await import('sessiongate')
    assert.equal(loadSealedSession, sessiongate.loadSealedSession)
    assert.throws(() => sessiongate.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD }), (e) =>
      e instanceof sessiongate.ConfigurationError && /clientId/.test(e.message))
    // What is left out comes from the WorkOS variables, as @workos-inc/node's client reads them.
    const api = new URL(double.url)
    const saved = { ...process.env }
    Object.assign(process.env, { WORKOS_CLIENT_ID: double.clientId, WORKOS_API_HOSTNAME: api.hostname, WORKOS_API_PORT: api.port, WORKOS_API_HTTPS: 'false' })
    try {
      const fromEnv = await sessiongate.loadSealedSession({ sessionData: cookie, cookiePassword: PASSWORD }).authenticate()
      assert.equal(fromEnv.authenticated, true, `${fromEnv.reason} (${fromEnv.detail})`)
      assert.equal(fromEnv.sessionId, auth.sessionId)
    } finally {
      for (const name of ['WORKOS_CLIENT_ID', 'WORKOS_API_HOSTNAME', 'WORKOS_API_PORT', 'WORKOS_API_HTTPS']) {
        if (name in saved) process.env[name] = saved[name]
        else delete process.env[name]
      }
    }
  })
})
