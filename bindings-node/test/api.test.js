'use strict'
// The API surface: errors (classes, codes, the parity with the core's codes), options (the
// shared parity table), `now`, hostile strings, and that results, errors and objects never
// show the cookie password or the refresh token.
const assert = require('node:assert/strict')
const util = require('node:util')
const { describe, it } = require('node:test')
const sg = require('sessiongate')
const h = require('./_helpers')

const { SessionGate, SessionGateError, ConfigurationError, SealError, UnsealError, Challenge } = sg
const gate = new SessionGate(h.gateOptions())
const token = h.signToken(h.claims())
const session = { accessToken: token, refreshToken: h.REFRESH_TOKEN, user: h.USER }

const configError = (options) =>
  assert.throws(() => new SessionGate(options), (e) => {
    assert.ok(e instanceof ConfigurationError && e instanceof SessionGateError && e instanceof Error)
    assert.equal(e.code, 'ERR_SESSIONGATE_CONFIG')
    assert.equal(e.coreCode, 'configuration_error')
    assert.equal(e.name, 'ConfigurationError')
    assert.equal(e.retryable, false)
    return true
  })

// Node's class and code for each core code: what the docs promise (index.d.ts, README).
const CLASSES = {
  configuration_error: ['ConfigurationError', 'ERR_SESSIONGATE_CONFIG'],
  jwks_unavailable: ['JwksUnavailableError', 'ERR_SESSIONGATE_JWKS_UNAVAILABLE'],
  jwks_not_cached: ['JwksNotCachedError', 'ERR_SESSIONGATE_JWKS_NOT_CACHED'],
  seal_error: ['SealError', 'ERR_SESSIONGATE_SEAL'],
  unseal_error: ['UnsealError', 'ERR_SESSIONGATE_UNSEAL'],
  key_derivation_busy: ['KeyDerivationBusyError', 'ERR_SESSIONGATE_KEY_DERIVATION_BUSY'],
  step_up_required: ['StepUpRequiredError', 'ERR_SESSIONGATE_STEP_UP_REQUIRED'],
  internal_error: ['InternalError', 'ERR_SESSIONGATE_INTERNAL'],
  api_unavailable: ['ApiUnavailableError', 'ERR_SESSIONGATE_API_UNAVAILABLE'],
  step_up_failed: ['StepUpFailedError', 'ERR_SESSIONGATE_STEP_UP_FAILED'],
}

