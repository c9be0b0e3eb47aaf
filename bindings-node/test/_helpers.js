'use strict'
// Shared test helpers: the vectors, RS256 signing with node:crypto, and loopback servers (the
// JWKS smoke test, the WorkOS API for the SDK interop test and the bench).
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')

const VECTORS = path.join(__dirname, '..', '..', 'tests', 'vectors')

function readJson(file) {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'))
}

const peer = readJson('peers/workos-node-11.0.0.json')
const KID = peer.private_jwks.main.kid
const privateKey = crypto.createPrivateKey({ key: peer.private_jwks.main, format: 'jwk' })

const b64url = (data) => Buffer.from(data).toString('base64url')

/** An RS256 JWT signed with the peer file's main test key (kid as in its `jwks`). */
function signToken(claims, { kid = KID, key = privateKey } = {}) {
  const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`
  const signature = crypto.sign('sha256', Buffer.from(input), key)
  return `${input}.${signature.toString('base64url')}`
}

const USER = {
  object: 'user',
  id: 'user_01NODETEST0000000000000000',
  email: 'ada@example.com',
  emailVerified: true,
  name: null,
  firstName: 'Ada',
  profilePictureUrl: null,
  lastName: 'Lovelace',
  lastSignInAt: '2026-01-01T00:00:00.000Z',
  locale: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  externalId: null,
  metadata: {},
}

/** Claims of a WorkOS-shaped access token, valid for an hour from now. */
function claims(overrides = {}) {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: peer.issuer,
    sub: USER.id,
    sid: 'session_01NODETEST000000000000000',
    jti: '01NODETESTJTI',
    org_id: 'org_01NODETEST0000000000000000',
    role: 'admin',
    roles: ['admin', 'member'],
    permissions: ['posts:read', 'posts:write'],
    entitlements: ['audit-logs'],
    feature_flags: ['beta-dashboard'],
    amr: ['pwd', 'mfa'],
    auth_time: now - 60,
    iat: now - 60,
    exp: now + 3600,
    ...overrides,
  }
}

const CLIENT_ID = peer.client_id
const PASSWORD = peer.cookie_password
const REFRESH_TOKEN = 'refresh-token-SECRET-never-printed-0123456789'

/** A gate over the peer file's keys. */
function gateOptions(overrides = {}) {
  return { clientId: CLIENT_ID, cookiePassword: PASSWORD, jwks: peer.jwks, ...overrides }
}

/** An empty list in a case's config means "not checked": the option left out. */
const listOrAbsent = (list) => (list.length ? list : undefined)

/** The gate options of a cases.json case's `config`, with `jwks` the file's named key sets. */
function caseGateOptions(config, jwks) {
  if (!jwks[config.jwks]) throw new Error(`cases.json: no jwks named ${config.jwks}`)
  return {
    clientId: config.client_id,
    cookiePassword: config.cookie_passwords,
    jwks: jwks[config.jwks],
    issuer: listOrAbsent(config.issuers),
    audience: listOrAbsent(config.audiences),
    leeway: config.leeway,
    requireExp: config.require_exp,
    maxCookieBytes: config.max_cookie_bytes,
    formats: config.formats,
    allowWeakSecrets: config.allow_weak_secrets,
  }
}

/**
 * A loopback server: `routes` maps a path to a handler `(req, body) => [status, json]`
 * (or a promise of it). Bounded: it closes itself after `lifetimeMs`.
 */
async function startServer(routes, { lifetimeMs = 120_000 } = {}) {
  const server = http.createServer(async (req, res) => {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const route = routes[req.url.split('?')[0]]
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}')
      return
    }
    const [status, json] = await route(req, Buffer.concat(chunks).toString('utf8'))
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const timer = setTimeout(() => server.close(), lifetimeMs)
  timer.unref()
  server.unref()
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        clearTimeout(timer)
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}

/** A mock of the two WorkOS endpoints the SDK calls: JWKS and `/user_management/authenticate`. */
function workosRoutes({ accessToken, refreshToken = REFRESH_TOKEN, user = USER, authenticationMethod = 'Password', impersonator }) {
  const apiUser = {
    object: 'user',
    id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    first_name: user.firstName,
    profile_picture_url: user.profilePictureUrl,
    last_name: user.lastName,
    last_sign_in_at: user.lastSignInAt,
    locale: user.locale,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    external_id: user.externalId,
    metadata: user.metadata,
  }
  return {
    [`/sso/jwks/${CLIENT_ID}`]: async () => [200, peer.jwks],
    '/user_management/authenticate': async () => [
      200,
      {
        user: apiUser,
        organization_id: 'org_01NODETEST0000000000000000',
        access_token: accessToken(),
        refresh_token: refreshToken,
        authentication_method: authenticationMethod,
        ...(impersonator ? { impersonator } : {}),
      },
    ],
  }
}

module.exports = {
  readJson,
  peer,
  KID,
  signToken,
  claims,
  USER,
  CLIENT_ID,
  PASSWORD,
  REFRESH_TOKEN,
  gateOptions,
  caseGateOptions,
  startServer,
  workosRoutes,
}
