"""A wheel installed non-editable must still find prompts/ and schemas/ (they ship as summarizer/_data)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_prompts_and_schemas(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("summarizer-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "summarizer/_data/prompts/v4/extract_system.j2" in names
    assert "summarizer/_data/schemas/report_summary.schema.json" in names
    assert "summarizer/data/indicators.json" in names  # the indicator table ships inside the package
    assert "summarizer/render/templates/dashboard.html.j2" in names

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import summarizer, summarizer.resources as r, summarizer.prompts as p;"
        "assert summarizer.__file__.startswith(sys.argv[1]), summarizer.__file__;"
        "assert (r.schemas_dir() / 'report_summary.schema.json').is_file();"
        "print(r.prompts_dir()); print(p.extract_messages('一、测试', ())[0]['content'][:20]);"
        "import summarizer.indicators as i; assert i.default_table().lookup('国内生产总值增速') == 'gdp_growth'"
    )
    # Run from an empty folder so the repository checkout cannot be imported by accident.
    run = subprocess.run(
        [sys.executable, "-c", probe, str(target)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert str(target) in run.stdout
    assert "政府工作报告" in run.stdout
