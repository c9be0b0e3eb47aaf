'use strict'
// A plain node:http server with two routes guarded by the step-up policy in ./policy.js:
//   GET /admin      (cookie session)  403 + RFC 9470 JSON body unless the session used MFA
//   GET /api/admin  (Bearer token)    401 + WWW-Authenticate (RFC 9470) unless it carries MFA
//
//   WORKOS_CLIENT_ID=client_… WORKOS_COOKIE_PASSWORD=… JWKS_FILE=jwks.json node examples/http-server.js
const http = require('node:http')
const { SessionGate } = require('sessiongate')
const { readCookie, readBearer, decide } = require('./policy')

/** The request handler: `gate` is a SessionGate, shared by every request. */
function createHandler({ gate, cookieName = 'wos-session' }) {
  return async (req, res) => {
    const send = (status, body, headers = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
    let auth
    try {
      if (req.url === '/admin') auth = await gate.authenticate(readCookie(req.headers.cookie, cookieName))
      else if (req.url === '/api/admin') auth = await gate.verifyAccessToken(readBearer(req.headers.authorization))
      else return send(404, { error: 'not_found' })
    } catch (e) {
      // Never a bad cookie or token (those resolve): an outage of the key server. Retry later.
      return send(e.retryable ? 503 : 500, { error: e.code })
    }
    const { status, headers, body } = decide(gate, auth)
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
  })
  const port = Number(process.env.PORT || 3000)
  http.createServer(createHandler({ gate })).listen(port, '127.0.0.1', () => console.log(`http://127.0.0.1:${port}/admin`))
}

module.exports = { createHandler }
