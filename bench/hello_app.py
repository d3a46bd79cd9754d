"""The ceiling: a minimal Flask app served with the portal's own gunicorn settings (bench only)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, world!"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
