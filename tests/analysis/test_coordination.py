from otklik.analysis.coordination import CoordParams, find_groups

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
