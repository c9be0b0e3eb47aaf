'use client'
import { useEffect, useState } from 'react'
import { useAuth } from 'sessiongate/next/client'

// A client component: the same session through useAuth(), rendered again once hydrated.
export default function ClientSession() {
  const auth = useAuth()
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  const amr: ReadonlyArray<string> | undefined = auth.amr
  return (
    <section id="client" data-hydrated={hydrated ? 'yes' : 'no'}>
      <p id="client-user">{auth.user ? auth.user.email : 'signed out'}</p>
      <p id="client-amr">{amr ? amr.join(' ') : 'no amr'}</p>
      <p id="client-token">{auth.accessToken === undefined ? 'no token' : 'token'}</p>
    </section>
  )
}
