// No serverExternalPackages: sessiongate/next loads the addon itself (README, "Next.js").
const root = import.meta.dirname
export default { turbopack: { root }, outputFileTracingRoot: root }
