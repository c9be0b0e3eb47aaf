// sessiongate/next: the verified session, with amr, in a Next.js App Router app (Node.js runtime).
import type { ReactElement, ReactNode } from 'react'
import type { AuthenticateSuccess, SealedUser, StepUpPolicyOptions } from './index'

/** The fields of authkit-nextjs's `UserInfo` a session has, plus how the user authenticated. */
type SessionFields = 'sessionId' | 'organizationId' | 'role' | 'roles' | 'permissions' | 'entitlements' | 'featureFlags' | 'impersonator' | 'amr' | 'acr' | 'authTime'

/**
 * authkit-nextjs's `withAuth()` fields for a signed-in request, plus how the user
 * authenticated: `amr` (`["pwd", "mfa"]`…), `acr` and `authTime` (seconds since the epoch).
 */
export interface UserInfo extends Pick<AuthenticateSuccess, SessionFields> {
  /** The sealed user, verbatim. */
  user: SealedUser
  /** The verified access token (server side only; `SessionProvider` passes it only when asked). */
  accessToken: string
}

/** A request without a valid session. */
export type NoUserInfo = { user: null } & { [K in SessionFields | 'accessToken']?: undefined }

/** What `useAuth()` holds: `withAuth()`'s fields without the token (unless the provider passes it). */
export type ClientAuth = (Omit<UserInfo, 'accessToken'> & { accessToken?: string }) | NoUserInfo

export interface WithAuthOptions {
  /** Redirect a signed-out request to `signInUrl` (Next's `redirect`) instead of answering `{ user: null }`. */
  ensureSignedIn?: boolean
  /** Where `ensureSignedIn` sends a signed-out user (default: `SESSIONGATE_SIGN_IN_URL`). */
  signInUrl?: string
}

/**
 * The request's session: the `x-workos-session` header (authkit-nextjs's proxy) first, else the
 * `WORKOS_COOKIE_NAME` cookie (default `wos-session`), verified against the issuer's keys.
 * Configured from `WORKOS_CLIENT_ID`, `WORKOS_COOKIE_PASSWORD`, `WORKOS_API_KEY` (and
 * `WORKOS_API_HOSTNAME`/`_HTTPS`/`_PORT`), read on first use. Rejects with the retryable
 * error during a key outage (never a sign-out).
 */
export function withAuth(options: WithAuthOptions & { ensureSignedIn: true }): Promise<UserInfo>
export function withAuth(options?: WithAuthOptions): Promise<UserInfo | NoUserInfo>

/**
 * In a route handler: `const denied = await requireStepUp({ amrAnyOf: ['mfa'], maxAge: 600 }); if (denied) return denied`.
 * Resolves null when the session passes the policy (a step-up grant in the `sg-step-up`
 * cookie counts), else the answer: 401 without a session, 403 with the RFC 9470 body, 503
 * (Retry-After) during an outage.
 */
export function requireStepUp(policy: StepUpPolicyOptions): Promise<Response | null>

/** A server component (in a layout) that feeds `useAuth()` below it with the request's session. */
export function SessionProvider(props: { children?: ReactNode; /** pass the access token to the browser too (default false) */ accessToken?: boolean }): Promise<ReactElement>
