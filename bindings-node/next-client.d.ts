// sessiongate/next/client: the session the server verified, in client components.
import type { ClientAuth } from './next'

/** The session `SessionProvider` (sessiongate/next) rendered with; `loading` is always false. */
export function useAuth(): ClientAuth & { loading: false }
