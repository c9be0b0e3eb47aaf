import { authkitProxy } from '@workos-inc/authkit-nextjs'

// authkit-nextjs's own proxy (Node.js runtime): it refreshes an expired session and passes the
// new one on in the x-workos-session request header, which sessiongate/next reads first.
export default authkitProxy()

export const config = { matcher: ['/', '/account', '/api/:path*'] }
