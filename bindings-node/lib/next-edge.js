'use strict'
// sessiongate/next as the Edge runtime resolves it (the "edge-light" condition): the addon
// cannot run there, so importing says what to do instead of failing later with a vaguer error.
throw new Error(
  'sessiongate/next runs on the Node.js runtime (it loads a native addon), not on the Edge runtime: ' +
    'use proxy.ts (Next.js 16) instead of middleware.ts, or `export const runtime = "nodejs"` in the route',
)
