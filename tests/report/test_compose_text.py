"""The report's text rules: grammar (pymorphy3), romanisation, spelling, house style, sides, translation."""

import re

import pytest

from otklik.report import render_md
from otklik.report.compose import compose
from otklik.report.english import ROMANISATION, romanise, spell
from otklik.report.grammar import inflect_place, numeral_ablt, preposition_v, starts_with_digit
from otklik.report.lede import asks, names_harm, peg_sentence
from otklik.report.profile import Profile
from otklik.report.verify import verify_report

from .conftest import FakeTranslator, marker, quoted


def text_of(report):
    return render_md.render(report).replace("\u00a0", " ")


@pytest.mark.parametrize("name,accs", [("Германия", "Германию"), ("Турция", "Турцию"), ("Саудовская Аравия", "Саудовскую Аравию"),
                                       ("Объединённые Арабские Эмираты", "Объединённые Арабские Эмираты"),
                                       ("США", "США"), ("Казахстан", "Казахстан"), ("Европа", "Европу")])
def test_place_names_decline_after_v(name, accs):
    assert inflect_place(name, "accs") == accs


def test_vo_before_v_or_f_and_a_consonant():
    assert [preposition_v(w) for w in ("Францию", "Владивосток", "Финляндию", "Германию", "Швецию")] == \
        ["во", "во", "в", "в", "в"]


def test_small_counts_in_the_instrumental_are_words():
    assert numeral_ablt(1, "публикация") == "одной публикацией"
    assert numeral_ablt(4, "публикация") == "четырьмя публикациями"
    assert numeral_ablt(12, "публикация") == "12\u00a0публикациями"


def test_sentence_starting_with_a_digit_is_found_outside_quotes():
    assert starts_with_digit("Всего так. 8 комментариев появились.")
    assert not starts_with_digit("Всего 8 комментариев. «8 раз» сказали.")


def test_romanisation_is_bgn_pcgn_simplified():
    assert ROMANISATION.startswith("BGN/PCGN")
    assert romanise("Хроника преследований: Кавказ и Центральная Азия") == "Khronika presledovaniy: Kavkaz i Tsentralnaya Aziya"
    assert romanise("Елена Подъячева") == "Yelena Podyacheva"
    assert romanise("Щукин, Юлия, Ёлкин") == "Shchukin, Yuliya, Yolkin"
    assert romanise("user_42") == "user_42"


def test_one_spelling_convention_outside_quotation_marks():
    assert spell("The defence analysed it, favouring “the defence”", "US") == "The defense analyzed it, favoring “the defence”"
    assert spell("Analyzed by the defense", "UK") == "Analysed by the defence"


def test_demand_fear_and_peg_rules():
    assert asks("Не выдавайте его") and asks("Власти должны его отпустить") and asks("Please stop this")
    assert not asks("Сердце разрывается")
    assert names_harm("Там его ждут пытки") and names_harm("Returning him is a death sentence")
    assert not names_harm("Интересно, что решит суд")
    assert peg_sentence("‼️ Суд отказал ему в убежище.\n\nДальше подробности") == "Суд отказал ему в убежище"
    assert peg_sentence("Решение от 20 ноября. Дальше") is None  # a figure nobody checks
    assert peg_sentence(None) is None


