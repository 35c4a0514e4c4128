"""One exception root, so callers (the CLI, a batch) can catch everything the library raises on purpose.

Anything that is not a ``SummarizerError`` escaping to the CLI is a bug and is reported as such.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Root of every error the library raises deliberately."""

    exit_code: int = 2


class InputError(SummarizerError):
    """Bad input or usage: the user can fix it (exit code 2)."""


class SettingsError(InputError):
    """A setting, an override or an environment variable the library cannot use; the message is one line
    naming the setting (exit code 2)."""


class LoadError(InputError):
    """A file could not be read as a report (empty, binary, undecodable, unsupported)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class LLMError(SummarizerError):
    """The endpoint could not produce a valid answer after every retry; names document and chunk."""

    exit_code = 3


class ReplayMissError(LLMError):
    """A request had no recorded cassette (replay backend)."""


class VerificationError(SummarizerError):
    """Raised by ``--strict`` when a summary number is not grounded in the source."""

    exit_code = 1


class Cancelled(Exception):
    """A run was stopped (Ctrl-C) before this document or step finished. Deliberately not a
    ``SummarizerError``: nothing is wrong with the document, and a batch must not list it as failed."""
