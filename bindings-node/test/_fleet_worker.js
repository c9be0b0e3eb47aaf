'use strict'
// One "process" of a fleet, for the fleet suite: the same protocol as the Python suite's
// tests/fleet_worker.py. Builds a gate on the given Redis, reads a cookie from stdin, says ready,
// waits for "go", refreshes it with `requests` concurrent calls, and prints what each got and the
// coordinator's status (JSON). Usage: node _fleet_worker.js CONFIG_JSON
const readline = require('node:readline')
const { SessionGate, SessionGateError } = require('sessiongate')

async function main() {
  const config = JSON.parse(process.argv[2])
  const gate = new SessionGate({
    clientId: config.client_id,
    cookiePassword: config.secret,
    apiKey: config.api_key,
    apiBaseUrl: config.api_base_url,
    refreshCoordinator: config.redis ?? undefined,
    // Each Redis command may take up to 1 s (default 50 ms): on a loaded 2-core machine four
    // processes must still coordinate; the default bound is tested by tests/fleet.rs.
    refreshCoordinatorTimeoutSeconds: config.redis ? 1 : undefined,
    refreshTimeoutSeconds: 5,
  })
  const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  const cookie = (await lines.next()).value.trim()
  process.stdout.write(JSON.stringify({ ready: true }) + '\n')
  if ((await lines.next()).value.trim() !== 'go') throw new Error('expected "go"')
  const request = async () => {
    try {
      const result = await gate.refresh(cookie, { now: config.now })
      return result.authenticated ? { cookie: result.sealedSession } : { refused: result.reason }
    } catch (e) {
      if (e instanceof SessionGateError) return { error: e.code }
      throw e
    }
  }
  const outcomes = await Promise.all(Array.from({ length: config.requests }, request))
  const status = gate.refreshCoordinatorStatus()
  // The Python worker's field names, so the suite reads both the same way.
  const snake = { kind: status.kind, url: status.url ?? null, available: status.available, fallbacks: status.fallbacks, shared: status.shared, refused_values: status.refusedValues, last_error: status.lastError ?? null }
  process.stdout.write(JSON.stringify({ outcomes, status: snake }) + '\n')
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
