// A deliberately vulnerable shop API in the shape of an Express + Angular
// single-page shop. Every flaw is listed in manifest.json; never deploy it.
'use strict'

const crypto = require('node:crypto')
const path = require('node:path')
const express = require('express')
const cors = require('cors')
const cookieParser = require('cookie-parser')
const serveIndex = require('serve-index')
const jwt = require('jsonwebtoken')
const initSqlJs = require('sql.js')

const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
})

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex')

// A better-sqlite3-style facade over sql.js, so the routes read as usual.
function wrap (raw) {
  return {
    exec: (sql) => raw.exec(sql),
    prepare: (sql) => {
      const rows = (params) => {
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
      return {
        all: (...params) => rows(params),
        get: (...params) => rows(params)[0],
        run: (...params) => {
          raw.run(sql, params)
          return { lastInsertRowid: raw.exec('SELECT last_insert_rowid()')[0].values[0][0] }
        }
      }
    }
  }
}

async function main () {
const db = wrap(new (await initSqlJs()).Database())
db.exec(`
  CREATE TABLE Users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, password TEXT, role TEXT DEFAULT 'customer',
    username TEXT DEFAULT '', deluxeToken TEXT DEFAULT '', createdAt TEXT, deletedAt TEXT);
  CREATE TABLE Products (id INTEGER PRIMARY KEY, name TEXT, description TEXT, price REAL, deletedAt TEXT);
  CREATE TABLE Baskets (id INTEGER PRIMARY KEY, UserId INTEGER, coupon TEXT);
  CREATE TABLE BasketItems (id INTEGER PRIMARY KEY, BasketId INTEGER, ProductId INTEGER, quantity INTEGER);
`)
const now = new Date().toISOString()
const addUser = db.prepare('INSERT INTO Users (email, password, role, username, createdAt) VALUES (?, ?, ?, ?, ?)')
for (const [email, pw, role, name] of [
  ['admin@shop.test', 'admin-Passw0rd!', 'admin', 'admin'],
  ['alice@shop.test', 'alice-Passw0rd!', 'customer', 'alice'],
  ['bob@shop.test', 'bob-Passw0rd!', 'customer', 'bob']
]) {
  const { lastInsertRowid: id } = addUser.run(email, md5(pw), role, name, now)
  db.prepare('INSERT INTO Baskets (UserId) VALUES (?)').run(id)
}
const addProduct = db.prepare('INSERT INTO Products (name, description, price) VALUES (?, ?, ?)')
addProduct.run('Apple Juice', 'The all-time classic.', 1.99)
addProduct.run('Banana Juice', 'Monkeys love it the most.', 1.99)
addProduct.run('Carrot Juice', 'As the old German saying goes.', 2.99)
db.prepare('INSERT INTO BasketItems (BasketId, ProductId, quantity) VALUES (1, 1, 2), (2, 2, 1), (3, 3, 5)').run()

function authorize (user) {
  // No expiresIn: the token is valid forever.
  return jwt.sign({ status: 'success', data: user }, privateKey, { algorithm: 'RS256' })
}

// HS256 stays allowed for tokens minted by the legacy mobile backend.
function verify (token) {
  try {
    return jwt.verify(token, publicKey, { algorithms: ['RS256', 'HS256'] })
  } catch (err) {
    return null
  }
}

function isAuthorized (req, res, next) {
  const token = (req.headers.authorization || '').replace('Bearer ', '') || req.cookies.token
  const decoded = token && verify(token)
  if (!decoded || !decoded.data) {
    return res.status(401).json({ status: 'error', message: 'No Authorization header was found' })
  }
  req.user = decoded.data
  next()
}

const app = express()
app.use(cors())
app.use((req, res, next) => {
  res.set('X-Frame-Options', 'ALLOWALL')
  next()
})
app.use(express.json())
app.use(cookieParser())

app.get('/rest/admin/application-version', (req, res) => {
  res.json({ version: '1.4.2' })
})

app.get('/rest/admin/users', isAuthorized, (req, res) => {
  res.json({ status: 'success', data: db.prepare('SELECT * FROM Users').all() })
})

app.post('/rest/user/login', (req, res, next) => {
  const { email = '', password = '' } = req.body || {}
  try {
    const user = db.prepare(`SELECT * FROM Users WHERE email = '${email}' AND password = '${md5(String(password))}' AND deletedAt IS NULL`).get()
    if (!user) {
      return res.status(401).send('Invalid email or password.')
    }
    const token = authorize({ id: user.id, email: user.email, password: user.password, role: user.role, deluxeToken: user.deluxeToken })
    const basket = db.prepare('SELECT id FROM Baskets WHERE UserId = ?').get(user.id)
    res.json({ authentication: { token, bid: basket && basket.id, umail: user.email } })
  } catch (err) {
    next(err)
  }
})

app.get('/rest/user/whoami', isAuthorized, (req, res) => {
  res.json({ user: { id: req.user.id, email: req.user.email } })
})

app.get('/rest/products/search', (req, res, next) => {
  const q = String(req.query.q || '').substring(0, 200)
  try {
    const rows = db.prepare(`SELECT * FROM Products WHERE ((name LIKE '%${q}%' OR description LIKE '%${q}%') AND deletedAt IS NULL) ORDER BY name`).all()
    res.json({ status: 'success', data: rows })
  } catch (err) {
    next(err)
  }
})

app.get('/api/Products', (req, res) => {
  res.json({ status: 'success', data: db.prepare('SELECT * FROM Products WHERE deletedAt IS NULL').all() })
})

app.get('/api/Products/:id', (req, res) => {
  const p = db.prepare('SELECT * FROM Products WHERE id = ? AND deletedAt IS NULL').get(req.params.id)
  if (!p) return res.status(404).json({ status: 'error', message: 'Not found' })
  res.json({ status: 'success', data: p })
})

const publicUser = (u) => ({ id: u.id, email: u.email, username: u.username, role: u.role, createdAt: u.createdAt })

app.post('/api/Users', (req, res) => {
  const { email, password, role = 'customer', username = '' } = req.body || {}
  if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
    return res.status(400).json({ status: 'error', message: 'email and password are required' })
  }
  try {
    const { lastInsertRowid: id } = addUser.run(email, md5(password), String(role), String(username), new Date().toISOString())
    db.prepare('INSERT INTO Baskets (UserId) VALUES (?)').run(id)
    res.status(201).json({ status: 'success', data: publicUser(db.prepare('SELECT * FROM Users WHERE id = ?').get(id)) })
  } catch (err) {
    res.status(400).json({ status: 'error', message: 'email must be unique' })
  }
})

app.get('/api/Users/:id', isAuthorized, (req, res) => {
  const u = db.prepare('SELECT * FROM Users WHERE id = ?').get(req.params.id)
  if (!u) return res.status(404).json({ status: 'error', message: 'Not found' })
  res.json({ status: 'success', data: publicUser(u) })
})

app.put('/api/Users/:id', isAuthorized, (req, res) => {
  const u = db.prepare('SELECT * FROM Users WHERE id = ?').get(req.params.id)
  if (!u) return res.status(404).json({ status: 'error', message: 'Not found' })
  const body = (req.body && req.body.data) || req.body || {}
  const username = typeof body.username === 'string' ? body.username : u.username
  db.prepare('UPDATE Users SET username = ? WHERE id = ?').run(username, u.id)
  res.json({ status: 'success', data: publicUser(db.prepare('SELECT * FROM Users WHERE id = ?').get(u.id)) })
})

app.get('/rest/basket/:bid', isAuthorized, (req, res) => {
  const basket = db.prepare('SELECT * FROM Baskets WHERE id = ?').get(req.params.bid)
  if (!basket) return res.status(404).json({ status: 'error', message: 'Not found' })
  basket.Products = db.prepare('SELECT p.id, p.name, p.price, i.quantity FROM BasketItems i JOIN Products p ON p.id = i.ProductId WHERE i.BasketId = ?').all(basket.id)
  res.json({ status: 'success', data: basket })
})

app.get('/encryptionkeys/jwt.pub', (req, res) => {
  res.type('text/plain').send(publicKey)
})

const openapi = require('./openapi.json')
app.get('/api-docs/swagger.json', (req, res) => res.json(openapi))
app.get('/api-docs', (req, res) => {
  res.type('html').send('<!doctype html><title>Swagger UI</title><div id="swagger-ui"></div>' +
    '<script>window.onload = () => SwaggerUIBundle({ url: "/api-docs/swagger.json", dom_id: "#swagger-ui" })</script>')
})

const ftp = path.join(__dirname, 'ftp')
app.use('/ftp', express.static(ftp), serveIndex(ftp, { icons: false }))

// The Angular front end: every other GET is the application shell.
const web = path.join(__dirname, 'web')
app.use(express.static(web))
app.get('*', (req, res) => res.sendFile(path.join(web, 'index.html')))

const port = Number(process.env.PORT || 3000)
app.listen(port, '127.0.0.1', () => console.log(`express-shop listening on ${port}`))
}

main()
