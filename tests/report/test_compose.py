"""Composing: wording follows the data; labels at first mention; translations beside originals."""

import re

from otklik.report import render_md
from otklik.report.compose import compose
from otklik.report.profile import Profile
from otklik.report.verify import verify_report

from .conftest import FakeTranslator, marker, quoted, with_estimate


def text_of(report):
    return render_md.render(report).replace("\u00a0", " ")


def set_shares(digest, supportive, hostile):
    """Rewrite the people shares (counts consistent with the total)."""
    a = digest["stance"]["authors"]
    total = a["total"]
    a["supportive"] = {"n": round(total * supportive), "share": supportive}
    a["hostile"] = {"n": round(total * hostile), "share": hostile}
    with_estimate(digest, supportive, supportive - 0.02, supportive + 0.02)  # the wording follows the estimate
    for scale in ("by_comments", "by_authors"):
        digest["stance_estimate"][scale]["hostile"] = {"share": hostile, "low": hostile - 0.02, "high": hostile + 0.02}


def test_demo_report_reads_like_the_newsroom_text(digest):
    with_estimate(digest, 0.99, 0.97, 1.0)  # as after an editor's check of the machine
    ru = text_of(compose(digest, "ru"))
    assert "# Пользователи соцсетей обеспокоены судьбой Ильяса Мударова" in ru
    assert "Почти все комментаторы в Instagram и Telegram" in ru
    assert "публикация к 22:20 по московскому времени 25 ноября 2026 года собрала 205 комментариев" in ru
    assert "У страницы 161 подписчик" in ru  # the page's, not the post's
    assert ru.split("## Позиции")[0].count("25 ноября") == 1  # the post's day and the count's day: said once
    assert "Из 224 пользователей около 99% (97–100%) выразили обеспокоенность судьбой Ильяса Мударова" in ru
    assert "редактор проверил позицию, определённую машиной, на 52 комментариях" in ru
    en = text_of(compose(digest, "en"))
    assert "by 22:20 Moscow time on November 25, 2026, the post had garnered 205 comments" in en
    assert "Of 224 users, about 99% (97–100%) expressed concern about Ilyas Mudarov's fate" in en


def test_a_narrow_majority_is_not_most(digest):
    set_shares(digest, 0.54, 0.46)
    ru, en = text_of(compose(digest, "ru")), text_of(compose(digest, "en"))
    lede_ru, lede_en = ru.split("\n")[2], en.split("\n")[2]
    assert "Чуть больше половины" in lede_ru and "большинство" not in lede_ru.lower()
    assert "Just over half" in lede_en and "most" not in lede_en.lower()
    set_shares(digest, 0.45, 0.40)
    assert "разделились" in text_of(compose(digest, "ru")).split("\n")[0]
    assert "divided" in text_of(compose(digest, "en")).split("\n")[0]
    set_shares(digest, 0.7, 0.3)
    assert "Most commenters" in text_of(compose(digest, "en"))


def test_no_theme_sentence_for_a_theme_of_two_people(digest):
    theme = digest["themes"][0]
    theme["n_authors"], theme["n_comments"] = 2, 2
    report = compose(digest, "ru")
    headings = [b["text"] for b in report["blocks"] if b["type"] == "heading"]
    assert not any(theme["label"] in h for h in headings)
    assert not any(b["type"] == "quote" and b["comment_id"] == theme["quotes"][0]["comment_id"] for b in report["blocks"])


def test_coordination_note_only_with_bursts(digest):
    ru = text_of(compose(digest, "ru"))
    assert "## Скоординированные комментарии" in ru
    assert "С 15:38 до 15:42 по московскому времени 25 ноября 2026 года появились 8 комментариев от 8 аккаунтов" in ru
    digest["coordination"]["bursts"] = []
    assert "Скоординированные" not in text_of(compose(digest, "ru"))
    assert "Coordinated" not in text_of(compose(digest, "en"))


