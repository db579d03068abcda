"""Loaded into a test worker with `celery worker --include`: builds stall and leases are short.

Lets the test kill a worker in the middle of a build, as a crash or an out-of-memory kill would.
"""

import datetime
import time

from projects import report_jobs
from projects.reports import figures

report_jobs.LEASE = datetime.timedelta(seconds=3)
_freeze = figures.frozen_figures


def _stalling_freeze(report):
    time.sleep(300)
    return _freeze(report)


figures.frozen_figures = _stalling_freeze
