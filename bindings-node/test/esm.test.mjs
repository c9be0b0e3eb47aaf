// The package loads from ESM with named exports: index.mjs's list is the CommonJS entry's
// exports and the values index.d.ts declares.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { it } from 'node:test'
import sessiongate, { SessionGate, SessionGateError, ConfigurationError } from 'sessiongate'

const require = createRequire(import.meta.url)
const publicNames = (names) => [...names].filter((n) => !n.startsWith('__')).sort()

it('ESM named exports are the CommonJS exports and the values index.d.ts declares', async () => {
  const cjs = require('sessiongate')
  const esm = await import('sessiongate')
  assert.equal(SessionGate, cjs.SessionGate)
  assert.equal(sessiongate, cjs)
  const names = publicNames(Object.keys(cjs))
  assert.deepEqual(publicNames(Object.keys(esm).filter((n) => n !== 'default')), names, 'index.mjs lists every export')
  for (const name of names) assert.equal(esm[name], cjs[name], `${name} is not the CommonJS export`)
  const dts = fs.readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const declared = [...dts.matchAll(/^export declare (?:class|function|const) (\w+)/gm)].map((m) => m[1])
  assert.deepEqual(publicNames(declared), names, 'index.d.ts declares every export, and nothing else')
  assert.throws(() => new SessionGate({}), (e) => e instanceof ConfigurationError && e instanceof SessionGateError)
})
