from otklik.analysis.entities import SubjectMatcher, entity_mentions

M = SubjectMatcher("Ильяс Мударов", ["Мударов", "Ilyas Mudarov"])


def subj(text):
    return [text[m.start:m.end] for m in M.mentions(text)]


def test_subject_in_every_inflected_form_case_and_spelling():
    assert subj("Не выдавайте Мударова") == ["Мударова"]
    assert subj("помогите мударову") == ["мударову"]
    assert subj("СВОБОДУ ИЛЬЯСУ МУДАРОВУ") == ["ИЛЬЯСУ", "МУДАРОВУ"]
    assert subj("Free Ilyas Mudarov!") == ["Ilyas", "Mudarov"]
    assert subj("за Мударовым следят") == ["Мударовым"]


def test_subject_typos_within_one_edit_but_not_other_words():
    assert subj("Мудоров должен жить") == ["Мудоров"]
    assert subj("Мадуро и дорога") == []


def test_countries_resolve_to_one_entity_across_languages():
    names = [m.name for t in ("Отправьте его в Германию", "Germany would take him", "Оны Германияға жіберіңдер",
                              "Türkiye is safer") for m in entity_mentions(t)]
    assert names == ["Germany", "Germany", "Germany", "Turkey"]


def test_proposals_are_told_apart_from_mentions_in_passing():
    [m] = entity_mentions("Пусть его отправят в Германию, там безопасно")
    assert m.proposed
    [m] = entity_mentions("Send him to Turkey please")
    assert m.proposed
    [m] = entity_mentions("В Германии тоже бывают суды")
    assert not m.proposed
    [m] = entity_mentions("Россия требует его выдачи")
    assert not m.proposed


def test_ner_discovers_names_the_case_does_not_know_yet():
    from otklik.analysis.discovery import discover

    texts = ["Адвокат Ивана Петрова обратился в Верховный суд Казахстана",
             "Говорят, Иван Петров тоже помогал ему", "Мударов задержан в Алматы"]
    found = discover([1, 2, 3], texts, known={"мударов"}, stems=("казахстан",))
    names = {(d["name"], d["type"]): d["comments"] for d in found}
    assert names[("Иван Петров", "PER")] == 2  # both inflected forms normalised to one name
    assert not any(n.startswith("Казахстан") or n == "Мударов" for n, _ in names)


def test_the_country_he_may_be_extradited_to_is_not_a_proposal():
    for text in ("Не выдавайте его в Россию!", "If he is sent back to Chechnya he will be tortured",
                 "Оны Ресейге берсе, өлтіреді ғой"):
        assert not any(m.proposed for m in entity_mentions(text)), text
    assert [m.proposed for m in entity_mentions("Пусть отпустят его в Турцию")] == [True]


def test_negated_destinations_are_not_proposals():
    for text in ("ему нельзя в Россию, там его замучают", "Германияға жіберіңдер, Ресейге емес!"):
        assert [m.name for m in entity_mentions(text) if m.proposed] in ([], ["Germany"]), text
