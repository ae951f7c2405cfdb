from otklik.analysis.coordination import CoordParams, find_groups, near, normalise

BURST = "Казахстан, не выдавайте Мударова! Он там погибнет. #FreeIlyas"


def t(minute):
    return f"2026-11-25T10:{minute:02d}:00Z"


def test_burst_of_near_identical_comments_from_distinct_accounts_is_coordinated():
    texts = [BURST, BURST + "!!", BURST.replace("погибнет", "погибнет!"), BURST.lower(), BURST,
             "Совсем другой комментарий о погоде и о жизни", BURST]
    authors = ["a", "b", "c", "d", "e", "f", "a"]
    times = [t(0), t(1), t(2), t(3), t(4), t(5), t(50)]
    groups, window = find_groups(list(range(7)), texts, authors, times, CoordParams(window_s=600))
    [g] = groups
    assert g.coordinated and set(g.burst_ids) == {0, 1, 2, 3, 4}
    assert 5 not in g.comment_ids and 6 in g.comment_ids  # the late copy is a duplicate, not in the burst
    assert g.accounts == ["a", "b", "c", "d", "e"]


def test_one_account_repeating_itself_is_not_coordination_and_short_texts_are_ignored():
    texts = [BURST, BURST, BURST, "+", "+", "+", "🙏"]
    authors = ["a", "a", "a", "b", "c", "d", "e"]
    groups, _ = find_groups(list(range(7)), texts, authors, [t(i) for i in range(7)])
    [g] = groups
    assert not g.coordinated and g.exact and g.comment_ids == [0, 1, 2]


def test_window_is_estimated_from_the_data():
    texts = [BURST] * 4
    groups, window = find_groups([1, 2, 3, 4], texts, ["a", "b", "c", "d"], [t(0), t(2), t(4), t(6)])
    assert 60 <= window <= 3600 and groups[0].coordinated


# A burst as a troll farm writes it: one template, each account changing a word, a mark or an emoji.
TEMPLATE = "Хватит защищать этого болтуна, пусть сам приедет и ответит перед старейшинами"
VARIANTS = [
    TEMPLATE,
    TEMPLATE.replace("болтуна", "трепача"),  # a word swapped
    TEMPLATE.replace("пусть сам", "пусть он сам"),  # a word added
    TEMPLATE.replace("этого ", ""),  # a word removed
    TEMPLATE.replace(",", "!!") + " 😡😡",  # punctuation and emoji
    TEMPLATE.upper(),  # case
    TEMPLATE.replace("приедет и ответит", "ответит и приедет").replace("болтуна", "трепача"),  # reordered + swapped
]


def test_near_copies_that_vary_by_a_word_or_a_mark_form_one_burst():
    times = [f"2026-11-21T17:0{i}:{15 * i % 60:02d}Z" for i in range(len(VARIANTS))]
    authors = [f"new{i}" for i in range(len(VARIANTS))]
    groups, _ = find_groups(list(range(len(VARIANTS))), VARIANTS, authors, times, CoordParams(window_s=120))
    [g] = groups
    assert g.coordinated and sorted(g.burst_ids) == list(range(len(VARIANTS)))
    assert not g.exact


def test_a_burst_longer_than_the_window_is_one_burst():
    # copies every 50 s for 5 minutes: each within the 2-minute window of the previous one
    times = [f"2026-11-21T17:{(50 * i) // 60:02d}:{(50 * i) % 60:02d}Z" for i in range(len(VARIANTS))]
    groups, _ = find_groups(list(range(len(VARIANTS))), VARIANTS, list("abcdefg"), times, CoordParams(window_s=120))
    assert sorted(groups[0].burst_ids) == list(range(len(VARIANTS)))


def test_a_shared_phrase_is_not_a_copy_and_a_copy_a_day_apart_is_not_in_the_burst():
    organic = ["Пусть отвечает по закону, как все, а не прячется за границей",
               "пусть отвечает по закону. Но пытать его никто не имеет права!",
               "Если виноват, пусть отвечает по закону, только суд должен быть честным"]
    texts = organic + VARIANTS[:4] + [VARIANTS[1]]
    times = ([f"2026-11-21T17:0{i}:00Z" for i in range(3)] + [f"2026-11-21T18:0{i}:00Z" for i in range(4)]
             + ["2026-11-20T11:00:00Z"])  # the last: a regular commenter wrote it the day before
    authors = ["p", "q", "r", "a", "b", "c", "d", "old"]
    groups, _ = find_groups(list(range(8)), texts, authors, times, CoordParams(window_s=300))
    [g] = groups  # the organic comments sharing a phrase are no group at all
    assert sorted(g.comment_ids) == [3, 4, 5, 6, 7]
    assert g.coordinated and sorted(g.burst_ids) == [3, 4, 5, 6]


def test_near_is_a_small_edit_not_a_shared_topic():
    a, b = normalise(TEMPLATE), normalise(TEMPLATE.replace("старейшинами", "народом"))
    assert near(a, b)
    assert not near(normalise("Свободу Адаму, не выдавайте его"), normalise("Свободу Ильясу, не выдавайте его в Россию"))
    assert not near(normalise("Хватит защищать этого болтуна"), normalise("Хватит защищать этого парня, он прав"))


def test_short_copies_each_a_word_from_the_template_are_one_burst():
    template = "Пусть сам приедет и ответит за слова"
    texts = [template.replace("сам", "он"), template.replace("за слова", "за свои слова"),
             template.replace("приедет", "вернётся") + "!!", template.replace("Пусть сам", "Пусть"),
             template.upper() + " 👎"]
    times = [f"2026-11-21T17:0{i}:30Z" for i in range(len(texts))]
    groups, _ = find_groups(list(range(len(texts))), texts, list("abcde"), times, CoordParams(window_s=120))
    [g] = groups
    assert g.coordinated and sorted(g.burst_ids) == list(range(len(texts)))


def test_copies_with_their_sentences_reordered_are_near():
    a = "Хватит защищать этого болтуна. Пусть сам приедет и ответит перед старейшинами"
    b = "Пусть сам приедет и ответит перед старейшинами!!! Хватит защищать этого трепача"
    assert near(normalise(a), normalise(b))
    assert not near(normalise(a), normalise("Пусть сам приедет и ответит. Хватит защищать этого парня, он ни в чём не виноват"))
