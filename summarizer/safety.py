"""What every text the tool shows or stores goes through on its way out: bounded, free of the API key, and (in a
CSV cell) never a formula.

* ``shorten``: an error text is cut to a few hundred characters wherever it is shown or stored (stderr,
  ``index.json``, a log line): an endpoint once answered with a 50 MB error body that was copied whole into both.
* ``redact``: the configured API key (and the password or query values of the base URL) is replaced by
  ``***`` wherever it appears: an endpoint's error body can echo the key, and a key inside the base URL would be
  printed by the HTTP client's debug log. Secrets are registered when a run's settings are (``register_secrets``);
  ``RedactingFilter`` applies the same to every log record.
* ``neutralise_cell``: a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
  their full-width forms) is prefixed with ``'``, as OWASP recommends against CSV injection, so a spreadsheet shows
  it as text instead of running it. A cell that is just a signed number (``-3.5``, ``+7%``) is data and stays as it
  is; numbers written as numbers are never touched.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_ERROR_CHARS = 500
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
# Short strings would redact ordinary words ("sk", "unused"): only values this long count as secrets.
_MIN_SECRET = 6


def shorten(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters, saying how much was cut."""
    one_line = " ".join(text.split()) if len(text) <= 4 * limit else " ".join(text[: 4 * limit].split())
    if len(text) <= limit and len(one_line) <= limit:
        return one_line
    return one_line[:limit].rstrip() + f"… [{len(text)} characters, cut]"


def register_secrets(api_key: str | None, base_url: str | None = None) -> None:
    """Remember the values ``redact`` must hide: the key, and credentials or query values inside the base URL."""
    found = [api_key] if api_key else []
    if base_url:
        try:
            parts = urlsplit(base_url)
            found += [parts.password or "", unquote(parts.password or ""), parts.username or ""]
            found += [value for _, value in parse_qsl(parts.query)]
        except ValueError:
            pass
    with _secrets_lock:
        _secrets.update(s for s in found if len(s) >= _MIN_SECRET)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def safe_error(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """An error text as it may be shown or stored: redacted, then shortened."""
    return shorten(redact(text), limit)


class RedactingFilter(logging.Filter):
    """Applies ``redact`` to every record a handler emits (the message with its arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _secrets_lock:
            active = bool(_secrets)
        if active:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record is the logging module's to report
                return True
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        return True


_FORMULA_START = frozenset("=+-@\t\r＝＋－＠")
_PLAIN_NUMBER_RE = re.compile(r"[+\-]?\d+(?:\.\d+)?%?")
T = TypeVar("T")


def neutralise_cell(value: T) -> T | str:
    """A CSV cell a spreadsheet shows as text, never evaluates (see the module docstring)."""
    if not isinstance(value, str) or not value or value[0] not in _FORMULA_START:
        return value
    if _PLAIN_NUMBER_RE.fullmatch(value):
        return value
    return "'" + value


def neutralised_cells(row: dict[str, Any], columns: Sequence[str]) -> list[Any]:
    """``row``'s cells in ``columns`` order, each as ``neutralise_cell`` gives it, for ``csv.writer``: without a
    call per cell (a batch's metrics.csv has hundreds of thousands of cells, and nearly none starts with a
    formula character; the end step of a 200-report batch spent a third of its CPU here)."""
    return [
        neutralise_cell(v) if isinstance(v, str) and v[:1] in _FORMULA_START else v for v in map(row.get, columns)
    ]
