"""Suite-wide guards: no network but loopback, no user environment, no user cache.

Every test runs with non-loopback connections refused (a forgotten cassette can never call out), without
the developer's OPENAI_*/SUMMARIZER_* variables, and with the result cache in a temporary folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from netguard import NetGuard, no_external_network  # noqa: F401  (fixture)
from support import ENV_VARS


@pytest.fixture(scope="session")
def national_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline backend's batch over tests/data/national, with the per-report HTML pages: test_series reads
    its cross-report files, test_dashboard its index.html. Both only read it, so one run serves the session."""
    from summarizer import Summarizer
    from summarizer.batch import Batch
    from summarizer.load import discover

    national = Path(__file__).resolve().parent / "data" / "national"
    out = tmp_path_factory.mktemp("national-out")
    with Summarizer(backend="offline", cache_dir=tmp_path_factory.mktemp("national-cache")) as s:
        Batch(s, discover(national), out, root=national, formats=("json", "html")).run()
    return out


@pytest.fixture(autouse=True)
def _isolated(
    no_external_network: NetGuard,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NetGuard]:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(Path(cache)))
    yield no_external_network
