"""The model edge: the only package importing openai, instructor and httpx2, and only in ``client``.

* ``backend``: ``ModelBackend`` (a document's steps -> requests -> result cache or client) and the ``llm`` /
  ``replay`` factories that ``backends.py`` registers.
* ``call``: ``CallResult`` and the ``ModelClient`` protocol, what any model client promises.
* ``client``: ``LLMClient.complete`` -> ``CallResult`` on any OpenAI-compatible endpoint (transport and
  validation retry policies, mode fallback), configured by the run's ``Settings``.
* ``replay``: ``ReplayTransport`` / ``RecordTransport``, one JSON cassette per HTTP request.

Nothing is imported here on purpose: choosing a backend or reading the cache should not pay for openai.
The fake OpenAI-compatible server for tests is ``summarizer.testing.fake_openai``.
"""
