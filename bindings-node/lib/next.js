'use strict'
// sessiongate/next: the verified session, with `amr`, in a Next.js App Router app. `withAuth()`
// for server components, route handlers and server actions; `requireStepUp(policy)` for route
// handlers; `SessionProvider` feeding `useAuth()` (sessiongate/next/client) from the server.
//
// Next bundles this file (so the 'use client' provider is a client component and next/headers
// is the app's own); the addon cannot be bundled, so the rest (lib/next-runtime.js) is loaded
// at run time from the app's node_modules. No `serverExternalPackages` entry is needed: one
// would make the client provider a server module.

const { createRequire } = require('node:module')
const path = require('node:path')
const React = require('react')
const { AuthProvider } = require('./next-client.js')

/** @typedef {import('../next').UserInfo} UserInfo */
/** @typedef {import('../next').NoUserInfo} NoUserInfo */
/** @typedef {typeof import('./next-runtime.js')} Runtime */

/** @type {Runtime | undefined} */
let loaded

// The one Node global read here, typed in place (the package has no @types/node).
const { process } = /** @type {{ process: { env: Record<string, string | undefined>, cwd(): string } }} */ (/** @type {unknown} */ (globalThis))

/** The unbundled half, resolved from where the server runs (`next start`: the app's folder). */
function runtime() {
  // The Edge runtime normally resolves lib/next-edge.js ("edge-light"); its error, also here.
  if (process.env.NEXT_RUNTIME === 'edge') require('./next-edge.js')
  loaded ??= /** @type {Runtime} */ (createRequire(path.join(process.cwd(), 'package.json'))('sessiongate/next/runtime'))
  return loaded
}

/**
 * The session cookie: the `x-workos-session` request header first (authkit-nextjs's proxy puts
 * the session it just refreshed there, before the browser has the new cookie), else the cookie.
 * Either is verified the same way: the header is only another place for a sealed cookie.
 */
async function sessionCookie() {
  const { cookies, headers } = require('next/headers')
  const forwarded = (await headers()).get('x-workos-session')
  if (forwarded) return forwarded
  return (await cookies()).get(runtime().cookieName())?.value
}

/**
 * @param {import('../next').WithAuthOptions} [options]
 * @returns {Promise<any>} typed by next.d.ts's overloads
 */
async function withAuth(options = {}) {
  const auth = await runtime().userInfo(await sessionCookie())
  if (auth.user === null && options.ensureSignedIn) {
    const signInUrl = options.signInUrl ?? process.env.SESSIONGATE_SIGN_IN_URL
    if (!signInUrl) throw new Error('sessiongate/next: withAuth({ ensureSignedIn: true }) needs signInUrl (or SESSIONGATE_SIGN_IN_URL) to send a signed-out user to')
    require('next/navigation').redirect(signInUrl)
  }
  return auth
}

/** @type {typeof import('../next').requireStepUp} */
async function requireStepUp(policy) {
  const { cookies } = require('next/headers')
  const grant = (await cookies()).get(runtime().grantCookieName)?.value
  const refusal = await runtime().stepUpRefusal(await sessionCookie(), grant, policy)
  if (refusal === null) return null
  return Response.json(refusal.body, { status: refusal.status, headers: refusal.headers })
}

/** @type {typeof import('../next').SessionProvider} */
async function SessionProvider({ children, accessToken = false }) {
  const { accessToken: token, ...auth } = await withAuth()
  return React.createElement(AuthProvider, { auth: accessToken && token !== undefined ? { ...auth, accessToken: token } : auth }, children)
}

exports.withAuth = withAuth
exports.requireStepUp = requireStepUp
exports.SessionProvider = SessionProvider
