"""Log records that carry the audit correlation id, as text or as JSON lines.

The filter reads the correlation id of the surrounding audit context (a request, a task run, a
command), so a log line and the audit events of one action are found with one id.
"""

import json
import logging
from datetime import UTC, datetime

from django.apps import apps


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Logging is configured before the models load, and portal.audit imports them.
        if not apps.models_ready:
            record.correlation_id = "-"
            return True
        from portal.audit import current_context

        # Django logs a 4xx/5xx answer after the middleware has left the request's context; the request keeps its id.
        correlation_id = current_context().correlation_id or getattr(getattr(record, "request", None),
                                                                        "correlation_id", None)
        record.correlation_id = str(correlation_id) if correlation_id else "-"
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line, for a log collector."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
