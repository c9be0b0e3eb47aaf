'use strict'
// Step-up (RFC 9470): the shared truth table (tests/vectors/stepup.json), check/require on real
// sessions from cases.json, bearer and ID token verification, and the challenge round trip.
const assert = require('node:assert/strict')
const { describe, it, after } = require('node:test')
const sg = require('sessiongate')
const h = require('./_helpers')

const { SessionGate, StepUpPolicy, Challenge, StepUpRequiredError, SessionGateError, ConfigurationError } = sg

/** The row's policy: an absent key is no requirement of that kind. */
// The one symbol an error keeps the core's web answer under (lib/errors.js): not enumerable,
// so not in JSON, `Object.keys` or a spread.
const webAnswerOf = (e) => {
  const symbols = Object.getOwnPropertySymbols(e)
  assert.equal(symbols.length, 1)
  assert.equal(Object.prototype.propertyIsEnumerable.call(e, symbols[0]), false)
  assert.equal(Object.getOwnPropertySymbols({ ...e }).length, 0)
  return e[symbols[0]]
}
const policyOf = (p) =>
  new StepUpPolicy({ amrAnyOf: p.amr_any_of ?? [], amrAllOf: p.amr_all_of ?? [], maxAge: p.max_age, acrValues: p.acr_values ?? [], leewaySeconds: p.leeway })

describe('stepup.json', () => {
  const { cases } = h.readJson('stepup.json')
  let ran = 0
  after(() => {
    console.log(`# sessiongate stepup.json: ${ran} of ${cases.length} rows ran`)
    assert.equal(ran, cases.length, 'every row must run')
  })
  assert.equal(cases.length, 30)
  for (const row of cases) {
    it(row.id, () => {
      ran += 1
      const decision = policyOf(row.policy).checkClaims(row.claims, { now: row.now })
      const want = row.expected
      assert.equal(decision.allowed, want.allowed)
      if (want.allowed) {
        assert.equal(decision.reason, undefined)
        assert.equal(decision.challenge, undefined)
        return
      }
      assert.equal(decision.reason, want.reason)
      assert.equal(decision.challenge.wwwAuthenticate, want.www_authenticate)
      assert.deepEqual(decision.challenge.body, want.body)
      assert.deepEqual(Challenge.parse(want.www_authenticate), decision.challenge)
    })
  }
})

