"""Offline token estimate, for ``--dry-run`` and the token-cost benchmark.

Exact counts need the provider's tokenizer files, which cannot be downloaded at run time here, and every
endpoint (OpenAI, DeepSeek, Qwen) tokenizes differently anyway. The rule, written down so the figures can be
reproduced: one token per CJK character or CJK/full-width punctuation mark, one per other punctuation mark,
and one per started group of 4 characters in a run of ASCII letters or digits; whitespace is free. It is
close to cl100k for Chinese prose and errs high for newer tokenizers (o200k, Qwen), which merge common
Chinese words. Real runs report the endpoint's own ``usage`` figures instead.
"""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(r"[A-Za-z0-9]+|\S")


def estimate_tokens(text: str) -> int:
    total = 0
    for match in _TOKEN_RE.finditer(text):
        n = len(match.group(0))
        total += (n + 3) // 4 if n > 1 else 1
    return total
