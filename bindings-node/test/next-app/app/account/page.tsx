import { withAuth } from 'sessiongate/next'

// ensureSignedIn: a signed-out request is redirected; the type says the user is there.
export default async function Account() {
  const { user, sessionId } = await withAuth({ ensureSignedIn: true, signInUrl: '/sign-in' })
  return <p id="account">{user.email} {sessionId}</p>
}
