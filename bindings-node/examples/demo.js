'use strict'
// `cargo xtask demo`: authenticate the fixture's sessions through the Node binding and print
// a table. Usage: node examples/demo.js target/demo/fixture.json
const fs = require('node:fs')
const { SessionGate } = require('sessiongate')

async function main(file) {
  const fixture = JSON.parse(fs.readFileSync(file, 'utf8'))
  const gate = new SessionGate({ clientId: fixture.client_id, cookiePassword: fixture.cookie_passwords, jwks: fixture.jwks })
  const rows = [['binding', 'label', 'format', 'session id', 'user email', 'amr', 'mfa?']]
  for (const session of fixture.sessions) {
    const auth = await gate.authenticate(session.cookie, { now: fixture.now })
    if (!auth.authenticated) throw new Error(`${session.label}: refused (${auth.reason}, ${auth.detail})`)
    const amr = auth.amr ?? []
    rows.push(['node', session.label, auth.format, auth.sessionId, auth.user?.email ?? '-', amr.join(',') || '-', amr.includes('mfa') ? 'yes' : 'no'])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd(widths[i])).join('  ').trimEnd())
}

main(process.argv[2] || 'target/demo/fixture.json').catch((e) => {
  console.error(`node demo: ${e.message}`)
  process.exit(1)
})
