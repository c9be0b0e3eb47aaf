'use client'
'use strict'
// sessiongate/next/client: `useAuth()` in client components, fed by sessiongate/next's
// `SessionProvider` with the session the server verified at render (no token unless the
// provider is asked for it). Re-rendering the server (router.refresh()) refreshes it.

const React = require('react')

/** @type {React.Context<import('../next').ClientAuth | undefined>} */
const AuthContext = React.createContext(/** @type {import('../next').ClientAuth | undefined} */ (undefined))

/**
 * Rendered by `SessionProvider`; not for direct use.
 * @param {{ auth: import('../next').ClientAuth, children?: React.ReactNode }} props
 */
function AuthProvider({ auth, children }) {
  return React.createElement(AuthContext.Provider, { value: auth }, children)
}

/** @type {typeof import('../next-client').useAuth} */
function useAuth() {
  const auth = React.useContext(AuthContext)
  if (auth === undefined) throw new Error('useAuth() needs <SessionProvider> (sessiongate/next) above it, in a server layout')
  return /** @type {any} */ ({ ...auth, loading: false })
}

exports.AuthProvider = AuthProvider
exports.useAuth = useAuth
