"""Helpers for tests and benchmarks that must be importable from both (``tests/`` and ``bench/``), and from
users' own tests. Nothing here is used by the pipeline itself.

* ``fake_openai``: ``FakeOpenAI``, a scripted OpenAI-compatible server on 127.0.0.1 (faults included), and
  ``pipeline_answer`` / ``extraction``, valid answers to the pipeline's requests.
* ``noise``: scraped-page noise with ground truth, for the cleaner's benchmark and tests.
"""
