"""Personal data kept out of logs and error reports.

Household names, phones and ID numbers reach a log only by accident: an exception whose message
quotes a value (PostgreSQL's "DETAIL: Key (phone)=(…)", a validation message), or a request's POST
data in an error report. So every log record's exception is written without its message (the type
and the traceback say where it happened), numbers long enough to be a phone or an ID number are
masked in the text, and so are query strings (a search by name or phone travels in one, and
request lines are logged), and error reports show no POST parameters at all.
"""

import logging
import re
import traceback

from django.views.debug import SafeExceptionReporterFilter

LONG_NUMBER = re.compile(r"\+?\d[\d .\-]{5,}\d")
QUERY_STRING = re.compile(r"\?[^\s\"']*")  # searches by name or phone travel in the query string
MASK = "[redacted]"


def redact(text: str) -> str:
    return LONG_NUMBER.sub(MASK, QUERY_STRING.sub("?" + MASK, text))


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact(str(record.msg))
        if record.exc_info and record.exc_info[1] is not None:
            kind, _error, trace = record.exc_info
            frames = "".join(traceback.format_tb(trace))
            record.exc_text = (
                f"Traceback (most recent call last):\n{frames}{kind.__module__}.{kind.__qualname__}: {MASK}"
            )
        return True


class NoPostDataReporterFilter(SafeExceptionReporterFilter):
    """Error reports (debug page, mail to admins) never carry what a form or an API call sent."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name, _value in tb_frame.f_locals.items()]
