"""Russian plural agreement, names by case, dates, times in the case's time zone, numbers."""

import pytest

from otklik.report.grammar import (NBSP, by_time, count_en, count_ru, format_date, inflect_name, latin_name, number,
                                   percent, verb_ru)


@pytest.mark.parametrize("n,expected", [
    (1, "1 комментарий"), (2, "2 комментария"), (4, "4 комментария"), (5, "5 комментариев"),
    (11, "11 комментариев"), (12, "12 комментариев"), (14, "14 комментариев"), (21, "21 комментарий"),
    (22, "22 комментария"), (25, "25 комментариев"), (101, "101 комментарий"), (111, "111 комментариев"),
    (0, "0 комментариев"),
])
def test_russian_plural_agreement(n, expected):
    assert count_ru(n, "комментарий").replace(NBSP, " ") == expected


def test_people_and_genitive_after_prepositions():
    assert count_ru(21, "пользователь").replace(NBSP, " ") == "21 пользователь"
    assert count_ru(3, "пользователь").replace(NBSP, " ") == "3 пользователя"
    # «из 21 пользователя», «из 224 пользователей»
    assert count_ru(21, "пользователь", "gent").replace(NBSP, " ") == "21 пользователя"
    assert count_ru(224, "пользователь", "gent").replace(NBSP, " ") == "224 пользователей"
    assert verb_ru(21, "написал", "написали") == "написал"
    assert verb_ru(11, "написал", "написали") == "написали"


def test_english_plurals():
    assert count_en(1, "comment") == "1 comment"
    assert count_en(2, "reply") == "2 replies"
    assert count_en(12345, "user") == "12,345 users"


def test_numbers_and_percent():
    assert number(1234, "ru") == "1234"  # Russian groups from five digits
    assert number(12345, "ru") == f"12{NBSP}345"
    assert number(1234, "en") == "1,234"
    assert percent(0.9634, "ru") == "96%"
    assert percent(0.965, "en") == "97%"  # half up, as the verifier rounds
    assert percent(0.003, "en") == "<1%"
    assert percent(0.0, "en") == "0%"


@pytest.mark.parametrize("name,case,expected", [
    ("Ильяс Мударов", "gent", "Ильяса Мударова"),  # «о судьбе Ильяса Мударова»
    ("Ильяс Мударов", "datv", "Ильясу Мударову"),
    ("Ильяс Мударов", "ablt", "Ильясом Мударовым"),
    ("Мансур Мовлаев", "loct", "Мансуре Мовлаеве"),
    ("Зарема Исаева", "gent", "Заремы Исаевой"),
    ("Зарема Исаева", "accs", "Зарему Исаеву"),
    ("Шамиль Зумкаев", "gent", "Шамиля Зумкаева"),  # a surname no dictionary has: the -ев rule
    ("Ахмед Тарамин", "datv", "Ахмеду Тарамину"),  # -ин rule
    ("Мударов", "gent", "Мударова"),
    ("John Smith", "gent", "John Smith"),  # Latin names are not declined
])
def test_names_are_inflected_by_case(name, case, expected):
    assert inflect_name(name, case) == expected


def test_latin_name_prefers_an_alias_then_transliterates():
    assert latin_name("Ильяс Мударов", ["Мударов", "Mudarov", "Ilyas Mudarov"]) == "Ilyas Mudarov"
    assert latin_name("Мансур Мовлаев", []) == "Mansur Movlayev"  # BGN/PCGN: е after a vowel is "ye"
    assert latin_name("Адам Газдиев", ["Adam Gazdiev", "Adam Gazdiyev"]) == "Adam Gazdiev"  # the editor's first


def test_time_in_the_case_time_zone():
    at = "2026-11-25T19:20:00Z"
    assert by_time(at, "Europe/Moscow", "ru").replace(NBSP, " ") == "к 22:20 по московскому времени 25 ноября 2026 года"
    assert by_time(at, "Europe/Moscow", "en").replace(NBSP, " ") == "by 10:20 PM Moscow time on November 25, 2026"
    # the local date can differ from the UTC date
    assert by_time(at, "Asia/Almaty", "en").replace(NBSP, " ") == "by 12:20 AM Almaty time on November 26, 2026"
    assert by_time(at, "America/New_York", "ru").replace(NBSP, " ") == "к 14:20 по времени UTC-5 25 ноября 2026 года"


