from otklik.analysis.language import LangParams, chechen_score, detect_languages


def langs(texts, **kw):
    return [r.lang for r in detect_languages(texts, LangParams(**kw) if kw else LangParams())]


def test_case_languages_and_chechen_by_orthography():
    texts = ["Не выдавайте его, там его убьют", "Көмектесіңдер, бауырлар! Оны қайтаруға болмайды",
             "Free him, he will be tortured", "Аллах1 к1елхьарвоккхийла иза", "Дела хьуна декъал",
             "Алла декъал йойла хьо, ваша"]
    assert langs(texts) == ["ru", "kk", "en", "ce", "ce", "ce"]


def test_short_or_symbol_only_is_undetermined_not_guessed():
    assert langs(["да", "ДА", "🙏🙏🙏", "+", "!!!"]) == ["und"] * 5


def test_russian_is_not_mistaken_for_ukrainian_without_ukrainian_letters():
    res = detect_languages(["Не выдавайте его"])
    assert res[0].lang == "ru"
    assert langs(["Не видавайте його, там його вб'ють, це злочин і ганьба"]) == ["uk"]


def test_two_languages_in_one_comment_are_mixed():
    [r] = detect_languages(["Помогите ему, прошу вас. Please help him, he will be tortured there."])
    assert r.lang == "mixed" and set(r.parts) == {"ru", "en"}


def test_chechen_score_ignores_russian():
    assert chechen_score("Не надо его выдавать, подъезд, объявление") == 0
    assert chechen_score("Аллах1 к1елхьарвоккхийла") >= 2


def test_restricted_to_case_languages():
    # a German comment in a ru/en case is not labelled German
    assert langs(["Lasst ihn frei, bitte helft ihm"], langs=("ru", "en"))[0] in ("en", "und")


def test_palochka_anywhere_and_common_chechen_words():
    assert langs(["Цигахь Ӏазап хир ду цунна", "Дала маршо лойла хьуна, ваша"]) == ["ce", "ce"]


def test_mentions_and_links_are_not_a_second_language():
    [r] = detect_languages(["@zakon_i_poryadok_77 а вы дело читали? Там нет ни одного доказательства"])
    assert r.lang == "ru"
