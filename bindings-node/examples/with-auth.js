'use strict'
// A Next.js-style `withAuth` helper for route handlers (web `Request` -> `Response`): the
// handler runs only for sessions that satisfy the step-up policy (default: MFA); others get
// 401, or 403 with the RFC 9470 JSON body.
//
//   // app/admin/route.js
//   export const GET = withAuth(gate, async (request, { auth }) => Response.json({ hello: auth.user.email }))
const { readCookie, decide, adminPolicy } = require('./policy')

function withAuth(gate, handler, { cookieName = 'wos-session', policy = adminPolicy } = {}) {
  return async (request, context = {}) => {
    let auth
    try {
      auth = await gate.authenticate(readCookie(request.headers.get('cookie'), cookieName))
    } catch (e) {
      return Response.json({ error: e.code }, { status: e.retryable ? 503 : 500 })
    }
    const { status, headers, body } = decide(gate, auth, policy)
    if (status !== 200) return Response.json(body, { status, headers })
    return handler(request, { ...context, auth })
  }
}

module.exports = { withAuth }
