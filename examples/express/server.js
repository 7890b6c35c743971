// The seed's Express API, written the way the seed writes it: jsonwebtoken
// with its defaults, the seed's authenticateToken and authorizeRole, and
// nothing else. Run it behind Rampart with rampart.yaml in this folder;
// the README's "From Express middleware to Rampart" says which lines the
// gateway makes redundant.
const express = require('express');
const jwt = require('jsonwebtoken');

const app = express();
app.use(express.json());

// A stand-in for the database. Passwords in clear only because this is an
// example; the gateway never sees them stored.
const users = [
    { _id: 1, username: 'alice', password: 'alice-password', email: 'alice@example.com', role: 'user' },
    { _id: 2, username: 'bob', password: 'bob-password', email: 'bob@example.com', role: 'user' },
    { _id: 3, username: 'carol', password: 'carol-password', email: 'carol@example.com', role: 'admin' },
];

app.post('/api/login', (req, res) => {
    const { username, password } = req.body || {};
    const user = users.find(u => u.username === username && u.password === password);
    if (!user) return res.status(401).json({ error: 'invalid username or password' });

    // On login, create a token
    const token = jwt.sign({ userId: user._id, role: user.role }, process.env.JWT_SECRET, { expiresIn: '1h' });
    res.json({ token });
});

// On subsequent requests, verify the token
function authenticateToken(req, res, next) {
    const authHeader = req.headers['authorization'];
    const token = authHeader && authHeader.split(' ')[1];

    if (token == null) return res.sendStatus(401); // Unauthorized

    jwt.verify(token, process.env.JWT_SECRET, (err, user) => {
        if (err) return res.sendStatus(403); // Forbidden
        req.user = user;
        next();
    });
}

function authorizeRole(roles) {
    return (req, res, next) => {
        if (!req.user || !roles.includes(req.user.role)) {
            return res.sendStatus(403); // Forbidden
        }
        next();
    };
}

app.get('/api/protected', authenticateToken, (req, res) => {
    res.json({ message: 'protected data', userId: req.user.userId });
});

app.get('/admin/data', authenticateToken, authorizeRole(['admin']), (req, res) => {
    res.json({ users: users.length });
});

// Like most APIs written from the seed, this checks that the caller is
// logged in but not that the user is the caller (BOLA, OWASP API1): the
// gateway's owner rule closes it.
app.get('/api/users/:id', authenticateToken, (req, res) => {
    const user = users.find(u => String(u._id) === req.params.id);
    if (!user) return res.sendStatus(404);
    res.json({ id: user._id, username: user.username, email: user.email, role: user.role });
});

app.use((err, req, res, next) => {
    console.error(err.stack); // Log the error for internal review
    res.status(500).send('Something broke!'); // Generic message to client
});

const port = Number(process.env.PORT) || 3000;
app.listen(port, '127.0.0.1', () => {
    console.log(`listening on 127.0.0.1:${port}`);
});