describe('errors', () => {
  it('parity with the core: every core code has its class, with the same coreCode and retryability', () => {
    const codes = sg.errorCodes()
    assert.deepEqual(codes.map((c) => c.code).sort(), Object.keys(CLASSES).sort(), 'the documented table is the core\'s list')
    for (const { code, retryable } of codes) {
      const [name, nodeCode] = CLASSES[code]
      const cls = sg[name]
      assert.equal(typeof cls, 'function', `${code}: no class ${name}`)
      const e = code === 'step_up_required' ? new cls('m', 'mfa_required', 403, { wwwAuthenticate: 'Bearer', body: {} }) : new cls('m')
      assert.ok(e instanceof SessionGateError && e instanceof Error, name)
      assert.deepEqual([e.name, e.code, e.coreCode, e.retryable], [name, nodeCode, code, retryable], code)
    }
    assert.deepEqual(codes.filter((c) => c.retryable).map((c) => c.code), ['jwks_unavailable', 'jwks_not_cached', 'key_derivation_busy', 'api_unavailable'])
    assert.equal(sg.RefreshUnavailableError, sg.ApiUnavailableError, 'the issue\'s name is an alias')
    const outage = new sg.ApiUnavailableError('m', 3)
    assert.deepEqual([outage.retryAfter, new sg.RefreshUnavailableError('m').retryAfter], [3, undefined])
    assert.ok(outage instanceof sg.RefreshUnavailableError && outage.retryable)
  })
  it('every class is exported, with its code', () => {
    const codes = {
      ConfigurationError: 'ERR_SESSIONGATE_CONFIG',
      JwksUnavailableError: 'ERR_SESSIONGATE_JWKS_UNAVAILABLE',
      SealError: 'ERR_SESSIONGATE_SEAL',
      UnsealError: 'ERR_SESSIONGATE_UNSEAL',
      InternalError: 'ERR_SESSIONGATE_INTERNAL',
      JwksNotCachedError: 'ERR_SESSIONGATE_JWKS_NOT_CACHED',
      KeyDerivationBusyError: 'ERR_SESSIONGATE_KEY_DERIVATION_BUSY',
      ApiUnavailableError: 'ERR_SESSIONGATE_API_UNAVAILABLE',
    }
    for (const [name, code] of Object.entries(codes)) {
      const e = new sg[name]('m')
      assert.ok(e instanceof SessionGateError && e instanceof Error)
      assert.equal(e.code, code)
      assert.equal(e.name, name)
    }
  })
  it('configuration errors at construction', () => {
    configError(undefined)
    configError({ clientId: h.CLIENT_ID, cookiePassword: 'too-short', jwks: h.peer.jwks })
    configError({ clientId: h.CLIENT_ID, cookiePassword: [], jwks: h.peer.jwks })
    configError(h.gateOptions({ jwksUrl: 'http://127.0.0.1:1/jwks' })) // both jwks and jwksUrl
    configError(h.gateOptions({ discoveryIssuer: 'http://127.0.0.1:1' })) // both jwks and discoveryIssuer
    configError({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD, jwksUrl: 'http://127.0.0.1:1/jwks', discoveryIssuer: 'http://127.0.0.1:1' })
    configError({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD, discoveryIssuer: 42 })
    configError({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD, jwksUrl: 'not a url' })
    configError(h.gateOptions({ jwks: '{"keys": "nope"}' }))
    configError(h.gateOptions({ cookiePasword: h.PASSWORD })) // a typo is not ignored
    configError(h.gateOptions({ leeway: -1 }))
    configError(h.gateOptions({ algorithms: ['HS256'] }))
    configError(h.gateOptions({ issuer: 42 }))
  })
  it('seal and unseal errors', () => {
    assert.throws(() => gate.sealSession({ accessToken: token, user: h.USER }), (e) => e instanceof SealError && e.code === 'ERR_SESSIONGATE_SEAL')
    assert.throws(() => gate.sealSession(session, { format: 'jwe' }), { code: 'ERR_SESSIONGATE_SEAL' })
    assert.throws(() => gate.sealData(10n), { code: 'ERR_SESSIONGATE_SEAL' })
    assert.throws(() => gate.unsealData('Fe26.2*1*nope'), (e) => e instanceof UnsealError && e.code === 'ERR_SESSIONGATE_UNSEAL')
  })
  it('an unseal error carries the core\'s detail', () => {
    const sealed = gate.sealData({ hello: 'world' })
    const other = new SessionGate(h.gateOptions({ cookiePassword: 'another-cookie-password-of-32-characters-at-least' }))
    const cases = [
      [() => other.unsealData(sealed), 'mac_mismatch'],
      [() => gate.unsealData('Fe26.2*1*nope'), 'malformed_seal'],
      [() => gate.unsealData(42), 'malformed_seal'],
    ]
    for (const [call, detail] of cases) {
      assert.throws(call, (e) => {
        assert.ok(e instanceof UnsealError)
        assert.deepEqual([e.coreCode, e.detail], ['unseal_error', detail])
        assert.equal(e.message, `cannot unseal: ${detail}`)
        return true
      })
    }
  })
  it('an unreachable key server rejects with a retryable JwksUnavailableError, never a refused cookie', async () => {
    // Nothing listens on port 1: the fetch fails at once (no server needed).
    const down = new SessionGate(h.gateOptions({ jwks: undefined, jwksUrl: 'http://127.0.0.1:1/jwks' }))
    await assert.rejects(down.authenticate(gate.sealSession(session)), (e) => {
      assert.ok(e instanceof sg.JwksUnavailableError && e instanceof SessionGateError)
      assert.deepEqual([e.code, e.coreCode, e.retryable], ['ERR_SESSIONGATE_JWKS_UNAVAILABLE', 'jwks_unavailable', true])
      assert.ok(!e.message.includes(h.PASSWORD))
      return true
    })
    // A bad cookie is still a refusal, not an outage (no key is needed to refuse it).
    assert.equal((await down.authenticate('not a cookie')).authenticated, false)
    const status = down.jwksStatus()
    assert.deepEqual([status.fetches, status.kids, status.stale, typeof status.lastError, status.skippedKeys], [0, [], true, 'string', 0])
    assert.ok(status.failures >= 1)
  })
  it('the default key set is WorkOS\'s for the client (constructs without jwks)', () => {
    assert.ok(new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD }) instanceof SessionGate)
  })
  it('a bad `now` rejects (it is not a bad cookie)', async () => {
    await assert.rejects(gate.authenticate('x', { now: 'yesterday' }), { code: 'ERR_SESSIONGATE_CONFIG' })
    await assert.rejects(gate.authenticate('x', { now: -5 }), { code: 'ERR_SESSIONGATE_CONFIG' })
  })
})

