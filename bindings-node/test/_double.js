'use strict'
// The WorkOS API double (tests/double/README.md): `cargo xtask test node` builds it and passes
// its path in SESSIONGATE_WORKOS_DOUBLE. It prints one JSON line and exits when its stdin
// closes, so a test process that dies never leaves it running.
const { spawn } = require('node:child_process')

/**
 * Starts the double; resolves its config (`url`, `clientId`, `apiKey`, `jwksUrl`, `jwks`) and
 * helpers for its control endpoints. A missing binary fails the test (never a skip).
 * @param {string[]} [args] the binary's options (`--grace-ms`, `--access-token-ttl`…)
 */
async function startDouble(args = []) {
  const binary = process.env.SESSIONGATE_WORKOS_DOUBLE
  if (!binary) throw new Error('SESSIONGATE_WORKOS_DOUBLE is not set: run the suite with `cargo xtask test node`')
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error('the WorkOS double printed nothing in 10 s')), 10_000)
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the WorkOS double exited (${code}) before printing its config`)))
    child.stdout.on('data', (chunk) => {
      text += chunk
      const end = text.indexOf('\n')
      if (end >= 0) {
        clearTimeout(timer)
        resolve(text.slice(0, end))
      }
    })
  })
  child.removeAllListeners('exit')
  const config = JSON.parse(line)
  const request = async (method, path, body) => {
    const answer = await fetch(`${config.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await answer.text()
    if (!answer.ok) throw new Error(`double ${method} ${path}: ${answer.status} ${text}`)
    return text ? JSON.parse(text) : null
  }
  const double = {
    url: config.url,
    clientId: config.client_id,
    apiKey: config.api_key,
    jwksUrl: config.jwks_url,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    /** Sets the double's clock (unix seconds), or real time with `null`. */
    clock: (now) => request('POST', '/_double/clock', { now }),
    stop() {
      child.stdin.end()
    },
  }
  double.jwks = (await double.get('/_double/config')).jwks
  return double
}

module.exports = { startDouble }
