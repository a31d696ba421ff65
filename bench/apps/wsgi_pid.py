# The bench's WSGI app for gunicorn: answers with the worker's pid, nothing else.
import os


def app(environ, start_response):
    body = f"pid {os.getpid()}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