def test_labelling_mark_at_every_or_first_mention_by_house_style_and_footnote(digest):
    md = text_of(compose(digest, "ru", marker=marker("ru")))  # the default house style: every mention
    body, notes = md.rsplit("\n---\n", 1)
    assert body.count("Instagram") == body.count("Instagram\\*") >= 3
    assert "\\*Принадлежит компании Meta" in notes
    md = text_of(compose(digest, "ru", marker=marker("ru"), profile=Profile(labels="first")))
    body, notes = md.rsplit("\n---\n", 1)
    assert body.count("Instagram\\*") == 1
    assert body.index("Instagram\\*") < body.index("Instagram ") if "Instagram " in body else True
    assert "\\*Принадлежит компании Meta" in notes
    en = text_of(compose(digest, "en", marker=marker("en")))  # inline wording: said once even with "every"
    assert en.count("owned by Meta") == 1


def test_quotes_keep_originals_with_translations_beside(digest):
    report = compose(digest, "en", translator=FakeTranslator())
    quotes = [b for b in report["blocks"] if b["type"] == "quote"]
    ru_quote = next(q for q in quotes if q["lang"] == "ru")
    en_quote = next(q for q in quotes if q["lang"] == "en")
    assert ru_quote["translation"] == f"ru→en: {ru_quote['text']}"
    assert en_quote["translation"] is None  # already in the report's language
    md = render_md.render(report)
    assert f"“{ru_quote['text']}” [#{ru_quote['comment_id']}] (translation: “ru→en: {ru_quote['text']}”)" in md
    assert "Translated automatically (test)." in md
    assert verify_report(md, digest, quoted(digest)) == []


def test_upcoming_deadlines_are_flagged(digest):
    first = digest["events"][0]
    assert first["date"] == "2018-10-01"
    del first["precision"]  # a case file that gives no precision: a date on the 1st is known to the month
    md = text_of(compose(digest, "ru"))
    upcoming = md.split("## Предстоящие сроки")[1]
    assert "⚠ **8 декабря 2026 года.** Последний день для обжалования" in upcoming
    assert re.search(r"\*\*Октябрь 2018 года\.\*\* Осенью 2018", md)  # a month-only date is not made precise


def test_proposals_name_the_places_declined_with_people_counted_once(digest):
    en = text_of(compose(digest, "en"))
    assert "Commenters proposed sending Mudarov to Germany (9 people), Europe (7), Kazakhstan (6), Turkey (6)" in en
    ru = text_of(compose(digest, "ru"))
    assert "предлагали отправить Мударова в Германию (9 человек), Европу (7), Казахстан (6), Турцию (6)" in ru


def test_russian_pronoun_for_many_people_is_plural(digest):
    with_estimate(digest, 0.81, 0.71, 0.91)  # «около 81%» of the people: the pronoun stands for many
    text = str(compose(digest, "ru"))
    assert "около 81%" in text and "ему принадлеж" not in text and "им принадлеж" in text


def test_estimates_are_stated_as_an_editor_would_and_verify(digest):
    with_estimate(digest, 0.8, 0.76, 0.84)
    ru, en = text_of(compose(digest, "ru")), text_of(compose(digest, "en"))
    assert "Из 224 пользователей около 80% (76–84%) выразили обеспокоенность судьбой Ильяса Мударова" in ru
    assert "Of 224 users, about 80% (76–84%) expressed concern about Ilyas Mudarov's fate" in en
    assert "редактор проверил позицию, определённую машиной, на 52 комментариях" in ru
    assert "an editor checked the machine's reading on 52 comments" in en
    assert "Подавляющее большинство" in ru.split("\n")[2]
    assert "Без них по машинной разметке доля пользователей" in ru  # the count without bursts is not an estimate
    for lang in ("ru", "en"):
        md = render_md.render(compose(digest, lang))
        assert verify_report(md, digest, quoted(digest), lang=lang) == []
    digest["stance_estimate"]["n_sampled"] = 40  # the editor also labelled 12 comments outside the queue
    en = render_md.render(compose(digest, "en"))
    assert "on 52 comments (40 of them drawn at random, favoring the uncertain ones)" in en  # US spelling by default
    assert verify_report(en, digest, quoted(digest), lang="en") == []
    digest["stance_estimate"]["by_authors"]["supportive"]["low"] = 0.70  # a range not in the digest is caught
    md = render_md.render(compose(digest, "en")).replace("70–84%", "71–84%")
    assert [p.kind for p in verify_report(md, digest, quoted(digest), lang="en")] == ["percent"]


