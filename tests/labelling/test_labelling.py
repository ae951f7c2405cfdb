"""The labelling policy: the marks a Russian newsroom prints, at first mention only, never on ordinary words."""

from datetime import date

import pytest

from otklik.labelling import Marker, Policy, RegistryError, load_registry

META_NOTE = "*Принадлежит компании Meta, признанной экстремистской и запрещённой в России."
ADAT_RU = "(признано экстремистским и запрещено в России)"
ADAT_EN = "(an organization recognized as extremist and banned in Russia)"
IG_EN = "(owned by Meta, recognized as extremist and banned in Russia)"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_shipped_registry_is_dated_and_sourced(registry):
    assert registry.version == "2026-11"
    assert {e.id for e in registry} >= {"meta", "instagram", "facebook", "adat"}
    for e in registry:
        assert e.legal_basis and e.date and e.last_checked.startswith("2026-11")
        assert e.sources and all(s["title"] and s["date"] for s in e.sources)
    assert "No. 92" in registry.get("adat").legal_basis
    assert registry.get("instagram").kind == "platform" and registry.get("adat").kind == "organisation"
    assert registry.stale(today=date(2026, 12, 1)) == []
    assert {e.id for e in registry.stale(today=date(2027, 12, 1))} == {e.id for e in registry}


def test_russian_default_asterisk_at_first_mention_only_with_one_footnote(registry):
    m = Marker(registry, Policy(), "ru")
    first = m.mark("Пост на странице в Инстаграме собрал 205 комментариев.")
    second = m.mark("Авторы страницы в Instagram ответили. Их поддержали в Фейсбуке.")
    assert first == "Пост на странице в Инстаграме* собрал 205 комментариев."
    assert second == "Авторы страницы в Instagram ответили. Их поддержали в Фейсбуке*."
    assert m.footnotes() == [META_NOTE]  # Instagram and Facebook share Meta's footnote and its asterisk
    assert m.marked == ["instagram", "facebook"]


@pytest.mark.parametrize("text", [
    "Мансур помогал движению «Адат» с информацией о похищенных.",
    "Мансур помогал Народному движению «Адат» с информацией о похищенных.",
    "Мансур помогал движению „Адат“ с информацией о похищенных.",
])
def test_adat_is_inline_in_russian_even_under_the_asterisk_policy(registry, text):
    m = Marker(registry, Policy(ru="asterisk"), "ru")
    out = m.mark(text)
    assert out.count(ADAT_RU) == 1
    assert out.index(ADAT_RU) == out.index("Адат") + len("Адат»") + 1  # after the closing quote
    assert m.footnotes() == []


def test_adat_customary_law_is_not_the_movement(registry):
    m = Marker(registry, Policy(), "ru")
    for text in ("Адаты и обычаи чеченцев не позволяют выдать гостя.",
                 "По адату так нельзя, это против адатов и обычаев.",
                 "Адат запрещает выдавать гостя.",  # capitalised only because it starts the sentence
                 "Это Адат и обычаи предков, а не политика."):
        assert m.mark(text) == text
    en = Marker(registry, Policy(), "en")
    for text in ("Chechen adat forbids handing over a guest.", "Adat forbids it.", "It is Adat law, not politics."):
        assert en.mark(text) == text
    assert m.marked == [] and en.marked == []


def test_adat_capitalised_mid_sentence_and_channel_name_are_marked(registry):
    m = Marker(registry, Policy(), "ru")
    assert m.mark("Сторонники Адата вышли на связь.") == f"Сторонники Адата {ADAT_RU} вышли на связь."
    m = Marker(registry, Policy(), "ru")
    assert m.mark("Об этом написал канал 1ADAT.") == f"Об этом написал канал 1ADAT {ADAT_RU}."


def test_english_inline_wording_house_style(registry):
    m = Marker(registry, Policy(), "en")
    out = m.mark('He helped the Chechen opposition movement "Adat" with information. '
                 "A post on the Instagram page had 205 comments. Adat again; Instagram again.")
    assert f'movement "Adat" {ADAT_EN} with' in out
    assert f"the Instagram {IG_EN} page" in out
    assert out.count("banned in Russia") == 2
    assert m.footnotes() == []


def test_policy_switches_style_per_language_and_entry_and_off(registry):
    m = Marker(registry, Policy(en="asterisk"), "en")
    assert m.mark("On Instagram, users wrote.") == "On Instagram*, users wrote."
    assert m.footnotes() == ["*Owned by Meta, which is recognized as extremist and banned in Russia."]

    m = Marker(registry, Policy(ru="inline"), "ru")
    assert m.mark("В Инстаграме пишут.") == ("В Инстаграме (принадлежит компании Meta, признанной экстремистской "
                                           "и запрещённой в России) пишут.")
    assert m.footnotes() == []

    m = Marker(registry, Policy(entries={"adat": {"ru": "asterisk"}}), "ru")
    assert m.mark("Он помогал движению «Адат».") == "Он помогал движению «Адат»*."
    assert m.footnotes() == ["*Признано экстремистским и запрещено в России."]

    off = Marker(registry, Policy(enabled={"ru": False, "en": True}), "ru")
    assert off.mark("В Инстаграме и движение «Адат».") == "В Инстаграме и движение «Адат»."
    assert off.footnotes() == []
    assert Policy.from_dict({"enabled": {"en": False}}).is_enabled("ru")
    with pytest.raises(ValueError):
        Policy(ru="footnote")


