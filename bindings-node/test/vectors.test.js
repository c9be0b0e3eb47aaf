'use strict'
// Every case of tests/vectors/cases.json through the Node API: one subtest per case id.
const assert = require('node:assert/strict')
const { describe, it, after } = require('node:test')
const { SessionGate, ConfigurationError } = require('sessiongate')
const { readJson, caseGateOptions } = require('./_helpers')

// The core's session fields (snake_case, without `claims`), read from the vectors.
const { jwks, cases, session_keys: SESSION_KEYS } = readJson('cases.json')
const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())

// The success object: @workos-inc/node's 12 keys in its order, then ours.
const SUCCESS_KEYS = [
  'authenticated', 'sessionId', 'organizationId', 'role', 'roles', 'permissions', 'entitlements',
  'featureFlags', 'user', 'authenticationMethod', 'impersonator', 'accessToken',
  'amr', 'acr', 'authTime', 'claims', 'format',
]

it('the success keys are the core\'s session fields in camelCase, in its order', () => {
  assert.deepEqual(SUCCESS_KEYS.filter((k) => k !== 'authenticated' && k !== 'claims'), SESSION_KEYS.map(camel))
})

const gateFor = (config) => new SessionGate(caseGateOptions(config, jwks))

let ran = 0
describe(`cases.json (${cases.length} cases)`, () => {
  after(() => {
    console.log(`# sessiongate vectors: ${ran} of ${cases.length} cases ran`)
    assert.equal(ran, cases.length, 'every case must run')
  })
  assert.ok(cases.length > 0)
  for (const c of cases) {
    it(c.id, async () => {
      ran += 1
      const expected = c.expected
      if (expected.outcome === 'configuration_error') {
        assert.throws(() => gateFor(c.config), (e) => {
          assert.ok(e instanceof ConfigurationError, `not a ConfigurationError: ${e}`)
          assert.ok(e instanceof Error)
          assert.equal(e.code, 'ERR_SESSIONGATE_CONFIG')
          return true
        })
        return
      }
      const gate = gateFor(c.config)
      const result = await gate.authenticate(c.cookie, { now: c.now })
      if (expected.outcome === 'failed') {
        assert.deepEqual(Object.keys(result), ['authenticated', 'reason', 'detail'])
        assert.deepEqual(
          { reason: result.reason, detail: result.detail },
          { reason: expected.reason, detail: expected.detail },
        )
        assert.equal(result.authenticated, false)
        return
      }
      assert.equal(expected.outcome, 'authenticated')
      assert.deepEqual(Object.keys(result), SUCCESS_KEYS)
      assert.equal(result.authenticated, true, `refused: ${result.reason} (${result.detail})`)
      assert.deepEqual(Object.keys(expected.session).sort(), [...SESSION_KEYS].sort())
      for (const key of SESSION_KEYS) {
        const want = expected.session[key]
        const got = result[camel(key)]
        // JSON null (absent) is `undefined` here, as in @workos-inc/node; the key is still present.
        assert.deepEqual(got, want === null ? undefined : want, `${key}`)
      }
      assert.equal(typeof result.claims, 'object')
      assert.equal(result.claims.sid, result.sessionId)
    })
  }
})
