"""legacy: Word 97-2003 (.doc), WPS (.wps) and RTF through an external converter found at run time.

No maintained pure-Python reader of Word's binary format exists, and the maintained converters are programs:

* **antiword** (Debian ``antiword``, ~0.5 MB): Word 2-2003 and the WPS files that are Word binaries, as UTF-8
  text with one paragraph per line (``-w 0``); fast, so it is tried first.
* **LibreOffice** headless (``soffice --convert-to txt``, Debian ``libreoffice-writer-nogui``): every Word
  and WPS version and RTF, at a few seconds of start-up per file.

Which one ran is recorded as the document's ``encoding`` ("antiword", "libreoffice"). When neither is
installed the error names what to install; a converter that fails (not a Word file, password-protected, a
crash) is reported in one line with its own first message line. Output is bounded like any other input.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from summarizer.errors import LoadError

TIMEOUT_SECONDS = 120
INSTALL_HINT = {
    "doc": "install antiword (apt-get install antiword) or LibreOffice (apt-get install libreoffice-writer-nogui)",
    "wps": "install antiword (apt-get install antiword) or LibreOffice (apt-get install libreoffice-writer-nogui)",
    "rtf": "install LibreOffice (apt-get install libreoffice-writer-nogui)",
}


class _Failed(Exception):
    """A converter ran and could not convert the file (its reason in one line)."""


def converters(fmt: str) -> list[tuple[str, str]]:
    """(name, executable) of the converters installed for ``fmt``, in the order they are tried."""
    found: list[tuple[str, str]] = []
    if fmt in ("doc", "wps"):
        exe = shutil.which("antiword")
        if exe:
            found.append(("antiword", exe))
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office:
        found.append(("libreoffice", office))
    return found


def legacy_text(data: bytes, name: str, fmt: str, *, max_output_bytes: int) -> tuple[str, str]:
    """(text, converter name) of a .doc/.wps/.rtf file."""
    available = converters(fmt)
    if not available:
        raise LoadError(name, f"reading .{fmt} files needs a converter: {INSTALL_HINT[fmt]}")
    reasons: list[str] = []
    with tempfile.TemporaryDirectory(prefix="summarizer-") as tmp:
        source = Path(tmp) / f"input.{fmt}"
        source.write_bytes(data)
        for converter, exe in available:
            try:
                run = _antiword if converter == "antiword" else _libreoffice
                out = run(exe, source, Path(tmp), max_output_bytes)
            except _Failed as exc:
                reasons.append(f"{converter}: {exc}")
                continue
            if len(out) > max_output_bytes:
                raise LoadError(
                    name,
                    f"converted text is larger than {max_output_bytes >> 20} MB (raise the limit with "
                    "--max-unpacked-mb)",
                )
            return out.decode("utf-8", "replace").removeprefix("\ufeff").strip("\r\n"), converter
    raise LoadError(name, f"cannot read .{fmt} file ({'; '.join(reasons)})")


def _first_line(stderr: bytes, fallback: str) -> str:
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()[:200]
    return fallback


def _run(cmd: list[str], tmp: Path) -> subprocess.CompletedProcess[bytes]:
    # HOME in the temporary folder: antiword looks for ~/.antiword and LibreOffice writes its profile there.
    env = {**os.environ, "HOME": str(tmp)}
    try:
        return subprocess.run(
            cmd, capture_output=True, timeout=TIMEOUT_SECONDS, env=env, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired:
        raise _Failed(f"no result after {TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise _Failed(f"cannot run ({exc.strerror or exc})") from None


def _antiword(exe: str, source: Path, tmp: Path, max_output: int) -> bytes:
    # -m UTF-8.txt: UTF-8 output (Chinese survives); -w 0: one paragraph per line, no re-wrapping.
    # Its output is bounded by the file itself (the text is stored in it, at most doubled by UTF-8).
    done = _run([exe, "-m", "UTF-8.txt", "-w", "0", str(source)], tmp)
    if done.returncode != 0 or not done.stdout.strip():
        raise _Failed(_first_line(done.stderr, f"exit code {done.returncode}"))
    return done.stdout


def _libreoffice(exe: str, source: Path, tmp: Path, max_output: int) -> bytes:
    out_dir = tmp / "out"
    profile = (tmp / "profile").as_uri()
    cmd = [
        exe,
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile}",  # a private profile: no clash with a running LibreOffice
        "--convert-to",
        "txt:Text (encoded):UTF8",
        "--outdir",
        str(out_dir),
        str(source),
    ]
    done = _run(cmd, tmp)
    result = out_dir / (source.stem + ".txt")
    if done.returncode != 0 or not result.is_file():
        raise _Failed(_first_line(done.stderr, f"exit code {done.returncode}, no output"))
    with result.open("rb") as f:  # read one byte past the cap at most: the caller reports the overflow
        return f.read(max_output + 1)
