'use strict'

// A small Express 5 API written the way many are: method-override, body-parser
// (JSON with its charset and Content-Encoding support, extended urlencoded
// through qs), handlers that assign the request body onto the stored user,
// and res.jsonp. Authorization is left to the gateway in front of it
// (routes: roles: [admin] on DELETE).
const express = require('express')
const bodyParser = require('body-parser')
const methodOverride = require('method-override')

const app = express()

let users
let deleted
function reset () {
  users = {
    alice: { id: 'alice', name: 'Alice', role: 'user', password_hash: '$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA' }
  }
  deleted = []
}
reset()

app.use(methodOverride('X-HTTP-Method-Override'))
app.use(methodOverride('X-HTTP-Method'))
app.use(methodOverride('X-Method-Override'))
app.use(methodOverride('_method'))
app.use(bodyParser.json())
app.use(bodyParser.urlencoded({ extended: true }))
app.use(methodOverride(function (req) {
  if (req.body && typeof req.body === 'object' && '_method' in req.body) {
    const method = req.body._method
    delete req.body._method
    return method
  }
}))

// Test hooks, reached directly, never through the gateway.
app.get('/__state', (req, res) => res.json({ users, deleted }))
app.post('/__reset', (req, res) => { reset(); res.status(204).end() })

app.get('/api/users/:id', (req, res) => {
  const user = users[req.params.id]
  if (!user) return res.status(404).json({ error: 'not found' })
  res.jsonp(user)
})

app.post('/api/users/:id', (req, res) => {
  const user = users[req.params.id]
  if (!user) return res.status(404).json({ error: 'not found' })
  Object.assign(user, req.body)
  res.json(user)
})

app.patch('/api/users/:id', (req, res) => {
  const user = users[req.params.id]
  if (!user) return res.status(404).json({ error: 'not found' })
  Object.assign(user, req.body.user || req.body)
  res.json(user)
})

app.put('/api/users/:id', (req, res) => {
  users[req.params.id] = Object.assign({ id: req.params.id }, req.body)
  res.json(users[req.params.id])
})

app.delete('/api/users/:id', (req, res) => {
  delete users[req.params.id]
  deleted.push('user ' + req.params.id)
  res.status(204).end()
})

app.post('/api/items/:id', (req, res) => res.status(200).end())

app.delete('/api/items/:id', (req, res) => {
  deleted.push('item ' + req.params.id)
  res.status(204).end()
})

app.post('/api/notes', (req, res) => res.status(201).json({ id: 7, text: req.body.text, author_ip: req.ip }))

const port = Number(process.env.PORT)
app.listen(port, '127.0.0.1', () => console.log('listening on ' + port))