describe('StepUpPolicy', () => {
  it('defaults to mfa; amrAllOf alone replaces the default', () => {
    const p = new StepUpPolicy()
    assert.deepEqual([p.amrAnyOf, p.amrAllOf, p.maxAge, p.acrValues], [['mfa'], [], null, []])
    assert.deepEqual(new StepUpPolicy({ amrAllOf: ['pwd', 'hwk'] }).amrAnyOf, [])
    assert.deepEqual(new StepUpPolicy({ amrAllOf: ['pwd', 'hwk'] }).amrAllOf, ['pwd', 'hwk'])
    assert.equal(new StepUpPolicy({ maxAge: 300 }).maxAge, 300)
    assert.equal(p.checkClaims({ amr: ['mfa'] }).allowed, true)
    assert.equal(p.checkClaims({ amr: 'pwd' }).reason, 'mfa_required')
  })
  it('both lists: every one of amrAllOf and one of amrAnyOf (the core\'s rule)', () => {
    const both = new StepUpPolicy({ amrAnyOf: ['otp', 'hwk'], amrAllOf: ['pwd'] })
    assert.deepEqual([both.amrAnyOf, both.amrAllOf], [['otp', 'hwk'], ['pwd']])
    assert.equal(both.checkClaims({ amr: ['pwd', 'otp'] }).allowed, true)
    assert.equal(both.checkClaims({ amr: ['otp'] }).reason, 'mfa_required')
    assert.equal(both.checkClaims({ amr: ['pwd'] }).reason, 'mfa_required')
  })
  it('bad options throw ConfigurationError', () => {
    for (const options of [{ maxAge: -1 }, { maxAge: NaN }, { maxAge: 'soon' }, { amrAnyOff: [] }, { acrValues: [''] }, 'mfa']) {
      assert.throws(() => new StepUpPolicy(options), (e) => e instanceof ConfigurationError && e.code === 'ERR_SESSIONGATE_CONFIG')
    }
    assert.throws(() => new StepUpPolicy().checkClaims('amr=mfa'), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE')
  })
  it('`now` as a Date', () => {
    const p = new StepUpPolicy({ maxAge: 600 })
    const claims = { amr: ['mfa'], auth_time: 1_800_000_000 }
    assert.equal(p.checkClaims(claims, { now: new Date(1_800_000_600_000) }).allowed, true)
    assert.equal(p.checkClaims(claims, { now: new Date(1_800_000_601_000) }).reason, 'authentication_too_old')
  })
})

describe('check / require on sessions from cases.json', () => {
  const { jwks, cases } = h.readJson('cases.json')
  const authenticated = cases.filter((c) => c.expected.outcome === 'authenticated')
  const gateFor = (config) => new SessionGate(h.caseGateOptions(config, jwks))
  const byId = (id) => {
    const c = cases.find((x) => x.id === id)
    assert.ok(c, id)
    return c
  }
  const mfaPolicy = new StepUpPolicy()

  it(`every authenticated case (${authenticated.length}): allowed iff "mfa" in amr`, async () => {
    assert.ok(authenticated.length > 20)
    for (const c of authenticated) {
      const gate = gateFor(c.config)
      const auth = await gate.authenticate(c.cookie, { now: c.now })
      assert.equal(auth.authenticated, true, c.id)
      const amr = c.expected.session.amr
      const decision = gate.check(auth, mfaPolicy, { now: c.now })
      const want = amr === null ? 'claims_missing' : amr.includes('mfa') ? undefined : 'mfa_required'
      assert.equal(decision.allowed, want === undefined, c.id)
      assert.equal(decision.reason, want, c.id)
    }
  })

  it('an MFA session is allowed; a password-only one is refused with 403 and the challenge', async () => {
    const ok = byId('sessiongate/mfa_iron')
    const gate = gateFor(ok.config)
    const auth = await gate.authenticate(ok.cookie, { now: ok.now })
    assert.deepEqual(gate.check(auth, mfaPolicy, { now: ok.now }), { allowed: true, satisfiedBy: 'token' })
    assert.equal(gate.require(auth, mfaPolicy, { now: ok.now }), undefined)

    const pwd = byId('sessiongate/pwd_only_iron')
    const refused = await gateFor(pwd.config).authenticate(pwd.cookie, { now: pwd.now })
    assert.equal(refused.authenticated, true)
    const header = 'Bearer error="insufficient_user_authentication", error_description="Multi-factor authentication is required"'
    const body = { error: 'insufficient_user_authentication', error_description: 'Multi-factor authentication is required' }
    const decision = gate.check(refused, mfaPolicy, { now: pwd.now })
    assert.deepEqual(decision, {
      allowed: false,
      reason: 'mfa_required',
      challenge: { wwwAuthenticate: header, body, errorDescription: body.error_description, acrValues: [] },
    })
    assert.throws(() => gate.require(refused, mfaPolicy, { now: pwd.now }), (e) => {
      assert.ok(e instanceof StepUpRequiredError && e instanceof SessionGateError && e instanceof Error)
      assert.equal(e.name, 'StepUpRequiredError')
      assert.equal(e.code, 'ERR_SESSIONGATE_STEP_UP_REQUIRED')
      assert.equal(e.coreCode, 'step_up_required')
      assert.equal(e.message, 'step-up required (mfa_required): Multi-factor authentication is required')
      assert.equal(e.status, 403)
      assert.equal(e.reason, 'mfa_required')
      assert.equal(e.retryable, false)
      assert.equal(e.wwwAuthenticate, header)
      assert.deepEqual(e.toJSON(), body)
      assert.equal(JSON.stringify(e), JSON.stringify(body))
      assert.deepEqual(e.challenge, decision.challenge)
      assert.ok(!e.message.includes(refused.accessToken))
      // The core's web answer, kept for the server helpers: hidden, and the error's own fields.
      assert.deepEqual(webAnswerOf(e), { status: 403, body, headers: {} })
      return true
    })
  })

  it('maxAge and acrValues on a real session (auth_time 300 s before now, acr urn:workos:mfa)', async () => {
    const c = byId('sessiongate/mfa_iron')
    const gate = gateFor(c.config)
    const auth = await gate.authenticate(c.cookie, { now: c.now })
    assert.equal(c.now - auth.authTime, 300)
    assert.equal(gate.check(auth, new StepUpPolicy({ maxAge: 300 }), { now: c.now }).allowed, true)
    const old = gate.check(auth, new StepUpPolicy({ maxAge: 299 }), { now: c.now })
    assert.equal(old.reason, 'authentication_too_old')
    assert.equal(old.challenge.maxAge, 299)
    assert.match(old.challenge.wwwAuthenticate, /, max_age=299$/)
    assert.equal(gate.check(auth, new StepUpPolicy({ acrValues: ['urn:workos:mfa'] }), { now: c.now }).allowed, true)
    const acr = gate.check(auth, new StepUpPolicy({ acrValues: ['urn:gold', 'urn:silver'] }), { now: c.now })
    assert.equal(acr.reason, 'acr_insufficient')
    assert.deepEqual(acr.challenge.acrValues, ['urn:gold', 'urn:silver'])
    assert.equal(acr.challenge.body.acr_values, 'urn:gold urn:silver')
  })

  it('a refusal or anything else is not an authentication: TypeError', async () => {
    const c = byId('sessiongate/mfa_iron')
    const gate = gateFor(c.config)
    const failed = await gate.authenticate('nope')
    for (const auth of [failed, { valid: false, reason: 'invalid_jwt', detail: 'expired' }, undefined, 'x', {}, { authenticated: true }]) {
      assert.throws(() => gate.check(auth, mfaPolicy), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE')
      assert.throws(() => gate.require(auth, mfaPolicy), (e) => e instanceof TypeError)
    }
    const auth = await gate.authenticate(c.cookie, { now: c.now })
    assert.throws(() => gate.check(auth, { amrAnyOf: ['mfa'] }))
  })

  it('judges what the core verified: a copy is refused, an edit changes nothing', async () => {
    const pwd = byId('sessiongate/pwd_only_iron')
    const gate = gateFor(pwd.config)
    const auth = await gate.authenticate(pwd.cookie, { now: pwd.now })
    assert.equal(gate.check(auth, mfaPolicy, { now: pwd.now }).reason, 'mfa_required')
    for (const copy of [{ ...auth }, { ...auth, amr: ['pwd', 'mfa'] }, JSON.parse(JSON.stringify(auth)), Object.create(auth)]) {
      assert.throws(() => gate.check(copy, mfaPolicy, { now: pwd.now }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_VALUE')
      assert.throws(() => gate.require(copy, mfaPolicy, { now: pwd.now }), TypeError)
    }
    auth.amr = ['pwd', 'mfa']
    auth.claims = { amr: ['mfa'] }
    assert.equal(gate.check(auth, mfaPolicy, { now: pwd.now }).reason, 'mfa_required', 'the verified session, not the edited object')
    // A session another gate verified is still a verified session.
    assert.equal(new SessionGate(h.gateOptions()).check(auth, mfaPolicy, { now: pwd.now }).reason, 'mfa_required')
  })
})

describe('verifyAccessToken / verifyIdToken', () => {
  const now = Math.floor(Date.now() / 1000)
  const gate = new SessionGate(h.gateOptions({ issuer: h.peer.issuer }))

  it('a bearer access token: verified, and require answers 401 with WWW-Authenticate', async () => {
    const signed = h.claims()
    const ok = await gate.verifyAccessToken(h.signToken(signed))
    assert.deepEqual(Object.keys(ok), ['valid', 'subject', 'amr', 'acr', 'authTime', 'claims', 'header'])
    assert.equal(ok.valid, true)
    assert.equal(ok.subject, h.USER.id)
    assert.deepEqual(ok.amr, ['pwd', 'mfa'])
    assert.equal(ok.acr, undefined)
    assert.equal(ok.authTime, signed.auth_time)
    assert.equal(ok.claims.sid, h.claims().sid)
    assert.deepEqual(ok.header, { alg: 'RS256', typ: 'JWT', kid: h.KID })
    assert.equal(gate.require(ok, new StepUpPolicy()), undefined)

    const pwd = await gate.verifyAccessToken(h.signToken(h.claims({ amr: ['pwd'] })))
    assert.equal(pwd.valid, true)
    assert.throws(() => gate.require(pwd, new StepUpPolicy({ maxAge: 600 })), (e) => {
      assert.ok(e instanceof StepUpRequiredError)
      assert.equal(e.status, 401)
      assert.equal(e.reason, 'mfa_required')
      assert.equal(e.wwwAuthenticate, 'Bearer error="insufficient_user_authentication", error_description="Multi-factor authentication is required", max_age=600')
      assert.deepEqual(Challenge.parse(e.wwwAuthenticate), e.challenge)
      assert.deepEqual(webAnswerOf(e), { status: 401, body: e.toJSON(), headers: { 'www-authenticate': e.wwwAuthenticate } })
      return true
    })
  })

  it('bad bearer tokens resolve { valid: false, reason, detail }', async () => {
    const token = h.signToken(h.claims())
    assert.deepEqual(await gate.verifyAccessToken(`${token.slice(0, -6)}AAAAAA`), { valid: false, reason: 'invalid_jwt', detail: 'signature_invalid' })
    assert.deepEqual(await gate.verifyAccessToken(h.signToken(h.claims({ exp: now - 10 }))), { valid: false, reason: 'invalid_jwt', detail: 'expired' })
    assert.deepEqual(await gate.verifyAccessToken(h.signToken(h.claims({ sid: undefined }))), { valid: false, reason: 'invalid_jwt', detail: 'sid_missing' })
    for (const bad of [undefined, '', 42, 'a.b']) assert.equal((await gate.verifyAccessToken(bad)).detail, 'malformed_jwt')
    assert.equal((await gate.verifyAccessToken(token, { now: h.claims().exp + 5 })).detail, 'expired')
  })

  const idClaims = (overrides = {}) => ({
    iss: h.peer.issuer,
    sub: h.USER.id,
    aud: h.CLIENT_ID,
    iat: now - 30,
    exp: now + 300,
    auth_time: now - 30,
    amr: ['pwd', 'otp'],
    ...overrides,
  })

  it('an ID token (no sid): audience = the client id, issuer checked, expiry checked', async () => {
    const ok = await gate.verifyIdToken(h.signToken(idClaims()))
    assert.equal(ok.valid, true)
    assert.equal(ok.subject, h.USER.id)
    assert.deepEqual(ok.amr, ['pwd', 'otp'])
    assert.equal(gate.check(ok, new StepUpPolicy({ amrAnyOf: ['otp', 'hwk'], maxAge: 60 })).allowed, true)
    assert.deepEqual(await gate.verifyIdToken(h.signToken(idClaims({ aud: 'client_someone_else' }))), { valid: false, reason: 'invalid_jwt', detail: 'audience_mismatch' })
    assert.deepEqual(await gate.verifyIdToken(h.signToken(idClaims({ iss: 'https://evil.example' }))), { valid: false, reason: 'invalid_jwt', detail: 'issuer_mismatch' })
    assert.deepEqual(await gate.verifyIdToken(h.signToken(idClaims({ exp: now - 1 }))), { valid: false, reason: 'invalid_jwt', detail: 'expired' })
    // The same token is not an access token of this gate's sessions (no sid).
    assert.equal((await gate.verifyAccessToken(h.signToken(idClaims()))).detail, 'sid_missing')
  })

  it('ID tokens need the issuer configured: ConfigurationError', async () => {
    const noIssuer = new SessionGate(h.gateOptions())
    await assert.rejects(noIssuer.verifyIdToken(h.signToken(idClaims())), (e) => e instanceof ConfigurationError)
  })
})

describe('Challenge.parse', () => {
  it('reads RFC 9470 challenges, and nothing else', () => {
    assert.deepEqual(
      Challenge.parse('Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"'),
      {
        wwwAuthenticate: 'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
        body: { error: 'insufficient_user_authentication', error_description: 'A different authentication level is required', acr_values: 'myACR' },
        errorDescription: 'A different authentication level is required',
        acrValues: ['myACR'],
      },
    )
    assert.equal(Challenge.parse('bearer error="insufficient_user_authentication", max_age=5').maxAge, 5)
    for (const other of ['Bearer error="invalid_token"', 'Basic realm="x"', 'Bearer error="insufficient_user_authentication", max_age=soon', '', undefined, 42]) {
      assert.equal(Challenge.parse(other), null)
    }
  })
  it('round trip: policy -> header -> parse -> body', () => {
    const policy = new StepUpPolicy({ maxAge: 300, acrValues: ['urn:a', 'urn:b'] })
    const { challenge } = policy.checkClaims({ amr: ['pwd'], acr: 'urn:a', auth_time: 1_800_000_000 }, { now: 1_800_000_000 })
    assert.equal(challenge.wwwAuthenticate, 'Bearer error="insufficient_user_authentication", error_description="Multi-factor authentication is required", acr_values="urn:a urn:b", max_age=300')
    const parsed = Challenge.parse(challenge.wwwAuthenticate)
    assert.deepEqual(parsed, challenge)
    assert.deepEqual(parsed.body, { error: 'insufficient_user_authentication', error_description: 'Multi-factor authentication is required', acr_values: 'urn:a urn:b', max_age: 300 })
  })
})
