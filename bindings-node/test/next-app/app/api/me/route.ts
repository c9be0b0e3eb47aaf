import { withAuth } from 'sessiongate/next'

// A route handler: withAuth()'s fields (the token only as a flag).
export async function GET() {
  const { accessToken, ...auth } = await withAuth()
  return Response.json({ ...auth, hasAccessToken: accessToken !== undefined })
}