def test_distinct_footnotes_get_distinct_asterisks(registry):
    m = Marker(registry, Policy(), "ru")
    assert m.mark("Meta владеет Инстаграмом.") == "Meta* владеет Инстаграмом**."
    assert m.footnotes() == ["*Компания Meta признана экстремистской и запрещена в России.", "*" + META_NOTE]


def test_urls_handles_verbatim_quotes_and_existing_marks_are_left_alone(registry):
    m = Marker(registry, Policy(), "en")
    text = "Source: https://www.instagram.com/free_mansur/ and @instagram, #instagram."
    assert m.mark(text) == text
    quote = "Instagram is where we saw it"
    out = m.mark(f'"{quote}," wrote ni.assiya on Instagram.', protect=[quote])
    assert out == f'"{quote}," wrote ni.assiya on Instagram {IG_EN}.'

    ru = Marker(registry, Policy(), "ru")
    assert ru.mark("Пост в Instagram* собрал отклики.") == "Пост в Instagram* собрал отклики."
    assert ru.footnotes() == [META_NOTE]  # the hand-written asterisk still needs its footnote
    en = Marker(registry, Policy(), "en")
    done = f'the movement "Adat" {ADAT_EN} helped'
    assert en.mark(done) == done


def test_user_registry_replaces_or_extends_the_shipped_one(tmp_path, registry):
    entry = '''
[[entity]]
id = "{id}"
name = "Example Foundation"
kind = "organisation"
designation = "undesirable"
legal_basis = "Federal Law No. 272-FZ; Prosecutor General's decision"
date = "2025-01-15"
last_checked = "2026-11"
names = ["{{Фонд}} «Пример»", "Example Foundation"]
sources = [{{ title = "Prosecutor General's Office list", date = "2025-01-15" }}]
[entity.wording]
ru_footnote = "Признан нежелательной организацией в России."
ru_inline = "(признан нежелательной организацией в России)"
en_inline = "(an organization recognized as undesirable in Russia)"
'''
    replace = tmp_path / "replace.toml"
    replace.write_text('[registry]\nversion = "outlet-1"\n' + entry.format(id="example"), encoding="utf-8")
    reg = load_registry(replace)
    assert [e.id for e in reg] == ["example"] and reg.version == "outlet-1"
    m = Marker(reg, Policy(), "ru")
    assert m.mark("Фонду «Пример» и Инстаграму.") == "Фонду «Пример»* и Инстаграму."
    assert m.footnotes() == ["*Признан нежелательной организацией в России."]

    extend = tmp_path / "extend.toml"
    extend.write_text('[registry]\nextends = "shipped"\n' + entry.format(id="example")
                      + '\n[[entity]]\nid = "facebook"\nenabled = false\n', encoding="utf-8")
    reg = load_registry(extend)
    assert {e.id for e in reg} == {"meta", "instagram", "adat", "example"}
    m = Marker(reg, Policy(), "en")
    assert m.mark("Example Foundation, Facebook and Instagram.") == (
        f"Example Foundation (an organization recognized as undesirable in Russia), Facebook and Instagram {IG_EN}.")


def test_entries_without_source_or_basis_are_rejected(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[entity]]\nid = "x"\nname = "X"\nkind = "organisation"\ndesignation = "extremist"\n'
                   'date = "2025-01-01"\nlast_checked = "2026-11"\nnames = ["X"]\n'
                   '[entity.wording]\nru_inline = "(x)"\nen_inline = "(x)"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="legal_basis, sources"):
        load_registry(bad)
    with pytest.raises(RegistryError, match="not found"):
        load_registry(tmp_path / "missing.toml")


def test_cli_previews_marks_and_rejects_a_bad_registry(tmp_path):
    from click.testing import CliRunner

    from otklik.cli.labels import labels

    runner = CliRunner()
    res = runner.invoke(labels, ["mark", "--lang", "ru", "Пост в Инстаграме и движение «Адат»."])
    assert res.exit_code == 0
    assert res.output.splitlines() == [f"Пост в Инстаграме* и движение «Адат» {ADAT_RU}.", META_NOTE]
    res = runner.invoke(labels, ["show"])
    assert res.exit_code == 0 and "adat" in res.output and "2022-07-11" in res.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[[entity]]\nid = 'x'\n", encoding="utf-8")
    res = runner.invoke(labels, ["check", str(bad)])
    assert res.exit_code != 0 and "lacks" in res.output


def test_inline_label_never_splits_a_word_and_existing_house_style_is_kept(registry):
    m = Marker(registry, Policy(ru="inline"), "ru")
    assert m.mark("Инстаграм-страница «Свободу» набрала 162 подписчика.") == (
        "Инстаграм-страница (принадлежит компании Meta, признанной экстремистской и запрещённой в России) «Свободу» "
        "набрала 162 подписчика.")
    seed = ('A post on the Instagram* public page free_mansur_movlaev had garnered 205 comments. Mansur Movlaev '
            'helped the Chechen opposition movement "Adat" (an organization recognized as extremist and banned in '
            'Russia) with information.')
    m = Marker(registry, Policy(), "en")
    assert m.mark(seed) == seed
    assert m.footnotes() == ["*Owned by Meta, which is recognized as extremist and banned in Russia."]


def test_markdown_emphasis_is_not_taken_for_an_asterisk(registry):
    m = Marker(registry, Policy(), "ru")
    assert m.mark("Пост в **Instagram** собрал отклики.") == "Пост в **Instagram*** собрал отклики."
    assert m.footnotes() == [META_NOTE]
    m = Marker(registry, Policy(), "en")
    assert m.mark("On *Instagram* users wrote.") == f"On *Instagram* {IG_EN} users wrote."
