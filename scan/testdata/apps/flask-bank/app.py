"""A deliberately vulnerable banking API in Flask with sqlite3.

Every flaw is listed in manifest.json; never deploy it.
"""
import datetime
import hashlib
import os
import sqlite3
import traceback

import jwt
from flask import Flask, g, jsonify, request, send_file

HERE = os.path.dirname(os.path.abspath(__file__))
JWT_SECRET = "secret"

# The project directory doubles as the static folder, so the docs page
# next to app.py is served without a route.
app = Flask(__name__, static_folder=HERE, static_url_path="")

db = sqlite3.connect(":memory:", check_same_thread=False)
db.row_factory = sqlite3.Row
db.executescript(
    """
    CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT, password TEXT, isAdmin INTEGER DEFAULT 0);
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, UserId INTEGER, iban TEXT, balance REAL);
    CREATE TABLE transactions (id INTEGER PRIMARY KEY, account_id INTEGER, amount REAL, memo TEXT);
    """
)


def pw_hash(pw):
    return hashlib.sha256(pw.encode()).hexdigest()


for email, name, pw, admin in [
    ("admin@bank.test", "Admin", "admin-Passw0rd!", 1),
    ("alice@bank.test", "Alice", "alice-Passw0rd!", 0),
    ("bob@bank.test", "Bob", "bob-Passw0rd!", 0),
]:
    db.execute("INSERT INTO users (email, name, password, isAdmin) VALUES (?, ?, ?, ?)", (email, name, pw_hash(pw), admin))
for owner, iban, balance in [(2, "DE02100100109307118603", 1520.5), (3, "DE27100777770209299700", 88.0), (1, "DE89370400440532013000", 1e6)]:
    db.execute("INSERT INTO accounts (UserId, iban, balance) VALUES (?, ?, ?)", (owner, iban, balance))
db.executemany("INSERT INTO transactions (account_id, amount, memo) VALUES (?, ?, ?)", [(1, -42.0, "rent"), (2, 12.5, "refund"), (3, -1.0, "fee")])
db.commit()


def user_view(row):
    return {"id": row["id"], "email": row["email"], "name": row["name"], "isAdmin": bool(row["isAdmin"])}


@app.after_request
def allow_everyone(resp):
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Allow-Credentials"] = "true"
    return resp


@app.errorhandler(Exception)
def on_error(e):
    code = getattr(e, "code", 500)
    if not isinstance(code, int):
        code = 500
    body = {"error": str(e)}
    if code >= 500:
        body["trace"] = traceback.format_exc()
    return jsonify(body), code


def login_required(fn):
    def wrapper(*args, **kwargs):
        token = request.cookies.get("auth")
        try:
            # Expired sessions are renewed by the front end, so exp is not checked here.
            g.claims = jwt.decode(token or "", JWT_SECRET, algorithms=["HS256"], options={"verify_exp": False})
        except jwt.PyJWTError:
            return jsonify({"error": "login required"}), 401
        return fn(*args, **kwargs)

    wrapper.__name__ = fn.__name__
    return wrapper


@app.get("/api")
def index():
    return jsonify({"links": {"login": "/api/login", "accounts": "/api/accounts", "docs": "/apidocs"}})


@app.post("/api/login")
def login():
    body = request.get_json(silent=True) or {}
    row = db.execute("SELECT * FROM users WHERE email = ? AND password = ?", (str(body.get("email")), pw_hash(str(body.get("password"))))).fetchone()
    if row is None:
        return jsonify({"error": "invalid email or password"}), 401
    now = datetime.datetime.now(datetime.timezone.utc)
    token = jwt.encode({"UserId": row["id"], "email": row["email"], "isAdmin": bool(row["isAdmin"]), "iat": now, "exp": now + datetime.timedelta(minutes=30)}, JWT_SECRET, algorithm="HS256")
    resp = jsonify({"user": user_view(row)})
    resp.set_cookie("auth", token, httponly=True, samesite="Lax")
    return resp


@app.get("/api/accounts")
@login_required
def my_accounts():
    rows = db.execute("SELECT * FROM accounts WHERE UserId = ?", (g.claims["UserId"],)).fetchall()
    return jsonify({"accounts": [dict(r) | {"href": f"/api/accounts/{r['id']}"} for r in rows]})


@app.get("/api/accounts/<account_id>")
@login_required
def account(account_id):
    row = db.execute(f"SELECT * FROM accounts WHERE id = {account_id}").fetchone()
    if row is None:
        return jsonify({"error": "no such account"}), 404
    return jsonify(dict(row))


@app.get("/api/accounts/<int:account_id>/transactions")
@login_required
def transactions(account_id):
    acc = db.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    if acc is None or acc["UserId"] != g.claims["UserId"]:
        return jsonify({"error": "no such account"}), 404
    rows = db.execute("SELECT * FROM transactions WHERE account_id = ?", (account_id,)).fetchall()
    return jsonify({"transactions": [dict(r) for r in rows]})


@app.get("/api/users/<int:user_id>")
@login_required
def get_user(user_id):
    row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        return jsonify({"error": "no such user"}), 404
    return jsonify(user_view(row))


@app.put("/api/users/<int:user_id>")
@login_required
def update_user(user_id):
    body = request.get_json(silent=True) or {}
    cols = [k for k in ("email", "name", "isAdmin") if k in body]
    for k in cols:
        db.execute(f"UPDATE users SET {k} = ? WHERE id = ?", (body[k], user_id))
    db.commit()
    row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        return jsonify({"error": "no such user"}), 404
    return jsonify(user_view(row))


@app.get("/api/admin/version")
def admin_version():
    return jsonify({"version": "2.3.1", "flask": True})


@app.get("/api/admin/audit-log")
@login_required
def audit_log():
    rows = db.execute("SELECT t.*, a.iban FROM transactions t JOIN accounts a ON a.id = t.account_id").fetchall()
    return jsonify({"entries": [dict(r) for r in rows]})


@app.get("/api/admin/users")
@login_required
def admin_users():
    if not g.claims.get("isAdmin"):
        return jsonify({"error": "admins only"}), 403
    return jsonify({"users": [user_view(r) for r in db.execute("SELECT * FROM users")]})


@app.get("/debug")
def debug():
    return jsonify({"config": {k: str(v) for k, v in app.config.items()}, "env": {"JWT_SECRET": JWT_SECRET, "DATABASE": ":memory:"}})


@app.get("/apidocs")
@app.get("/apidocs/")
def apidocs():
    return send_file(os.path.join(HERE, "apidocs", "index.html"))


@app.get("/apispec_1.json")
def apispec():
    return send_file(os.path.join(HERE, "swagger.json"))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), threaded=True, load_dotenv=False)