describe('authenticate', () => {
  it('never rejects for a bad cookie', async () => {
    for (const bad of [undefined, null, '', 'x', 42, {}, 'Fe26.2*1*' + 'a'.repeat(20000), 'gAAAAA' + '='.repeat(4)]) {
      const result = await gate.authenticate(bad)
      assert.equal(result.authenticated, false)
      assert.deepEqual(Object.keys(result), ['authenticated', 'reason', 'detail'])
      assert.ok(['no_session_cookie_provided', 'invalid_session_cookie', 'invalid_jwt'].includes(result.reason))
    }
    assert.deepEqual(await gate.authenticate(undefined), { authenticated: false, reason: 'no_session_cookie_provided', detail: 'empty_cookie' })
    // Results are plain objects, always truthy (index.d.ts): test `.authenticated`.
    assert.ok(await gate.authenticate('x'))
  })
  it('`now` as epoch seconds or a Date', async () => {
    const cookie = gate.sealSession(session)
    const exp = h.claims().exp
    assert.equal((await gate.authenticate(cookie, { now: exp - 10 })).authenticated, true)
    assert.deepEqual(await gate.authenticate(cookie, { now: exp + 10 }), { authenticated: false, reason: 'invalid_jwt', detail: 'expired' })
    assert.equal((await gate.authenticate(cookie, { now: new Date((exp - 10) * 1000) })).detail, undefined)
    assert.equal((await gate.authenticate(cookie, { now: new Date((exp + 10) * 1000) })).detail, 'expired')
    assert.equal((await gate.loadSealedSession({ sessionData: cookie }).authenticate({ now: exp + 10 })).detail, 'expired')
  })
  it('issuer and leeway options are applied', async () => {
    const cookie = gate.sealSession(session)
    const strict = new SessionGate(h.gateOptions({ issuer: ['https://elsewhere.example'] }))
    assert.equal((await strict.authenticate(cookie)).detail, 'issuer_mismatch')
    const right = new SessionGate(h.gateOptions({ issuer: h.peer.issuer, leeway: 30 }))
    assert.equal((await right.authenticate(cookie, { now: h.claims().exp + 10 })).authenticated, true)
  })
})

