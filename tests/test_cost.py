from summarizer.cost import estimate_cost


def test_known_model_cost() -> None:
    # gpt-4o-mini: $0.15 / 1M prompt, $0.60 / 1M completion
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == 0.75


def test_override_and_unknown() -> None:
    assert estimate_cost("my-local", 1000, 1000) is None
    assert estimate_cost("my-local", 2_000_000, 0, {"my-local": (1.0, 2.0)}) == 2.0
