'use strict'
// The seal formats of every WorkOS SDK (issue 20) through the Node API: the `formats` and
// `allowWeakSecrets` options, `gate.formats()`, and `gate.reseal(cookie, format)` moving one
// session through all nine formats and back. (cases.json's format cases run in vectors.test.js.)
const assert = require('node:assert/strict')
const { describe, it } = require('node:test')
const { SessionGate, ConfigurationError, UnsealError, SealError } = require('sessiongate')
const h = require('./_helpers')

const ALL = ['iron', 'fernet', 'ruby', 'ruby-legacy', 'go', 'php', 'php-halite', 'dotnet', 'react-router']
// Secrets fitting each format's SDK: the iron password, the base64 of a 32-byte key (fernet,
// php), 32 raw bytes (ruby-legacy).
const KEY_B64 = 'cmVzZWFsLXRlc3Qta2V5LW9mLTMyLWJ5dGVzLWxvbmc='
const RAW_32 = 'reseal-test-ruby-legacy-raw-32b!'
const firstSecret = (format) => (format === 'ruby-legacy' ? RAW_32 : format === 'fernet' || format === 'php' ? KEY_B64 : h.PASSWORD)
/** A gate reading every format, whose first secret can seal `format`. */
const gateFor = (format) => {
  const first = firstSecret(format)
  return new SessionGate(h.gateOptions({ formats: ALL, cookiePassword: [first, ...[h.PASSWORD, KEY_B64, RAW_32].filter((s) => s !== first)] }))
}

describe('formats', () => {
  it('gate.formats(): the default set (every one but dotnet), or the option\'s (deduplicated, in the core\'s order)', () => {
    assert.deepEqual(new SessionGate(h.gateOptions()).formats(), ALL.filter((f) => f !== 'dotnet'))
    assert.deepEqual(new SessionGate(h.gateOptions({ formats: ['dotnet', 'iron', 'dotnet'] })).formats(), ['iron', 'dotnet'])
    assert.deepEqual(gateFor('iron').formats(), ALL)
  })

  it('bad format options are configuration errors with the core\'s message', () => {
    const refused = (options, text) =>
      assert.throws(() => new SessionGate(h.gateOptions(options)), (e) => e instanceof ConfigurationError && e.message.includes(text))
    refused({ formats: [] }, 'formats')
    refused({ formats: ['iron', 'rails'] }, 'unknown seal format "rails"')
    refused({ formats: 'iron' }, 'formats')
    refused({ allowWeakSecrets: 'yes' }, 'allowWeakSecrets')
    refused({ formats: ['go'], cookiePassword: 'short-password' }, 'allow_weak_secrets')
    assert.deepEqual(new SessionGate(h.gateOptions({ formats: ['go'], cookiePassword: 'short-password', allowWeakSecrets: true })).formats(), ['go'])
  })

  it('a format not enabled is refused as a cookie (format_not_enabled), never thrown', async () => {
    const session = { accessToken: h.signToken(h.claims()), refreshToken: h.REFRESH_TOKEN, user: h.USER }
    const go = gateFor('go').sealSession(session, { format: 'go' })
    const ironOnly = new SessionGate(h.gateOptions({ formats: ['iron'] }))
    const refused = await ironOnly.authenticate(go)
    assert.deepEqual([refused.authenticated, refused.reason], [false, 'invalid_session_cookie'])
    assert.equal((await gateFor('go').authenticate(go)).format, 'go')
  })

  it('reseal moves one session through all nine formats and back, losslessly', async () => {
    const session = {
      accessToken: h.signToken(h.claims()),
      refreshToken: h.REFRESH_TOKEN,
      user: h.USER,
      impersonator: { email: 'admin@example.com', reason: 'support' },
      authenticationMethod: 'Password',
    }
    const iron = gateFor('iron').sealSession(session)
    const original = await gateFor('iron').authenticate(iron)
    assert.equal(original.authenticated, true)
    for (const target of ALL) {
      const gate = gateFor(target)
      const moved = gate.reseal(iron, target)
      assert.equal(gate.unsealData(moved).format, target)
      const ours = await gate.authenticate(moved)
      assert.equal(ours.authenticated, true, `${target}: ${ours.reason} (${ours.detail})`)
      assert.deepEqual([ours.format, ours.accessToken, ours.sessionId], [target, original.accessToken, original.sessionId], target)
      assert.deepEqual(ours.user, original.user, target)
      assert.deepEqual(ours.impersonator, original.impersonator, target)
      assert.deepEqual(ours.amr, ['pwd', 'mfa'])
      const back = gate.reseal(moved, 'iron', { now: Math.floor(Date.now() / 1000) })
      assert.deepEqual((await gate.authenticate(back)).user, original.user, `${target} and back`)
    }
  })

  it('reseal errors: an unopenable cookie is an UnsealError with its detail; a bad format a ConfigurationError', () => {
    const gate = gateFor('iron')
    const iron = gate.sealSession({ accessToken: h.signToken(h.claims()), refreshToken: h.REFRESH_TOKEN, user: h.USER })
    const other = new SessionGate(h.gateOptions({ cookiePassword: 'another-cookie-password-of-32-characters-at-least' }))
    const foreign = other.sealSession({ accessToken: h.signToken(h.claims()), refreshToken: h.REFRESH_TOKEN, user: h.USER })
    for (const [cookie, detail] of [['Fe26.2*nope', 'malformed_seal'], [42, 'malformed_seal'], [foreign, 'mac_mismatch']]) {
      assert.throws(() => gate.reseal(cookie, 'go'), (e) => {
        assert.ok(e instanceof UnsealError, `${e}`)
        assert.equal(e.detail, detail)
        return true
      })
    }
    assert.throws(() => gate.reseal(iron, 'rails'), (e) => e instanceof ConfigurationError && e.message.includes('unknown seal format "rails"'))
    assert.throws(() => gate.reseal(iron, undefined), ConfigurationError)
    // sealSession names the same formats; an unknown one is the seal call's error.
    assert.throws(() => gate.sealSession({ accessToken: 'a', refreshToken: 'r', user: h.USER }, { format: 'rails' }), (e) => e instanceof SealError && e.message.includes('unknown seal format'))
  })
})
