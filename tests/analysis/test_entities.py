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


def proposed(text):
    return [m.name for m in entity_mentions(text) if m.proposed]


def test_negated_destinations_are_not_proposals():
    assert proposed("ему нельзя в Россию, там его замучают") == []
    assert proposed("Германияға жіберіңдер, Ресейге емес!") == ["Germany"]
    assert proposed("Только не в Казахстан и не в Киргизию, лучше в Швецию") == ["Sweden"]
    assert proposed("Not Serbia, not Belarus — send him to Ireland or Finland") == ["Ireland", "Finland"]
    assert proposed("Türkiye onu Kanada'ya bıraksın, Rusya'ya iade etmesin") == ["Canada"]


def test_every_place_of_a_list_is_proposed():
    assert proposed("Пусть примут в Норвегию, Швецию или Данию") == ["Norway", "Sweden", "Denmark"]
    assert proposed("He should be allowed to go to Canada, Ireland and the Netherlands") == [
        "Canada", "Ireland", "Netherlands"]
    assert proposed("Испания, Италия, Бельгия… там не выдают своих гостей") == ["Spain", "Italy", "Belgium"]
    assert proposed("Fransa'ya ya da Hollanda'ya gitmesine izin verin") == ["France", "Netherlands"]


def test_europe_and_the_eu_are_one_entity_kept_as_written():
    for text in ("Только ЕС, больше никуда", "В Евросоюз его отправьте", "Only the EU can protect him now",
                 "Отпустите в любую европейскую страну", "Еуропаға жіберіңдер", "AB'ye gitsin, orada güvende"):
        [m] = entity_mentions(text)
        assert (m.name, m.proposed) == ("Europe", True), text
    [m] = entity_mentions("Евросоюз тут ничего не решает")
    assert (m.name, m.proposed) == ("Europe", False)
    assert [m.name for m in entity_mentions("Европейский суд по правам человека примет жалобу")] == [
        "European Court of Human Rights"]
    assert entity_mentions("eu ab un") == []  # Latin acronyms count in capitals only


def test_case_forms_in_each_language():
    cases = {"Отправьте его во Францию": "France", "Францияға жіберу керек": "France",
             "Франце дахийта": "France", "Норвеге вахийта": "Norway", "Almanya'ya gönderin": "Germany",
             "Almanyaya gitsin": "Germany", "Send him to Norway": "Norway", "Германиядан пана сұрасын": "Germany"}
    for text, name in cases.items():
        assert proposed(text) == [name], text
    assert [m.name for m in entity_mentions("Германехь а, Францехь а дукха нохчий бу")] == ["Germany", "France"]


def test_hindsight_is_not_a_proposal():
    for text in ("Надо было ему ещё весной уезжать в Канаду", "Лучше бы он сразу переехал в Финляндию",
                 "He should have moved to Sweden when he had the chance",
                 "Keşke Almanya'ya gitseydi", "Ол Германияға кетуі керек еді"):
        assert proposed(text) == [], text


def test_facts_and_claims_about_a_place_are_not_proposals():
    for text in ("Во Франции тоже выдают, не обольщайтесь", "Его двоюродный брат живёт в Бельгии",
                 "Он в 2020 году уехал в Польшу учиться", "Moldova hands people over all the time",
                 "В Армению нельзя, оттуда выдадут за неделю", "В СНГ его везде найдут"):
        assert proposed(text) == [], text


def test_a_hostile_go_away_is_not_a_proposal():
    for text in ("Пусть проваливает в свою Америку, нам такие не нужны", "Скатертью дорога, пусть едет в Канаду",
                 "Let him go to his beloved Europe and never come back"):
        assert proposed(text) == [], text


def test_the_holding_or_requesting_state_keeping_or_returning_him_is_not_a_proposal():
    for text in ("Пусть Узбекистан оставит его у себя и не выдаёт", "Верните его в Таджикистан, там и судите",
                 "Send him back to Russia to face trial", "Türkiye onu iade etmesin, burada kalsın"):
        assert proposed(text) == [], text


def reasons(text):
    return {m.name: text[m.reason[0]:m.reason[1]] for m in entity_mentions(text) if m.proposed and m.reason}


def test_the_stated_reason_is_a_verbatim_span():
    assert reasons("Отпустите его в Швецию, потому что шведы своих не сдают") == {
        "Sweden": "потому что шведы своих не сдают"}
    assert reasons("Only Canada or Ireland. Both refuse to extradite to Moscow") == {
        "Canada": "Both refuse to extradite to Moscow", "Ireland": "Both refuse to extradite to Moscow"}
    assert reasons("В Казахстане и Киргизии везде достанут. Пусть едет в Европу") == {
        "Europe": "В Казахстане и Киргизии везде достанут"}
    assert reasons("Fransa'ya gitsin çünkü orada iade yok") == {"France": "çünkü orada iade yok"}
    assert reasons("Пусть едет в Данию") == {}


def test_the_annotation_lists_the_proposals():
    from otklik.analysis.entities import annotation

    a = annotation([], entity_mentions("Не в Грузию, а в Норвегию или Францию: там безопасно"))
    assert a["proposals"] == ["Norway", "France"]
    assert [e["proposed"] for e in a["entities"]] == [False, True, True]
    assert a["entities"][1]["reason"] is not None


def test_hindsight_ends_where_the_comment_turns_to_now():
    assert proposed("Надо было в Эстонию ехать, а сейчас только Канада") == ["Canada"]
    assert proposed("В Латвию ему надо было бежать") == []


def test_a_negated_welcome_is_not_a_proposal():
    assert proposed("Австрия его не примет, даже не надейтесь") == []
    assert proposed("Австрия его примет, я уверен") == ["Austria"]


def test_a_case_form_is_a_direction_a_past_verb_a_fact():
    assert proposed("Нохчийн кӀант Франце ваийта беза") == ["France"]
    assert proposed("Германияға барды ол былтыр") == []
    assert proposed("Almanya'ya gitti geçen yıl") == []
    assert proposed("Европе наплевать на него") == []  # Russian dative, not the Chechen "to Europe"


def test_a_place_addressed_and_asked_to_take_him_in_is_proposed_not_one_asked_to_hold_him():
    assert proposed("Канада, приюти его!") == ["Canada"]
    assert proposed("Обращаемся к Норвегии: примите его") == ["Norway"]
    assert proposed("Франция, не выдавай его") == []
    assert reasons("Норвегия. Там не выдают") == {"Norway": "Там не выдают"}