describe('options.json: the option parity table', () => {
  const { base, cases } = h.readJson('options.json')
  // The table's snake_case names, in Node's option names.
  const NAMES = {
    client_id: 'clientId',
    cookie_passwords: 'cookiePassword',
    jwks: 'jwks',
    jwks_url: 'jwksUrl',
    discovery_issuer: 'discoveryIssuer',
    issuers: 'issuer',
    audiences: 'audience',
    leeway: 'leeway',
    max_cookie_bytes: 'maxCookieBytes',
    verified_token_cache: 'verifiedTokenCache',
    verified_token_cache_bytes: 'verifiedTokenCacheBytes',
    algorithms: 'algorithms',
    api_key: 'apiKey',
    api_base_url: 'apiBaseUrl',
    refresh_buffer_seconds: 'refreshBufferSeconds',
    refresh_grace_seconds: 'refreshGraceSeconds',
    refresh_timeout_seconds: 'refreshTimeoutSeconds',
    formats: 'formats',
    allow_weak_secrets: 'allowWeakSecrets',
  }
  const value = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v)
  it(`every row gives the core's code (${cases.length} rows)`, async () => {
    // Every row's value is expressible in JavaScript: none is skipped.
    const inexpressible = []
    let ran = 0
    for (const row of cases) {
      const options = {}
      for (const [name, v] of Object.entries({ ...base, ...row.options })) {
        if (!(name in NAMES)) throw new Error(`${row.id}: unknown option ${name}`)
        if (v !== null) options[NAMES[name]] = value(v)
      }
      let error = null
      try {
        const g = new SessionGate(options)
        if ('now' in row) assert.equal((await g.authenticate('x', { now: value(row.now) })).authenticated, false)
      } catch (e) {
        error = e
      }
      const want = row.expected
      if (want.code === null) {
        assert.equal(error, null, `${row.id}: ${error}`)
      } else {
        assert.ok(error instanceof SessionGateError, `${row.id}: ${error}`)
        assert.equal(error.coreCode, want.code, row.id)
        assert.ok(error.message.includes(want.message_contains), `${row.id}: ${error.message} lacks ${want.message_contains}`)
      }
      ran += 1
    }
    console.log(`# sessiongate options.json: ${ran} of ${cases.length} rows ran, ${inexpressible.length} inexpressible in JavaScript`)
    assert.equal(ran, cases.length)
  })
})

describe('environment.json: the WorkOS variables, read by the core', () => {
  const { fields, cases } = h.readJson('environment.json')
  // The addon's hidden helper behind loadSealedSession and sessiongate/next (lib/web.js).
  const native = require('../index.js')
  const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
  it(`every row reads as the core reads it (${cases.length} rows)`, () => {
    for (const row of cases) {
      const read = native.workosEnvironment(row.env, [])
      for (const field of fields) assert.equal(read[camel(field)] ?? null, row.expected[field], `${row.id}: ${field}`)
      assert.deepEqual(Object.keys(read).sort(), fields.filter((f) => row.expected[f] !== null).map(camel).sort(), row.id)
      if (!row.require) continue
      let error = null
      try {
        native.workosEnvironment(row.env, row.require.needed)
      } catch (e) {
        error = e
      }
      if (row.require.code === null) {
        assert.equal(error, null, `${row.id}: ${error}`)
      } else {
        assert.ok(error instanceof ConfigurationError, `${row.id}: ${error}`)
        assert.equal(error.coreCode, row.require.code, row.id)
        assert.ok(error.message.includes(row.require.message_contains), `${row.id}: ${error.message}`)
      }
    }
  })
  it('a variable that is not a string is unset, and only the core\'s variables are read', () => {
    const env = new Proxy({ WORKOS_CLIENT_ID: 42, WORKOS_API_KEY: 'sk_test' }, {
      get(target, name) {
        if (typeof name === 'string' && !name.startsWith('WORKOS_')) throw new Error(`read ${name}`)
        return Reflect.get(target, name)
      },
    })
    assert.deepEqual({ ...native.workosEnvironment(env, []) }, { apiKey: 'sk_test' })
  })
})