def test_localised_dates():
    from datetime import date
    assert format_date(date(2026, 5, 21), "ru", year=False).replace(NBSP, " ") == "21 мая"
    assert format_date(date(2026, 5, 21), "en", year=False) == "May 21"
    assert format_date(date(2026, 5, 21), "ru").replace(NBSP, " ") == "21 мая 2026 года"


# Every noun the reports count, in the cases they count it in: (one, few, many) as a Russian grammar
# gives them. The forms come from pymorphy3 now; this is the independent check over 0–1000.
REPORT_NOUNS = {
    ("комментарий", "nomn"): ("комментарий", "комментария", "комментариев"),
    ("комментарий", "gent"): ("комментария", "комментариев", "комментариев"),
    ("пользователь", "nomn"): ("пользователь", "пользователя", "пользователей"),
    ("пользователь", "gent"): ("пользователя", "пользователей", "пользователей"),
    ("ответ", "nomn"): ("ответ", "ответа", "ответов"),
    ("подписчик", "nomn"): ("подписчик", "подписчика", "подписчиков"),
    ("аккаунт", "nomn"): ("аккаунт", "аккаунта", "аккаунтов"),
    ("аккаунт", "gent"): ("аккаунта", "аккаунтов", "аккаунтов"),
    ("публикация", "nomn"): ("публикация", "публикации", "публикаций"),
    ("страница", "nomn"): ("страница", "страницы", "страниц"),
}


def _rule(n):  # 1, 21, 101 -> one; 2-4, 22-24 -> few; 0, 5-20, 11-14, 111 -> many
    if n % 10 == 1 and n % 100 != 11:
        return 0
    return 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2


@pytest.mark.parametrize("noun, case", sorted(REPORT_NOUNS))
def test_agreement_with_every_number_from_0_to_1000(noun, case):
    forms = REPORT_NOUNS[(noun, case)]
    got = {n: count_ru(n, noun, case) for n in range(1001)}
    wrong = {n: g for n, g in got.items() if g != f"{number(n, 'ru')}{NBSP}{forms[_rule(n)]}"}
    assert not wrong, dict(list(wrong.items())[:5])


def test_an_unknown_noun_is_an_error_not_a_silent_guess():
    with pytest.raises(ValueError, match="not a Russian noun"):
        count_ru(3, "qwerty")


@pytest.mark.parametrize("name, case, expected", [
    ("Аминат Хасанова", "gent", "Аминат Хасановой"),
    ("Айшат Юсупова", "gent", "Айшат Юсуповой"),
    ("Айшат Юсупова", "ablt", "Айшат Юсуповой"),
    ("Аминат Хасанова", "accs", "Аминат Хасанову"),
    ("Зарема Мусаева", "datv", "Зареме Мусаевой"),
    ("Мария Ильина", "gent", "Марии Ильиной"),
    ("Анна Шмидт", "gent", "Анны Шмидт"),  # a female first name decides when the surname has no gender
    ("Мансур Ахмедов", "gent", "Мансура Ахмедова"),
])
def test_female_names_take_their_gender_from_surname_and_first_name_together(name, case, expected):
    assert inflect_name(name, case) == expected


def test_chart_axes_are_in_the_case_time_zone_not_the_servers(monkeypatch):
    import time

    from otklik.web.charts import line_chart

    monkeypatch.setenv("TZ", "Asia/Almaty")
    time.tzset()
    try:
        svg = str(line_chart([{"label": "followers", "points": [("2026-03-01T10:00:00Z", 100),
                                                                ("2026-03-02T21:30:00Z", 150)]}],
                             "Followers", "f", tz="Europe/Moscow"))
        utc = str(line_chart([{"label": "x", "points": [("2026-03-01T10:00:00Z", 1)]}], "X", "x"))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "2026-03-01 13:00" in svg and "2026-03-03 00:30" in svg  # Moscow is UTC+3, Almaty would be +5
    assert "2026-03-01 10:00" in utc
