// A deliberately vulnerable multi-tenant helpdesk API in Fastify. Every
// flaw is listed in manifest.json; never deploy it.
'use strict'

const crypto = require('node:crypto')
const Fastify = require('fastify')
const initSqlJs = require('sql.js')

const hash = (pw) => crypto.createHash('sha256').update(pw).digest('hex')

async function main () {
  const SQL = await initSqlJs()
  const raw = new SQL.Database()
  const all = (sql, params = []) => {
    const stmt = raw.prepare(sql)
    try {
      stmt.bind(params)
      const out = []
      while (stmt.step()) out.push(stmt.getAsObject())
      return out
    } finally {
      stmt.free()
    }
  }
  raw.run(`CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE, password_hash TEXT, tenant TEXT, role TEXT, display_name TEXT);
           CREATE TABLE tickets (id TEXT PRIMARY KEY, tenant TEXT, reporter_id TEXT, title TEXT, body TEXT, status TEXT, created_at TEXT)`)
  const users = {}
  for (const [name, tenant, role] of [['admin', 'acme', 'admin'], ['alice', 'acme', 'agent'], ['bob', 'globex', 'agent']]) {
    const id = crypto.randomUUID()
    users[name] = id
    raw.run('INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)', [id, `${name}@${tenant}.test`, hash(`${name}-Passw0rd!`), tenant, role, name])
  }
  for (const [tenant, who, title] of [['acme', 'alice', 'Printer on fire'], ['globex', 'bob', 'VPN down'], ['acme', 'admin', 'Rotate keys']]) {
    raw.run('INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?)', [crypto.randomUUID(), tenant, users[who], title, '', 'open', new Date().toISOString()])
  }

  const app = Fastify({ logger: false })
  await app.register(require('@fastify/helmet'))
  await app.register(require('@fastify/cors'), { origin: true, credentials: true })
  await app.register(require('@fastify/rate-limit'), { global: false })
  await app.register(require('@fastify/jwt'), { secret: 'supersecret', sign: { expiresIn: '15m' } })

  app.decorate('authenticate', async (request, reply) => {
    try {
      await request.jwtVerify()
    } catch (err) {
      reply.code(401).send({ error: 'unauthorized' })
    }
  })
  const userView = (u) => ({ id: u.id, email: u.email, tenant: u.tenant, role: u.role, display_name: u.display_name })

  app.get('/health', async () => ({ ok: true }))

  app.post('/auth/login', {
    config: { rateLimit: { max: 5, timeWindow: '1 minute' } },
    schema: { body: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string' }, password: { type: 'string' } } } }
  }, async (request, reply) => {
    const [u] = all('SELECT * FROM users WHERE email = ?', [request.body.email])
    if (!u || u.password_hash !== hash(request.body.password)) {
      return reply.code(401).send({ error: 'invalid email or password' })
    }
    return { token: app.jwt.sign({ sub: u.id, tenant: u.tenant, role: u.role }) }
  })

  app.get('/me', { onRequest: [app.authenticate] }, async (request) => {
    const u = all('SELECT * FROM users WHERE id = ?', [request.user.sub])[0]
    return { ...userView(u), _links: { self: '/me', tickets: `/tenants/${u.tenant}/tickets` } }
  })

  app.patch('/me', { onRequest: [app.authenticate] }, async (request) => {
    const body = request.body || {}
    for (const col of ['email', 'display_name', 'role']) {
      if (typeof body[col] === 'string') raw.run(`UPDATE users SET ${col} = ? WHERE id = ?`, [body[col], request.user.sub])
    }
    return userView(all('SELECT * FROM users WHERE id = ?', [request.user.sub])[0])
  })

  app.get('/tenants/:tenant/tickets', { onRequest: [app.authenticate] }, async (request) => {
    const sort = request.query.sort || 'created_at'
    const rows = all(`SELECT id, tenant, title, status, created_at FROM tickets WHERE tenant = ? ORDER BY ${sort}`, [request.params.tenant])
    return { tenant: request.params.tenant, tickets: rows.map((t) => ({ ...t, href: `/tickets/${t.id}` })) }
  })

  app.post('/tenants/:tenant/tickets', {
    onRequest: [app.authenticate],
    schema: { body: { type: 'object', required: ['title'], properties: { title: { type: 'string' }, body: { type: 'string' } } } }
  }, async (request, reply) => {
    if (request.params.tenant !== request.user.tenant) return reply.code(403).send({ error: 'not your tenant' })
    const id = crypto.randomUUID()
    raw.run('INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?)', [id, request.user.tenant, request.user.sub, request.body.title, request.body.body || '', 'open', new Date().toISOString()])
    return reply.code(201).send({ id })
  })

  app.get('/tickets/:id', { onRequest: [app.authenticate] }, async (request, reply) => {
    const [t] = all('SELECT * FROM tickets WHERE id = ? AND tenant = ?', [request.params.id, request.user.tenant])
    if (!t) return reply.code(404).send({ error: 'no such ticket' })
    const [reporter] = all('SELECT * FROM users WHERE id = ?', [t.reporter_id])
    return { ...t, reporter }
  })

  app.get('/admin/tenants', { onRequest: [app.authenticate] }, async () => {
    return { tenants: all('SELECT tenant, count(*) AS users, group_concat(email) AS emails FROM users GROUP BY tenant') }
  })

  app.get('/admin/users', { onRequest: [app.authenticate] }, async (request, reply) => {
    if (request.user.role !== 'admin') return reply.code(403).send({ error: 'admins only' })
    return { users: all('SELECT * FROM users').map(userView) }
  })

  await app.listen({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' })
  console.log('fastify-tickets listening')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
