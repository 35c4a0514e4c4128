from summarizer.tokens import estimate_tokens


def test_cjk_characters_count_one_each() -> None:
    assert estimate_tokens("科技创新") == 4
    assert estimate_tokens("科技，创新。") == 6


def test_ascii_runs_count_per_four_characters() -> None:
    assert estimate_tokens("GDP") == 1
    assert estimate_tokens("2020") == 1
    assert estimate_tokens("20201") == 2
    assert estimate_tokens("完成50亿元") == 2 + 1 + 2


def test_whitespace_is_free() -> None:
    assert estimate_tokens("  \n\t") == 0
