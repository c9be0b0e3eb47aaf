// The options and verdict the server helpers share (sessiongate/express, sessiongate/fastify).
import type { AuthenticateSuccess } from './index'

/** How the server helpers find and keep the session. */
export interface WebOptions {
  /** The session cookie (default `wos-session`, authkit's). */
  cookieName?: string
  /** Where the app keeps a step-up grant (`completeStepUp`), counted by step-up checks (default `sg-step-up`). */
  grantCookieName?: string
  /**
   * Renew an expired (or soon expiring) session through the WorkOS API
   * (`authenticateOrRefresh`; the gate needs `apiKey`), set the new cookie on the response,
   * and delete a cookie that cannot become valid again. Default false.
   */
  refresh?: boolean
  /** The `Secure` flag of a cookie set (default: when the request came over https). */
  cookieSecure?: boolean
}

/**
 * The WorkOS variables as the helpers that build a gate read them (the core's rule):
 * `WORKOS_CLIENT_ID`, `WORKOS_COOKIE_PASSWORD`, `WORKOS_API_KEY`, `WORKOS_BASE_URL` or
 * authkit-nextjs's `WORKOS_API_HOSTNAME` / `WORKOS_API_PORT` / `WORKOS_API_HTTPS`, and
 * `WORKOS_COOKIE_NAME`. An unset (or empty) variable leaves its field out.
 */
export interface WorkosEnvironment {
  clientId?: string
  cookiePassword?: string
  apiKey?: string
  apiBaseUrl?: string
  cookieName?: string
}

/** The answer sent instead of the route. */
export interface Refusal {
  status: number
  body: Record<string, unknown>
  headers: Record<string, string>
}

/** What a request gets: the session, or a refusal; and the cookie change to make. */
export interface Verdict {
  session: AuthenticateSuccess | undefined
  refusal: Refusal | undefined
  newCookie?: string | undefined
  clearCookie: boolean
}
