'use strict'
// A plain node:http server with two routes guarded by the step-up policy in ./policy.js:
//   GET /admin      (cookie session)  403 + RFC 9470 JSON body unless the session used MFA
//                                     (its token's amr, or a step-up grant for this session)
//   GET /api/admin  (Bearer token)    401 + WWW-Authenticate (RFC 9470) unless it carries MFA
// and the step-up a WorkOS session (no amr in its token today) can pass, with the WorkOS MFA API:
//   POST /step-up/start                 challenges the user's TOTP (or SMS) factor
//   POST /step-up/complete {"code"}     verifies the code, sets the grant cookie
//
//   WORKOS_CLIENT_ID=client_… WORKOS_COOKIE_PASSWORD=… WORKOS_API_KEY=sk_… JWKS_FILE=jwks.json node examples/http-server.js
const http = require('node:http')
const { SessionGate, StepUpFailedError } = require('sessiongate')
const { readCookie, readBearer, decide } = require('./policy')

const PENDING_COOKIE = 'sg-step-up-pending'
const GRANT_COOKIE = 'sg-step-up'

/** A `Set-Cookie` value for a step-up cookie (HttpOnly, SameSite=Lax; Secure outside loopback tests). */
const keep = (name, value, maxAge, secure) =>
  `${name}=${value}; Max-Age=${Math.floor(maxAge)}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`

/** The request body as JSON (at most 4 KiB). */
async function readJson(req) {
  let text = ''
  for await (const chunk of req) {
    text += chunk
    if (text.length > 4096) throw Object.assign(new Error('body too large'), { status: 413 })
  }
  return JSON.parse(text || '{}')
}

/** The step-up routes: a cookie session proves a second factor, and gets a grant cookie. */
async function stepUp(gate, req, auth, send, secure) {
  try {
    if (req.url === '/step-up/start') {
      const { pending, factorType, expiresAt } = await gate.startStepUp(auth)
      return send(200, { factorType, expiresAt }, { 'set-cookie': keep(PENDING_COOKIE, pending, 600, secure) })
    }
    const { code } = await readJson(req)
    const pending = readCookie(req.headers.cookie, PENDING_COOKIE) ?? ''
    const grant = await gate.completeStepUp(auth, { pending, code: String(code ?? '') })
    return send(200, { amr: grant.amr, verifiedAt: grant.verifiedAt }, { 'set-cookie': keep(GRANT_COOKIE, grant.grant, grant.expiresAt - grant.verifiedAt, secure) })
  } catch (e) {
    if (e instanceof StepUpFailedError) return send(e.detail === 'no_factor_enrolled' ? 409 : 400, { stepUpFailed: e.detail })
    if (e.status === 413 || e instanceof SyntaxError) return send(e.status ?? 400, { error: 'bad_request' })
    return send(e.retryable ? 503 : 500, { error: e.code })
  }
}

/** The request handler: `gate` is a SessionGate, shared by every request. */
function createHandler({ gate, cookieName = 'wos-session', secureCookies = true }) {
  return async (req, res) => {
    const send = (status, body, headers = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
    if (req.method === 'POST' && (req.url === '/step-up/start' || req.url === '/step-up/complete')) {
      let auth
      try {
        auth = await gate.authenticate(readCookie(req.headers.cookie, cookieName))
      } catch (e) {
        return send(e.retryable ? 503 : 500, { error: e.code })
      }
      if (!auth.authenticated) return send(401, { error: 'unauthenticated', reason: auth.reason })
      return stepUp(gate, req, auth, send, secureCookies)
    }
    let auth
    try {
      if (req.url === '/admin') auth = await gate.authenticate(readCookie(req.headers.cookie, cookieName))
      else if (req.url === '/api/admin') auth = await gate.verifyAccessToken(readBearer(req.headers.authorization))
      else return send(404, { error: 'not_found' })
    } catch (e) {
      // Never a bad cookie or token (those resolve): an outage of the key server. Retry later.
      return send(e.retryable ? 503 : 500, { error: e.code })
    }
    const grant = auth.authenticated ? readCookie(req.headers.cookie, GRANT_COOKIE) : undefined
    const { status, headers, body } = decide(gate, auth, undefined, grant)
    if (status !== 200) return send(status, body, headers)
    if (auth.authenticated) return send(200, { hello: auth.user.email, sessionId: auth.sessionId, amr: auth.amr })
    return send(200, { subject: auth.subject, amr: auth.amr })
  }
}

if (require.main === module) {
  const gate = new SessionGate({
    clientId: process.env.WORKOS_CLIENT_ID,
    cookiePassword: process.env.WORKOS_COOKIE_PASSWORD,
    jwks: require('node:fs').readFileSync(process.env.JWKS_FILE, 'utf8'),
    apiKey: process.env.WORKOS_API_KEY, // step-up through the WorkOS MFA API
  })
  const port = Number(process.env.PORT || 3000)
  http.createServer(createHandler({ gate })).listen(port, '127.0.0.1', () => console.log(`http://127.0.0.1:${port}/admin`))
}

module.exports = { createHandler }
