import { withAuth } from 'sessiongate/next'
import ClientSession from './client-session'

// A server component: the session as withAuth() verified it.
export default async function Home() {
  const auth = await withAuth()
  return (
    <main>
      <p id="server-user">{auth.user ? auth.user.email : 'signed out'}</p>
      <p id="server-amr">{auth.amr ? auth.amr.join(' ') : 'no amr'}</p>
      <ClientSession />
    </main>
  )
}