def test_a_quote_is_under_a_side_only_when_the_digest_gives_one_and_each_further_group_is_introduced(digest):
    report = compose(digest, "ru")
    quotes = [b for b in report["blocks"] if b["type"] == "quote"]
    sided = {q["comment_id"]: q.get("side") for t in digest["themes"] for q in t["quotes"]}
    for q in quotes:  # no side the editor did not confirm or the model did not read with confidence
        if sided.get(q["comment_id"]) is None:
            assert (q["side"], q["side_source"]) == (None, None)
        else:
            assert q["side"] in ("supportive", "hostile", "neutral") and q["side_source"] in ("editor", "model")
    theme_quote = digest["themes"][0]["quotes"][0]
    theme_quote["side"], theme_quote["side_source"] = -1, "editor"  # the editor says it is hostile
    block = next(b for b in compose(digest, "ru")["blocks"] if b.get("comment_id") == theme_quote["comment_id"])
    assert (block["side"], block["side_source"]) == ("hostile", "editor")
    other = digest["themes"][0]["quotes"][1]
    other["side"], other["side_source"] = 1, "model"  # a confident supportive reading
    ru = text_of(compose(digest, "ru"))
    first_side = "hostile" if digest["themes"][0]["stances"].get("-1", 0) > digest["themes"][0]["stances"].get("1", 0) \
        else "supportive"  # the theme's majority side is quoted first; the other one gets a lead-in
    assert {"supportive": "Высказывались и против Мударова:", "hostile": "Другие поддержали Мударова:"}[first_side] in ru
    if len(digest["themes"][0]["quotes"]) > 2:  # the rest: no side established, said so
        assert "Ещё комментарии, чью позицию мы не установили с уверенностью:" in ru


def test_theme_framing_counts_say_what_they_count_and_add_up(digest):
    t = digest["themes"][0]
    t["stances"] = {"1": 35, "-1": 10, "0": 4, "none": 2}
    t["n_comments"] = 51
    ru = text_of(compose(digest, "ru"))
    assert "Большинство комментариев (35 из 51) — в поддержку Мударова; против — 10, нейтральные — 4, без ясной позиции — 2." in ru
    t["stances"] = {"1": 20, "-1": 25, "0": 6}
    en = text_of(compose(digest, "en"))
    assert "Opinions were divided: of 51 comments, 20 supported Mudarov, 25 were against Mudarov, and 6 were neutral." in en
    t["stances"] = {"1": 50, "-1": 1}
    en = text_of(compose(digest, "en"))
    assert "Nearly all of these comments (50 of 51) supported Mudarov; 1 was against." in en
    for lang in ("ru", "en"):
        assert verify_report(render_md.render(compose(digest, lang)), digest, quoted(digest), lang=lang) == []


def test_house_style_attribution_clock_date_and_spelling(digest):
    p = Profile(attribution="writes", time_style="12h", spelling="UK", labels="first")
    ru = text_of(compose(digest, "ru", profile=p))
    assert re.search(r"» \[#\d+\], — пишет \S+", ru) and "— написал пользователь" not in ru
    en = text_of(compose(digest, "en", marker=marker("en"), profile=p))
    assert "by 10:20 PM Moscow time" in en and "were analysed" in en and "recognised as extremist" in en
    assert re.search(r"” \[#\d+\], writes \S+", en)
    en = text_of(compose(digest, "en", profile=Profile(date_style="numeric")))
    assert "on 11/25/2026" in en and "by 22:20 Moscow time" in en and "were analyzed" in en


def test_english_with_an_engine_translates_every_foreign_quote_and_ends_with_the_note(digest):
    report = compose(digest, "en", translator=FakeTranslator())
    quotes = [b for b in report["blocks"] if b["type"] == "quote"]
    for q in quotes:
        if q["lang"] not in ("en", None, "und"):
            assert q["translation"] == f"{q['lang']}→en: {q['text']}"  # the original kept beside it
    assert report["notes"][-1] == {"type": "para", "text": "Translated automatically (test)."}
    assert "No machine translation engine" not in text_of(report)
    en = text_of(report)
    assert "saying “ru→en: " in en and "(translated from Russian)" in en  # the news peg too


def test_english_without_an_engine_says_so_first_and_names_are_romanised(digest):
    en = text_of(compose(digest, "en"))
    head = en.split("\n## ")[0]
    assert "No machine translation engine is configured for this report" in head
    assert "Translated automatically" not in en
    sources = en.split("Sources:")[1].split("\n\n")[1]
    assert "Khronika presledovaniy" in sources and not re.search(r"[А-Яа-яЁё]", sources)
    assert "romanized with BGN/PCGN (simplified)" in en
    authors = re.findall(r"\], wrote (.+?)(?: on [A-Z]\w+)?\.\n", en)
    assert authors and not any(re.search(r"[А-Яа-яЁё]", a) for a in authors)
