// A deliberately vulnerable notes API: Koa on PostgreSQL. Every flaw is
// listed in manifest.json; never deploy it.
'use strict'

const crypto = require('node:crypto')
const Koa = require('koa')
const Router = require('@koa/router')
const bodyParser = require('koa-bodyparser')
const cors = require('@koa/cors')
const jwt = require('jsonwebtoken')
const { Client } = require('pg')

const JWT_SECRET = process.env.JWT_SECRET || 'changeme'
const hash = (pw) => crypto.createHash('sha256').update(pw).digest('hex')

async function main () {
  // One connection and temporary tables: every start begins empty and
  // leaves nothing behind.
  const db = new Client({ connectionString: process.env.DATABASE_URL })
  await db.connect()
  await db.query(`
    CREATE TEMP TABLE users (user_id SERIAL PRIMARY KEY, username TEXT UNIQUE NOT NULL, email TEXT,
      password_hash TEXT NOT NULL, "isAdmin" BOOLEAN NOT NULL DEFAULT false);
    CREATE TEMP TABLE notes (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT, body TEXT,
      created_at TIMESTAMPTZ DEFAULT now());
  `)
  for (const [name, pw, admin] of [['admin', 'admin-Passw0rd!', true], ['alice', 'alice-Passw0rd!', false], ['bob', 'bob-Passw0rd!', false]]) {
    await db.query('INSERT INTO users (username, email, password_hash, "isAdmin") VALUES ($1, $2, $3, $4)', [name, name + '@notes.test', hash(pw), admin])
  }
  await db.query(`INSERT INTO notes (user_id, title, body) VALUES
    (2, 'Groceries', 'milk, eggs'), (3, 'Diary', 'bob''s private thoughts'), (1, 'Root password', 'rotate it')`)

  const userView = (u) => ({ user_id: u.user_id, username: u.username, email: u.email, isAdmin: u.isAdmin })

  async function auth (ctx, next) {
    const token = ctx.get('Authorization')
    try {
      ctx.state.user = jwt.verify(token, JWT_SECRET)
    } catch (err) {
      ctx.throw(401, 'invalid token')
    }
    await next()
  }

  const router = new Router({ prefix: '/api' })

  router.get('/health', (ctx) => { ctx.body = { ok: true } })

  router.post('/auth/register', async (ctx) => {
    const { username, password, email } = ctx.request.body || {}
    if (typeof username !== 'string' || typeof password !== 'string' || !username || password.length < 8) {
      ctx.throw(400, 'username and a password of 8 characters are required')
    }
    const { rows } = await db.query('INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING *',
      [username, typeof email === 'string' ? email : null, hash(password)])
    if (!rows.length) ctx.throw(409, 'username taken')
    ctx.status = 201
    ctx.body = userView(rows[0])
  })

  router.post('/auth/login', async (ctx) => {
    const { username, password } = ctx.request.body || {}
    const { rows } = await db.query('SELECT * FROM users WHERE username = $1', [String(username)])
    if (!rows.length || rows[0].password_hash !== hash(String(password))) {
      ctx.throw(401, 'invalid username or password')
    }
    const u = rows[0]
    ctx.body = { token: jwt.sign({ user_id: u.user_id, username: u.username, role: u.isAdmin ? 'admin' : 'user' }, JWT_SECRET, { expiresIn: '1h' }) }
  })

  router.get('/users/me', auth, async (ctx) => {
    const { rows } = await db.query('SELECT * FROM users WHERE user_id = $1', [ctx.state.user.user_id])
    ctx.body = userView(rows[0])
  })

  // Updates whatever columns the body names.
  router.patch('/users/me', auth, async (ctx) => {
    const body = ctx.request.body || {}
    const cols = ['username', 'email', 'isAdmin'].filter((c) => c in body)
    if (cols.length) {
      await db.query(`UPDATE users SET ${cols.map((c, i) => `"${c}" = $${i + 2}`).join(', ')} WHERE user_id = $1`,
        [ctx.state.user.user_id, ...cols.map((c) => body[c])])
    }
    const { rows } = await db.query('SELECT * FROM users WHERE user_id = $1', [ctx.state.user.user_id])
    ctx.body = userView(rows[0])
  })

  router.get('/notes', auth, async (ctx) => {
    let sql = `SELECT * FROM notes WHERE user_id = ${Number(ctx.state.user.user_id)}`
    if (ctx.query.search) {
      sql += ` AND title ILIKE '%${ctx.query.search}%'`
    }
    const { rows } = await db.query(sql + ' ORDER BY id')
    ctx.body = { notes: rows.map((n) => ({ ...n, href: '/api/notes/' + n.id })) }
  })

  router.post('/notes', auth, async (ctx) => {
    const { title = '', body = '' } = ctx.request.body || {}
    const { rows } = await db.query('INSERT INTO notes (user_id, title, body) VALUES ($1, $2, $3) RETURNING *', [ctx.state.user.user_id, String(title), String(body)])
    ctx.status = 201
    ctx.body = rows[0]
  })

  router.get('/notes/:note_id', auth, async (ctx) => {
    const { rows } = await db.query('SELECT * FROM notes WHERE id = $1', [ctx.params.note_id])
    if (!rows.length) ctx.throw(404, 'no such note')
    ctx.body = rows[0]
  })

  router.put('/notes/:note_id', auth, async (ctx) => {
    const { title, body } = ctx.request.body || {}
    const { rows } = await db.query('UPDATE notes SET title = COALESCE($2, title), body = COALESCE($3, body) WHERE id = $1 RETURNING *',
      [ctx.params.note_id, title == null ? null : String(title), body == null ? null : String(body)])
    if (!rows.length) ctx.throw(404, 'no such note')
    ctx.body = rows[0]
  })

  router.delete('/notes/:note_id', auth, async (ctx) => {
    const { rowCount } = await db.query('DELETE FROM notes WHERE id = $1 AND user_id = $2', [ctx.params.note_id, ctx.state.user.user_id])
    if (!rowCount) ctx.throw(404, 'no such note')
    ctx.status = 204
  })

  router.get('/admin/stats', auth, async (ctx) => {
    if (ctx.state.user.role !== 'admin') ctx.throw(403, 'admins only')
    const { rows } = await db.query('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM notes) AS notes')
    ctx.body = rows[0]
  })

  const app = new Koa()
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (err) {
      ctx.status = err.status || 500
      ctx.body = { error: err.message, stack: err.expose ? undefined : err.stack }
    }
  })
  app.use(cors({ origin: (ctx) => ctx.get('Origin') || '*', credentials: true }))
  app.use(bodyParser())
  app.use(router.routes())
  app.use(router.allowedMethods())

  const port = Number(process.env.PORT || 3000)
  app.listen(port, '127.0.0.1', () => console.log(`koa-notes listening on ${port}`))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
