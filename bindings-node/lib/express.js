'use strict'
// Express / Connect middleware (also plain node:http handlers): `requireSession(gate)` puts
// the verified session on `req.sessiongate` or answers 401; `requireStepUp(gate, policy)` also
// requires the step-up (403 + the RFC 9470 body). Both answer 503 during an outage, keeping the
// cookie, and set a renewed cookie with `{ refresh: true }`. Only node:http's response methods
// are used (statusCode, setHeader, getHeader, end), so no framework package is needed.

const { judge, parseCookies, setCookieHeader } = require('./web.js')

/** @typedef {import('../express').Request} Request */
/** @typedef {import('../express').Response} Response */

/**
 * @param {import('../index').SessionGate} gate
 * @param {import('../index').StepUpPolicy | undefined} policy
 * @param {import('../web').WebOptions} options
 * @returns {import('../express').Middleware}
 */
function middleware(gate, policy, options) {
  return (req, res, next) => {
    const cookies = req.cookies ?? parseCookies(req.headers.cookie)
    judge(gate, cookies, options, policy).then((verdict) => {
      const https = req.secure ?? Boolean(req.socket?.encrypted)
      const setCookie = setCookieHeader(verdict, options, https)
      if (setCookie !== undefined) {
        const present = res.getHeader('set-cookie')
        res.setHeader('set-cookie', [...(Array.isArray(present) ? present : present ? [String(present)] : []), setCookie])
      }
      if (verdict.refusal) {
        res.statusCode = verdict.refusal.status
        for (const [name, value] of Object.entries(verdict.refusal.headers)) res.setHeader(name, value)
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(verdict.refusal.body))
        return
      }
      req.sessiongate = verdict.session
      next()
    }, next)
  }
}

/** @type {typeof import('../express').requireSession} */
function requireSession(gate, options = {}) {
  return middleware(gate, undefined, options)
}

/** @type {typeof import('../express').requireStepUp} */
function requireStepUp(gate, policy, options = {}) {
  return middleware(gate, policy, options)
}

// Named exports ESM `import { requireSession } from 'sessiongate/express'` can see.
exports.requireSession = requireSession
exports.requireStepUp = requireStepUp
