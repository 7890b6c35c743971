"""A small Flask API written the way many are: get_json(force=True) reads
JSON whatever the Content-Type, request.values merges the query string with
the form, and handlers assign what they read onto the stored user.
Authorization is left to the gateway in front of it."""

import os

from flask import Flask, jsonify, request

app = Flask(__name__)
state = {}


def reset():
    state["users"] = {"alice": {"id": "alice", "name": "Alice", "role": "user"}}


reset()


@app.get("/__state")
def get_state():
    return jsonify(state)


@app.post("/__reset")
def post_reset():
    reset()
    return "", 204


@app.route("/api/users/<uid>", methods=["POST", "PATCH"])
def update_user(uid):
    user = state["users"].get(uid)
    if user is None:
        return jsonify(error="not found"), 404
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        data = request.values.to_dict()
    else:
        data = {**request.args.to_dict(), **data}
    user.update(data)
    return jsonify(user)


if __name__ == "__main__":
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", int(os.environ["PORT"]), app)
    print("listening on", os.environ["PORT"], flush=True)
    server.serve_forever()
