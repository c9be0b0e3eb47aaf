import { requireStepUp, withAuth } from 'sessiongate/next'

// An MFA route: 403 with the RFC 9470 body unless the session used MFA in the last 10 minutes.
export async function POST() {
  const denied = await requireStepUp({ amrAnyOf: ['mfa'], maxAge: 600 })
  if (denied) return denied
  const { user } = await withAuth({ ensureSignedIn: true, signInUrl: '/sign-in' })
  return Response.json({ ok: true, email: user.email })
}
