'use strict'
// The package's entry point: the addon's classes (found by the napi-generated loader,
// ../index.js) and the JavaScript half (error classes, result builders), handed to the native
// side once per environment: the main thread and each worker.

/** @typedef {typeof import('../index')} Api */
/**
 * The error classes index.d.ts declares (lib/errors.js defines them).
 * @typedef {{ [K in keyof Api]: Api[K] extends abstract new (...args: any) => import('../index').SessionGateError ? K : never }[keyof Api]} ErrorClassName
 */
/**
 * The addon: every other value index.d.ts declares, plus `install` (its argument typed by the
 * Rust side, src/runtime.rs) and `notDisplayed` (the core's `NOT_DISPLAYED`).
 * @typedef {Omit<Api, ErrorClassName> & { install(runtime: import('../index').NativeRuntime): void, notDisplayed(): string[] }} Native
 */
const native = /** @type {Native} */ (/** @type {unknown} */ (require('../index.js')))
const errors = require('./errors.js')
const results = require('./results.js')
const { workosEnvironment } = require('./web.js')

errors.configure(native.errorCodes())
results.configure(native.notDisplayed())
native.install({ ...errors.builders, ...results.builders })

/**
 * The one-shot helper shaped like @workos-inc/node's `userManagement.loadSealedSession`.
 * @type {typeof import('../index').loadSealedSession}
 */
function loadSealedSession(options) {
  const { sessionData, ...gateOptions } = options ?? {}
  // What the app leaves out comes from the WorkOS variables, as @workos-inc/node's client reads them.
  const workos = workosEnvironment([])
  const gate = new native.SessionGate(/** @type {import('../index').SessionGateOptions} */ ({
    ...gateOptions,
    clientId: gateOptions.clientId ?? workos.clientId,
    apiKey: gateOptions.apiKey ?? workos.apiKey,
    apiBaseUrl: gateOptions.apiBaseUrl ?? workos.apiBaseUrl,
    sharedKeyCache: true,
  }))
  return gate.loadSealedSession({ sessionData })
}

// Not the package's API: the addon's helpers for lib/index.js and lib/web.js.
const { install: _install, notDisplayed: _notDisplayed, signedOutRefusal: _a, sessionCookieHeader: _b, defaultCookieNames: _c, workosEnvironment: _d, ...api } = /** @type {Native & Record<'signedOutRefusal' | 'sessionCookieHeader' | 'defaultCookieNames' | 'workosEnvironment', unknown>} */ (native)
module.exports = /** @satisfies {typeof import('../index')} */ ({ ...api, ...errors.classes, loadSealedSession })
