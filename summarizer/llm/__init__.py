"""The LLM edge: the only package importing openai, instructor and httpx2.

* ``client``: ``LLMSettings``, ``LLMClient.complete`` -> ``CallResult`` (transport and validation retry
  policies, mode fallback).
* ``replay``: ``ReplayTransport`` / ``RecordTransport``, one JSON cassette per HTTP request.
* ``fake_server``: ``FakeOpenAI``, a scripted OpenAI-compatible server on 127.0.0.1 for tests and benchmarks.

Nothing is imported here on purpose: ``import summarizer.llm.fake_server`` should not pay for openai.
"""
