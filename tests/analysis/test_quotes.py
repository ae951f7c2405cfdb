"""Quotes: verbatim spans, readability, distinct authors, spam exclusion, stance fairness, diversity."""

import numpy as np

from otklik.analysis.quotes import QuoteParams, best_span, choose_quotes, readable
from otklik.analysis.themes import Theme

LONG = (
    "Я давно слежу за этим делом и читаю все новости каждый день без перерыва. "
    "Его нельзя выдавать в Россию, там его ждут пытки. "
    "Спасибо всем, кто помогает и пишет письма в поддержку, это очень важно для семьи и для него самого сейчас. "
    "Надеюсь, что суд и комиссия услышат эти голоса и примут правильное решение, ведь от него зависит жизнь человека."
)


def make(rows):
    """rows: (text, author, stance, direction) -> parallel lists + a theme of all of them."""
    ids = [10 + i for i in range(len(rows))]
    texts = [r[0] for r in rows]
    authors = [r[1] for r in rows]
    stances = [r[2] for r in rows]
    emb = np.array([r[3] for r in rows], dtype=float)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    theme = Theme(
        key=f"t{ids[0]}", label="x", label_source="keywords", keywords=["пытка", "выдавать"],
        member_ids=ids, central_ids=ids, n_comments=len(ids), n_authors=len(set(authors)),
        stances={}, entities=[],
    )
    return theme, ids, texts, authors, emb, stances


def test_quotes_are_verbatim_spans_and_long_comments_give_their_on_theme_sentence():
    theme, ids, texts, authors, emb, stances = make([
        (LONG, "a", 1, [1, 0.1, 0]),
        ("Не выдавайте его, там пытки и смерть", "b", 1, [1, 0.2, 0]),
    ])
    quotes = choose_quotes(theme, ids, texts, authors, emb, stances, k=2, lang=["ru", "ru"])
    assert {q.comment_id for q in quotes} == {10, 11}
    for q in quotes:
        original = texts[ids.index(q.comment_id)]
        assert original[q.start:q.end] == q.text
    long_quote = next(q for q in quotes if q.comment_id == 10)
    assert long_quote.text == "Его нельзя выдавать в Россию, там его ждут пытки."


def test_unreadable_comments_are_never_quoted():
    assert not readable("😢😢😢😢😢😢😢😢😢😢😢😢😢😢😢😢😢😢😢😢😢")
    assert not readable("https://t.me/somechannel/12345 @someone @other")
    assert not readable("ok")
    assert readable("Помогите ему, пожалуйста, его там убьют")
    assert best_span("   Помогите ему, пожалуйста, его там убьют  ", [], "ru", QuoteParams()) == (3, 42)


def test_distinct_authors_and_excluded_spam():
    theme, ids, texts, authors, emb, stances = make([
        ("Его там будут пытать, не выдавайте", "same", 1, [1, 0, 0]),
        ("Не выдавайте его, его ждут пытки там", "same", 1, [1, 0.05, 0]),
        ("Выдача означает для него пытки и тюрьму", "spammer", 1, [1, 0.02, 0]),
        ("Пытки в Чечне никто не отменял, помогите", "other", 1, [1, 0.3, 0.1]),
    ])
    quotes = choose_quotes(theme, ids, texts, authors, emb, stances, k=3, excluded={12})
    assert [q.author for q in quotes].count("same") == 1
    assert 12 not in {q.comment_id for q in quotes}
    assert len(quotes) == 2  # nothing else is eligible


def test_minority_stance_gets_a_slot():
    rows = [(f"Помогите ему, его там будут пытать, номер {i}", f"s{i}", 1, [1, 0.01 * i, 0]) for i in range(9)]
    rows += [("Пусть выдают, он преступник и должен сидеть", "h1", -1, [0.6, 0.8, 0])]  # 1 in 10: 0.3 of a slot
    theme, ids, texts, authors, emb, stances = make(rows)
    quotes = choose_quotes(theme, ids, texts, authors, emb, stances, k=3)
    assert [q.stance for q in quotes].count(-1) == 1
    assert [q.stance for q in quotes].count(1) == 2


def test_mmr_prefers_a_different_second_quote_over_a_near_copy():
    theme, ids, texts, authors, emb, stances = make([
        ("Его там будут пытать, не выдавайте его", "a", 1, [1, 0.00, 0.0]),
        ("Его там будут пытать, не выдавайте его!", "b", 1, [1, 0.01, 0.0]),
        ("Лучше пусть едет в Германию, там безопасно", "c", 1, [0.8, 0.0, 0.6]),
    ])
    quotes = choose_quotes(theme, ids, texts, authors, emb, stances, k=2, params=QuoteParams(diversity=0.5))
    assert {q.comment_id for q in quotes} == {10, 12}
    plain = choose_quotes(theme, ids, texts, authors, emb, stances, k=2, params=QuoteParams(diversity=0.0))
    assert {q.comment_id for q in plain} == {10, 11}


def test_quote_slots_follow_theme_sizes_and_every_theme_gets_one():
    from otklik.analysis.quotes import quote_slots

    slots = quote_slots({"t1": 60, "t2": 30, "t3": 10}, total=9)
    assert slots == {"t1": 5, "t2": 3, "t3": 1}
    assert sum(slots.values()) == 9
    assert quote_slots({"t1": 1000, "t2": 3}, total=6, k_max=4) == {"t1": 4, "t2": 1}  # capped, not forced
    assert quote_slots({"a": 5, "b": 5}, total=1) == {"a": 1, "b": 1}  # a theme shown is a theme quoted


def test_quotes_are_the_central_comments_of_the_theme_in_theme_space():
    # the comment closest to the theme's mean is quoted first (here the one leaning towards the
    # edge comment, which pulls the mean), then one per author: the two of "b" never both
    theme, ids, texts, authors, emb, stances = make([
        ("На краю темы, но тоже про выдачу и пытки", "a", 1, [0.3, 1, 0]),
        ("Его нельзя выдавать, там его ждут пытки", "b", 1, [1, 0.1, 0]),
        ("Не выдавайте его, там пытки, это известно", "b", 1, [1, 0.12, 0]),
        ("Выдача для него значит пытки и тюрьму", "c", 1, [1, 0.2, 0.05]),
    ])
    quotes = choose_quotes(theme, ids, texts, authors, emb, stances, k=2)
    assert quotes[0].comment_id == 13
    assert [q.author for q in quotes] == ["c", "b"]
    assert [q.author for q in choose_quotes(theme, ids, texts, authors, emb, stances, k=4)].count("b") == 1
