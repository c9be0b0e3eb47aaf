// A strict TypeScript consumer (issue 18): the SDK's call shapes type-check unchanged, results
// carry @workos-inc/node's types where the shapes are the same, and what must not compile
// does not (`@ts-expect-error` fails the check if the line compiles). Checked by
// `tsc -p tsconfig.consumer.json` in `cargo xtask test node`; never run.
import type { AuthenticationMethod as WorkosAuthenticationMethod, Impersonator as WorkosImpersonator, User as WorkosUser } from '@workos-inc/node'
import Fastify from 'fastify'
import { SessionGate, StepUpPolicy, loadSealedSession, type AuthenticateResult, type SealedUser } from 'sessiongate'
import { requireSession as expressSession, type Middleware } from 'sessiongate/express'
import { requireStepUp as fastifyStepUp } from 'sessiongate/fastify'

declare const cookie: string | undefined
declare const password: string

export async function handler(): Promise<string> {
  const gate = new SessionGate({ clientId: 'client_1', cookiePassword: password })
  // @workos-inc/node's `userManagement.loadSealedSession({ sessionData, cookiePassword })`.
  const session = gate.loadSealedSession({ sessionData: cookie, cookiePassword: password })
  const auth: AuthenticateResult = await session.authenticate()
  if (!auth.authenticated) {
    const reason: 'no_session_cookie_provided' | 'invalid_session_cookie' | 'invalid_jwt' = auth.reason
    const refreshed = await session.refresh({ cookiePassword: password })
    return refreshed.authenticated ? refreshed.sealedSession : reason
  }
  const method: WorkosAuthenticationMethod | undefined = auth.authenticationMethod
  const impersonator: WorkosImpersonator | undefined = auth.impersonator
  const amr: ReadonlyArray<string> | undefined = auth.amr
  // @ts-expect-error amr is read-only
  auth.amr?.push('mfa')
  const user: SealedUser | undefined = auth.user
  const firstName: WorkosUser['firstName'] | undefined = user?.firstName
  const email: string | undefined = user?.email
  // @ts-expect-error a user field is not a number
  const wrong: number | undefined = user?.email
  const data = gate.unsealData('sealed').data
  // @ts-expect-error unsealed data is unknown until checked
  data.accessToken
  const logout: Promise<string> = session.getLogoutUrl({ returnTo: 'https://app.example/' })
  const oneShot = loadSealedSession({ sessionData: cookie, cookiePassword: password })
  void oneShot
  return [method, impersonator?.email, amr?.join(' '), firstName, email, wrong, await logout].join()
}

export function servers(gate: SessionGate): Middleware {
  const app = Fastify()
  app.get('/admin', { preHandler: fastifyStepUp(gate, new StepUpPolicy({ amrAnyOf: ['mfa'] })) }, async () => ({}))
  // @ts-expect-error a misspelt option
  expressSession(gate, { cookieNmae: 'wos_session' })
  return expressSession(gate, { cookieName: 'wos_session', refresh: true })
}
