"""A web process whose writes stall inside their transaction: `python -m tests.faults.stalling_web PORT`.

Lets a test kill (SIGKILL) a real web process in the middle of a request, as the out-of-memory
killer or a gunicorn timeout would: the registration or bulk is written but not committed.
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from wsgiref.simple_server import WSGIRequestHandler, make_server  # noqa: E402

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import transaction  # noqa: E402

from api import views  # noqa: E402


def _stalling(work):
    def stalled(*args, **kwargs):
        with transaction.atomic():
            result = work(*args, **kwargs)
            print("stalling", flush=True)
            time.sleep(300)
        return result

    return stalled


views.register_household = _stalling(views.register_household)
views.record_bulk = _stalling(views.record_bulk)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = make_server("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), handler_class=_Quiet)
    print("ready", flush=True)
    server.serve_forever()
