// The seed's Express API without jsonwebtoken: Rampart issues, refreshes
// and revokes the tokens (rampart-tokens.yaml), and the app keeps only
// "is this password right?". Its login names the user in
// X-Rampart-Login-* headers, which the gateway turns into a token pair and
// never forwards; every other route reads the identity the gateway
// verified from X-Rampart-Subject and X-Rampart-Roles. Listen on loopback
// only: those headers are trusted because only the gateway can reach the
// app.
const express = require('express');

const app = express();
app.use(express.json());

const users = [
    { _id: 1, username: 'alice', password: 'alice-password', email: 'alice@example.com', role: 'user' },
    { _id: 2, username: 'bob', password: 'bob-password', email: 'bob@example.com', role: 'user' },
    { _id: 3, username: 'carol', password: 'carol-password', email: 'carol@example.com', role: 'admin' },
];

app.post('/api/login', (req, res) => {
    const { username, password } = req.body || {};
    const user = users.find(u => u.username === username && u.password === password);
    if (!user) return res.status(401).json({ error: 'invalid username or password' });
    res.set('X-Rampart-Login-Subject', String(user._id));
    res.set('X-Rampart-Login-Roles', user.role);
    res.json({ ok: true });
});

// The gateway has verified the token; the app reads who the caller is.
function caller(req) {
    return { userId: Number(req.get('X-Rampart-Subject')), roles: (req.get('X-Rampart-Roles') || '').split(',') };
}

app.get('/api/protected', (req, res) => {
    res.json({ message: 'protected data', userId: caller(req).userId });
});

app.get('/admin/data', (req, res) => {
    res.json({ users: users.length });
});

app.get('/api/users/:id', (req, res) => {
    const user = users.find(u => String(u._id) === req.params.id);
    if (!user) return res.sendStatus(404);
    res.json({ id: user._id, username: user.username, email: user.email, role: user.role });
});

app.use((err, req, res, next) => {
    console.error(err.stack);
    res.status(500).send('Something broke!');
});

const port = Number(process.env.PORT) || 3000;
app.listen(port, '127.0.0.1', () => {
    console.log(`listening on 127.0.0.1:${port}`);
});
