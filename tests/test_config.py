from pathlib import Path

from summarizer.config import Settings


def test_defaults_then_env_then_overrides() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "SUMMARIZER_MODEL": "qwen-plus", "SUMMARIZER_CONCURRENCY": "8"}
    s = Settings.from_env(env, model="deepseek-chat", concurrency=None)
    assert s.base_url == "http://127.0.0.1:9/v1"
    assert s.model == "deepseek-chat"  # an explicit flag beats the environment
    assert s.concurrency == 8  # None means 'not given'


def test_backend_resolution() -> None:
    assert Settings.from_env({}).resolved_backend() == "offline"
    assert Settings.from_env({"OPENAI_API_KEY": "sk-x"}).resolved_backend() == "llm"
    assert Settings.from_env({}, cassettes=Path("c")).resolved_backend() == "replay"
    assert Settings.from_env({"OPENAI_API_KEY": "sk-x"}, backend="offline").resolved_backend() == "offline"


def test_api_key_never_in_repr_or_dump() -> None:
    s = Settings.from_env({"OPENAI_API_KEY": "sk-secret-123"})
    assert "sk-secret-123" not in repr(s)
    assert "sk-secret-123" not in s.model_dump_json()
    assert s.api_key_value() == "sk-secret-123"
