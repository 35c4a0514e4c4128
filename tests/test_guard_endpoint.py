"""What an endpoint sends back is bounded and never leaks the key (issue 17, items 11 and 14).

* a huge error body is cut wherever it is shown or stored (stderr, index.json);
* a huge answer is refused past a bound instead of being read (and parsed) whole;
* an error body that echoes the API key, and a key inside the base URL at -vv, are redacted.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import child_env, run_cli

from summarizer.llm.client import MAX_RESPONSE_BYTES
from summarizer.testing import fake_openai as fs

DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "mini" / "mini_report.txt"
KEY = "sk-test-ECHOED-4242"


def llm(server_url: str, *extra: str) -> list[str]:
    return ["--backend", "llm", "--base-url", server_url, "--api-key", KEY, "--model", "fake-model",
            "--retries", "0", "--validation-retries", "0", "--timeout", "30", *extra]  # fmt: skip


def test_a_huge_error_body_is_cut_on_stderr_and_in_the_index(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = "上游错误" * 250_000  # 1 M characters, under the response bound: only the text shown is cut
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    with fs.FakeOpenAI(lambda b, n: fs.status(400, message=body)) as server:
        code, out, err = run_cli(monkeypatch, capsys, str(MINI), *llm(server.base_url))
        assert code == 3 and out == ""
        assert len(err) < 3000 and err.count("\n") == 1, err[:300]
        assert "characters, cut]" in err
        code, _, err = run_cli(
            monkeypatch, capsys, str(folder), "--out", str(tmp_path / "out"), "--no-progress", *llm(server.base_url)
        )
    assert code == 2 and len(err) < 3000
    assert (tmp_path / "out" / "index.json").stat().st_size < 10_000
    (entry,) = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))["documents"]
    assert entry["status"] == "failed" and len(entry["reason"]) < 700


@pytest.mark.parametrize("kind", ["answer", "error"])
def test_a_huge_response_is_refused_past_the_bound(tmp_path: Path, kind: str) -> None:
    """A 16 MB answer (or error body: twice the bound) is refused once the bound is read, never held whole."""
    huge = "数" * ((16 << 20) // 3)
    script = f"""
import resource, sys
from summarizer.testing import fake_openai as fs
from summarizer.cli import main
fs.estimate_tokens = lambda text: 1  # the fake server's token count of 16 MB is not what is tested
huge = "数" * {len(huge)}
behaviour = fs.answer({{"summaries": [huge], "items": []}}) if {kind!r} == "answer" else fs.status(400, message=huge)
with fs.FakeOpenAI([behaviour]) as server:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.argv = ["summarize", {str(MINI)!r}, *{llm("URL")!r}]
    sys.argv[sys.argv.index("URL")] = server.base_url
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(code, (after - before) // 1024)
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=child_env(tmp_path / "c"), timeout=120
    )
    code, grew_mb = (int(x) for x in proc.stdout.split())
    assert code == 3, proc.stderr
    assert f"larger than {MAX_RESPONSE_BYTES >> 20} MB" in proc.stderr
    assert len(proc.stderr) < 3000
    # Measured from after the payload was built: reading, decoding and parsing it whole took about 11 times its
    # size before (550 MB for 50 MB); bounded, the growth is the server's own copies and the first 8 MB.
    assert grew_mb < 150, grew_mb


def test_an_error_body_that_echoes_the_key_is_redacted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    message = f"Incorrect API key provided: {KEY}. You can find your API key at https://example.invalid."
    with fs.FakeOpenAI(lambda b, n: fs.status(401, message=message)) as server:
        code, _, err = run_cli(monkeypatch, capsys, str(MINI), *llm(server.base_url))
        assert code == 3 and "Incorrect API key provided: ***" in err and KEY not in err
        code, _, err = run_cli(
            monkeypatch, capsys, str(folder), "--out", str(tmp_path / "out"), "--no-progress", *llm(server.base_url)
        )
    assert code == 2 and KEY not in err
    index = (tmp_path / "out" / "index.json").read_text(encoding="utf-8")
    assert "Incorrect API key provided: ***" in index and KEY not in index


def test_a_key_inside_the_base_url_is_not_printed_at_debug_level(tmp_path: Path) -> None:
    secret = "sk-in-the-URL-31337"

    def responder(body: dict[str, Any], n: int) -> fs.Behaviour:
        return fs.pipeline_answer(body)

    with fs.FakeOpenAI(responder) as server:
        url = server.base_url.replace("http://", f"http://user:{secret}@")
        proc = subprocess.run(
            [sys.executable, "-m", "summarizer", str(MINI), "--backend", "llm", "--base-url", url, "-vv"],
            capture_output=True,
            text=True,
            env=child_env(tmp_path / "cache"),
            timeout=60,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HTTP Request" in proc.stderr  # the debug log was on, and shows the URL
    assert secret not in proc.stderr and secret not in proc.stdout
    assert "user:***@127.0.0.1" in proc.stderr
    assert os.environ.get("OPENAI_API_KEY") is None
    assert resource  # imported for the child's script