describe('hostile strings (security review F4)', () => {
  it('a lone surrogate is a refusal or null, never a throw', async () => {
    const sealed = gate.sealSession(session)
    // Inside what the MAC covers (after `~`, the SDKs' unauthenticated version suffix, it
    // would not matter: the seal still verifies there, as in the SDKs).
    const lone = ['\uD800', `Fe26.2*1*\uDFFF`, `${sealed.slice(0, 40)}\uD800${sealed.slice(41)}`, `gAAAAA\uD800`]
    for (const input of lone) {
      const auth = await gate.authenticate(input)
      assert.equal(auth.authenticated, false, JSON.stringify(input))
      assert.deepEqual(gate.authenticateSync(input), auth)
      assert.equal((await gate.loadSealedSession({ sessionData: input }).authenticate()).authenticated, false)
      assert.equal((await gate.verifyAccessToken(input)).valid, false)
      assert.equal((await gate.verifyAccessToken(`${token}${input}`)).valid, false)
      assert.equal(Challenge.parse(input), null)
      assert.equal(Challenge.parse(`Bearer error="insufficient_user_authentication", error_description="${input}"`)?.errorDescription, input.replace(/[\uD800-\uDFFF]/g, '\uFFFD'))
      assert.throws(() => gate.unsealData(input), UnsealError)
    }
  })
})

describe('secrets never show', () => {
  const secrets = [h.PASSWORD, h.REFRESH_TOKEN]
  const views = (value) => [
    util.inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    JSON.stringify(value) ?? '',
    String(value),
  ]
  const clean = (label, value) => {
    for (const view of views(value)) for (const secret of secrets) assert.ok(!view.includes(secret), `${label} shows a secret`)
  }
  it('in results, the gate and sealed sessions', async () => {
    const cookie = gate.sealSession(session)
    const ok = await gate.authenticate(cookie)
    assert.equal(ok.authenticated, true)
    assert.equal('refreshToken' in ok, false)
    clean('success', ok)
    clean('failure', await gate.authenticate(cookie.slice(0, -3)))
    clean('gate', gate)
    clean('CookieSession', gate.loadSealedSession({ sessionData: cookie }))
  })
  it("inspect leaves out the core's NOT_DISPLAYED fields (as Python's repr), which stay readable and in JSON", async () => {
    const ok = await gate.authenticate(gate.sealSession(session))
    const shown = util.inspect(ok, { depth: Infinity, getters: true })
    for (const field of ['accessToken', 'claims', 'user']) assert.match(shown, new RegExp(`${field}: '\\[redacted\\]'`), field)
    for (const personal of [h.USER.email]) assert.ok(!shown.includes(personal), `inspect shows ${personal}`)
    assert.match(shown, /sessionId: 'session_/, 'the rest is shown')
    assert.equal(ok.user.email, h.USER.email)
    assert.equal(JSON.parse(JSON.stringify(ok)).user.email, h.USER.email)
  })
  it('in error messages and stacks', async () => {
    const errors = []
    const collect = (f) => {
      try {
        f()
      } catch (e) {
        errors.push(e)
      }
    }
    collect(() => new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: h.PASSWORD.slice(0, 20), jwks: h.peer.jwks }))
    collect(() => new SessionGate({ clientId: h.CLIENT_ID, cookiePassword: [h.PASSWORD, 42], jwks: h.peer.jwks }))
    collect(() => new SessionGate(h.PASSWORD)) // the password passed as the options
    collect(() => gate.sealSession({ accessToken: 1, refreshToken: h.REFRESH_TOKEN, user: h.USER }))
    collect(() => gate.sealSession({ accessToken: token, refreshToken: h.REFRESH_TOKEN, user: 10n }))
    collect(() => gate.unsealData(gate.sealData({ refreshToken: h.REFRESH_TOKEN }).slice(0, -4)))
    assert.equal(errors.length, 6)
    const partial = h.PASSWORD.slice(0, 20)
    for (const e of errors) {
      assert.ok(e instanceof SessionGateError, `${e}`)
      for (const view of [e.message, e.stack, util.inspect(e)]) {
        for (const secret of [...secrets, partial]) assert.ok(!view.includes(secret), `error shows a secret: ${e.message}`)
      }
    }
  })
})
