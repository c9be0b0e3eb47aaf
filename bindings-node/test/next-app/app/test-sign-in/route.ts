import { saveSession } from '@workos-inc/authkit-nextjs'
import type { NextRequest } from 'next/server'

// Test only: authkit-nextjs's own saveSession seals the tokens the WorkOS API double issued
// into its cookie (as its callback route does), so the suite reads a cookie authkit wrote.
export async function POST(request: NextRequest) {
  if (process.env.SESSIONGATE_TEST_APP !== '1') return new Response('not found', { status: 404 })
  const { accessToken, refreshToken, user } = await request.json()
  await saveSession({ accessToken, refreshToken, user }, request)
  return Response.json({ saved: true })
}
