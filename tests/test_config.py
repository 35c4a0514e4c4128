from pathlib import Path
from typing import Any

import pytest

from summarizer import Summarizer
from summarizer.backends import resolve
from summarizer.config import Settings
from summarizer.errors import SettingsError, SummarizerError


def test_defaults_then_env_then_overrides() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "SUMMARIZER_MODEL": "qwen-plus", "SUMMARIZER_CONCURRENCY": "8"}
    s = Settings.from_env(env, model="deepseek-chat", concurrency=None)
    assert s.base_url == "http://127.0.0.1:9/v1"
    assert s.model == "deepseek-chat"  # an explicit flag beats the environment
    assert s.concurrency == 8  # None means 'not given'


def test_backend_resolution() -> None:
    assert resolve(Settings.from_env({})).name == "offline"
    assert resolve(Settings.from_env({"OPENAI_API_KEY": "sk-x"})).name == "llm"
    assert resolve(Settings.from_env({}, cassettes=Path("c"))).name == "replay"
    assert resolve(Settings.from_env({"OPENAI_API_KEY": "sk-x"}, backend="offline")).name == "offline"


def test_api_key_never_in_repr_or_dump() -> None:
    s = Settings.from_env({"OPENAI_API_KEY": "sk-secret-123"})
    assert "sk-secret-123" not in repr(s)
    assert "sk-secret-123" not in s.model_dump_json()
    assert s.api_key_value() == "sk-secret-123"


# -- settings and overrides are validated together, with one-line errors ------------------------------------

AT_LEAST_1 = "Input should be greater than or equal to 1"


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: Summarizer(Settings(), concurrency=0), f"concurrency: {AT_LEAST_1} (got 0)"),
        (lambda: Summarizer(concurrency=0), f"concurrency: {AT_LEAST_1} (got 0)"),
        (lambda: Summarizer(Settings(), concurency=2), "unknown setting 'concurency' (did you mean 'concurrency'?)"),
        (lambda: Summarizer(colour="red"), "unknown setting 'colour'"),
        (lambda: Summarizer(backend="gpt"), "backend: unknown backend 'gpt'; expected auto or one of"),
        (lambda: Summarizer(backend="replay"), "--backend replay needs --cassettes DIR"),
        (lambda: Summarizer(backend="llm"), "--backend llm needs an endpoint"),
        (lambda: Summarizer(cassettes=Path("c"), record_dir=Path("r")), "--record cannot be used with --backend"),
        (lambda: Settings.from_env({"SUMMARIZER_CONCURRENCY": "many"}), "(got 'many' from SUMMARIZER_CONCURRENCY)"),
        (lambda: Settings().with_overrides(timeout=-1), "timeout: Input should be greater than 0 (got -1)"),
    ],
    ids=["override", "keyword", "typo", "unknown", "backend", "replay", "llm", "record", "env", "with_overrides"],
)
def test_bad_settings_are_one_line_library_errors(make: Any, needle: str) -> None:
    with pytest.raises(SettingsError) as info:
        make()
    message = str(info.value)
    assert needle in message and "\n" not in message
    assert isinstance(info.value, SummarizerError) and info.value.exit_code == 2


def test_overrides_apply_over_given_settings() -> None:
    s = Summarizer(Settings(model="a", concurrency=2), concurrency=8)
    assert s.settings.concurrency == 8 and s.settings.model == "a"


def test_a_secret_never_appears_in_an_error() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.validated({"api_key": ["sk-secret-999"]})
    assert "api_key" in str(info.value) and "sk-secret-999" not in str(info.value)
