// The package loads from ESM with named exports, the same objects as from CommonJS.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { it } from 'node:test'
import sessiongate, { SessionGate, SessionGateError, ConfigurationError } from 'sessiongate'

const require = createRequire(import.meta.url)

it('ESM named exports are the CommonJS exports', async () => {
  const cjs = require('sessiongate')
  const esm = await import('sessiongate')
  assert.equal(SessionGate, cjs.SessionGate)
  assert.equal(sessiongate, cjs)
  for (const name of Object.keys(cjs).filter((n) => !n.startsWith('__'))) {
    assert.equal(esm[name], cjs[name], `${name} is not exported from index.mjs`)
  }
  assert.throws(() => new SessionGate({}), (e) => e instanceof ConfigurationError && e instanceof SessionGateError)
})