def test_unchecked_estimates_say_so_and_an_uncertain_majority_is_not_claimed(digest):
    with_estimate(digest, 0.62, 0.42, 0.82, n_draws=0, n_checked=0)
    ru, en = text_of(compose(digest, "ru")), text_of(compose(digest, "en"))
    assert "непроверенная машинная оценка" in ru and "documented error" in en
    assert ru.split("\n")[0] == "# Реакция пользователей соцсетей на дело Ильяса Мударова"
    assert "Самая большая группа комментаторов" in ru.split("\n")[2]
    assert "largest group" in en.split("\n")[2] and "Most" not in en.split("\n")[2]
    with_estimate(digest, 0.40, 0.30, 0.48)
    assert "разделились" in text_of(compose(digest, "ru")).split("\n")[0]


def _theme_with_titles(digest, titles, label_source="title"):
    th = next(t for t in digest["themes"] if t["n_authors"] >= 3 and t["quotes"])
    th["titles"], th["label_source"], th["label"] = titles, label_source, "метка из анализа"
    return th


def _title(text, lang, cid=50):
    return {"text": text, "comment_id": cid, "start": 0, "end": len(text), "lang": lang}


def test_theme_headings_are_in_the_report_language_or_say_they_are_not(digest):
    _theme_with_titles(digest, {"ru": _title("Отправьте его куда угодно", "ru"), "en": _title("Send him anywhere safe", "en")})
    assert "### Тема «Отправьте его куда угодно»" in text_of(compose(digest, "ru"))
    assert "### Theme “Send him anywhere safe”" in text_of(compose(digest, "en"))
    # no English comment to cut a title from: translated by the report's translator, and said so
    _theme_with_titles(digest, {"ru": _title("Отправьте его куда угодно", "ru"), "en": _title("Отправьте его куда угодно", "ru")})
    en = text_of(compose(digest, "en", translator=FakeTranslator()))
    assert "### Theme “ru→en: Отправьте его куда угодно” (translated from Russian)" in en
    assert verify_report(en, digest, quoted(digest), lang="en") == []
    # no translator: the commenters' words as they wrote them, with their language named
    en = text_of(compose(digest, "en"))
    assert "### Theme “Отправьте его куда угодно” (in Russian)" in en
    _theme_with_titles(digest, {"ru": _title("Ол бізден пана сұрап келді", "kk")})
    assert "### Тема «Ол бізден пана сұрап келді» (на казахском языке)" in text_of(compose(digest, "ru"))


def test_a_title_with_digits_is_not_translated_and_the_editors_name_wins(digest):
    th = _theme_with_titles(digest, {"en": _title("Статья 13 Конвенции нарушена", "ru")})
    en = text_of(compose(digest, "en", translator=FakeTranslator()))
    assert "### Theme “Статья 13 Конвенции нарушена” (in Russian)" in en  # a number nobody could check otherwise
    assert verify_report(en, digest, quoted(digest), lang="en") == []
    th["label_source"], th["label"] = "editor", "Право на защиту"
    assert "### Theme “Право на защиту”" in text_of(compose(digest, "en", translator=FakeTranslator()))


def test_the_most_common_reason_is_quoted_verbatim_preferring_the_report_language(digest):
    why = digest["proposal_reasons"]
    assert why["top"], "the demo digest has stated reasons"
    ru = text_of(compose(digest, "ru"))
    top_ru = next(r for r in why["top"] if r["lang"] == "ru")  # all equally common: one in Russian
    assert f"«{top_ru['text']}» [#{top_ru['comment_id']}]" in ru
    assert f"Причину назвали {why['n_authors']} пользователей, например:" in ru
    assert verify_report(ru, digest, quoted(digest), lang="ru") == []
    common = dict(why["top"][-1], n_authors=3, n_comments=3)  # now the most common
    why["top"] = [common] + why["top"][:-1]
    en = text_of(compose(digest, "en"))
    assert f"The reason given most often (3 users):\n\n“{common['text']}” [#{common['comment_id']}]" in en
    assert verify_report(en, digest, quoted(digest), lang="en") == []
