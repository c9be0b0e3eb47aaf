'use strict'
// Fastify `preHandler` hooks: `requireSession(gate)` puts the verified session on
// `request.sessiongate` or answers 401; `requireStepUp(gate, policy)` also requires the step-up
// (403 + the RFC 9470 body). Both answer 503 during an outage, keeping the cookie, and set a
// renewed cookie with `{ refresh: true }`. Reads the Cookie header itself (no @fastify/cookie
// needed; its `request.cookies` is used when present).

const { judge, parseCookies, setCookieHeader } = require('./web.js')

/**
 * @param {import('../index').SessionGate} gate
 * @param {import('../index').StepUpPolicy | undefined} policy
 * @param {import('../web').WebOptions} options
 * @returns {import('../fastify').Hook}
 */
function hook(gate, policy, options) {
  return async (request, reply) => {
    const cookies = request.cookies ?? parseCookies(request.headers.cookie)
    const verdict = await judge(gate, cookies, options, policy)
    const setCookie = setCookieHeader(verdict, options, request.protocol === 'https')
    if (setCookie !== undefined) reply.header('set-cookie', setCookie)
    if (verdict.refusal) {
      reply.code(verdict.refusal.status).headers(verdict.refusal.headers)
      return reply.send(verdict.refusal.body)
    }
    request.sessiongate = verdict.session
  }
}

/** @type {typeof import('../fastify').requireSession} */
function requireSession(gate, options = {}) {
  return hook(gate, undefined, options)
}

/** @type {typeof import('../fastify').requireStepUp} */
function requireStepUp(gate, policy, options = {}) {
  return hook(gate, policy, options)
}

// Named exports ESM `import { requireSession } from 'sessiongate/fastify'` can see.
exports.requireSession = requireSession
exports.requireStepUp = requireStepUp
