"""A real web process on the test database: `python -m tests.faults.web_process PORT [--stall]`.

Prints "ready" once it serves. With --stall, a registration or a bulk of receipts is written and
then stalls inside its transaction (printing "stalling"); with --stall-before-answer, the work is
done and the stall comes before its answer is stored, so that a test can kill (SIGKILL) the
process in the middle of a request, as the out-of-memory killer or a gunicorn timeout would.
The environment gives the database and Redis (DATABASE_URL, REDIS_URL).
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from socketserver import ThreadingMixIn  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server  # noqa: E402

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import transaction  # noqa: E402

from api import idempotency, views  # noqa: E402


def _stalling(work):
    def stalled(*args, **kwargs):
        with transaction.atomic():
            result = work(*args, **kwargs)
            print("stalling", flush=True)
            time.sleep(300)
        return result

    return stalled


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


if __name__ == "__main__":
    if "--stall" in sys.argv:
        views.register_household = _stalling(views.register_household)
        views.record_bulk = _stalling(views.record_bulk)
    if "--stall-before-answer" in sys.argv:  # the work done, its answer not yet stored
        _finish = idempotency.finish

        def _stalled_finish(record, response):
            print("stalling", flush=True)
            time.sleep(300)
            _finish(record, response)

        idempotency.finish = _stalled_finish
    server = make_server(
        "127.0.0.1", int(sys.argv[1]), get_wsgi_application(), server_class=_ThreadingServer, handler_class=_Quiet
    )
    print("ready", flush=True)
    server.serve_forever()
