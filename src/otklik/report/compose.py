"""Compose a structured report from a digest: the newsroom text, sentence by sentence.

The output is a plain dict (JSON-serialisable) that every renderer formats the same way:

    {"lang", "headline", "lede", "blocks": [...], "notes": [...]}

Blocks are {"type": "heading", "text"}, {"type": "para", "text"}, {"type": "quote", ...} (the
verbatim span with its comment id, raw-record hash, author, attribution and translation) and
{"type": "dated", "label", "text", "upcoming"} (case-file events). Quote blocks also carry `side`
("supportive" / "hostile" / "neutral") and `side_source` (sections.py). Notes come after the body:
source links, label footnotes, the romanisation used (English), provenance, and last the translation
note, as the outlet's own articles end ("Translated automatically with …"). With no translation
engine, the English report says so in its first lines instead.

The parts live in their own modules: lede.py (headline, lead with the main demand and fear, news
peg, platform breakdown), sections.py (themes, quotes by side, proposals), english.py
(romanisation, US/UK spelling), grammar.py (agreement, names and places by case, dates). The house
style (profile.py) sets labels at every or first mention, attribution form, date/time style and
spelling.

Wording follows the data, not a fixed script: "nearly all" / "most" / "just over half" /
"divided" depend on the share of people; a theme gets a paragraph only when at least
MIN_THEME_PEOPLE people wrote in it; the coordination note appears only when there are bursts.
Every figure is taken from the digest as it is (shares become whole percent), so the verifier
can check each one. Generated sentences pass through the labelling Marker in reading order, so
designated names are marked at their first (or every) mention; verbatim quotes never are.
"""

from __future__ import annotations

from .english import ROMANISATION, has_cyrillic, romanise, spell
from .grammar import (NBSP, count, format_month, format_time, inflect_name, latin_name, local, number, ru_form,
                      parse_when, percent, percent_value, surname, tz_phrase, verb_ru)
from .lede import LedeMixin
from .profile import Profile
from .sections import SectionsMixin

STANCES = {"supportive": "1", "hostile": "-1", "neutral": "0"}

PLATFORMS = {"instagram": "Instagram", "telegram": "Telegram", "youtube": "YouTube", "vk": ("ВКонтакте", "VK"),
             "x": "X", "twitter": "X", "tiktok": "TikTok", "facebook": "Facebook", "ok": ("Одноклассники", "OK")}

LANGUAGES = {"ru": ("русском", "Russian"), "kk": ("казахском", "Kazakh"), "ce": ("чеченском", "Chechen"),
             "en": ("английском", "English"), "ky": ("киргизском", "Kyrgyz"), "uz": ("узбекском", "Uzbek"),
             "tg": ("таджикском", "Tajik"), "az": ("азербайджанском", "Azerbaijani"), "tr": ("турецком", "Turkish"),
             "de": ("немецком", "German"), "uk": ("украинском", "Ukrainian"), "ar": ("арабском", "Arabic"),
             "ka": ("грузинском", "Georgian"), "inh": ("ингушском", "Ingush"), "av": ("аварском", "Avar")}

# Entity names as the entity stage writes them (English) and in Russian.
ENTITIES_RU = {
    "Kazakhstan": "Казахстан", "Russia": "Россия", "Chechnya": "Чечня", "Germany": "Германия", "Turkey": "Турция",
    "European Union": "Евросоюз", "United Nations": "ООН", "UNHCR": "УВКБ ООН", "France": "Франция",
    "Georgia": "Грузия", "European Court of Human Rights": "ЕСПЧ", "Kyrgyzstan": "Киргизия", "Uzbekistan": "Узбекистан",
    "Tajikistan": "Таджикистан", "Azerbaijan": "Азербайджан", "Armenia": "Армения", "Ukraine": "Украина",
    "Belarus": "Белоруссия", "Poland": "Польша", "Lithuania": "Литва", "Latvia": "Латвия", "Estonia": "Эстония",
    "Finland": "Финляндия", "Sweden": "Швеция", "Norway": "Норвегия", "Denmark": "Дания", "Netherlands": "Нидерланды",
    "Belgium": "Бельгия", "Austria": "Австрия", "Switzerland": "Швейцария", "Italy": "Италия", "Spain": "Испания",
    "United Kingdom": "Великобритания", "United States": "США", "Canada": "Канада", "Israel": "Израиль",
    "United Arab Emirates": "ОАЭ", "Egypt": "Египет", "Saudi Arabia": "Саудовская Аравия", "Ingushetia": "Ингушетия",
    "Dagestan": "Дагестан", "Czech Republic": "Чехия", "Moldova": "Молдова", "Mongolia": "Монголия", "China": "Китай",
    "Europe": "Европа", "CIS": "СНГ", "Ireland": "Ирландия", "Australia": "Австралия", "Adat": "Адат",
}
EN_ARTICLE = {"European Union": "the EU", "CIS": "the CIS", "United Nations": "the UN", "United Kingdom": "the UK",
              "United States": "the US", "United Arab Emirates": "the UAE", "Netherlands": "the Netherlands",
              "Czech Republic": "the Czech Republic", "European Court of Human Rights": "the ECHR"}

SOCIAL = {"ru": "соцсетях", "en": "social media"}


class _NoMarks:
    """Used when no labelling Marker is given: text passes through unchanged."""

    def mark(self, text: str) -> str:
        return text

    def footnotes(self) -> list[str]:
        return []


def _platform(name: str, lang: str) -> str:
    p = PLATFORMS.get(name, name.capitalize())
    return p if isinstance(p, str) else p[0 if lang == "ru" else 1]


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " и " if lang == "ru" else (" and " if len(items) == 2 else ", and ")
    return ", ".join(items[:-1]) + last + items[-1]


def _entity(name: str, lang: str) -> str:
    return ENTITIES_RU.get(name, name) if lang == "ru" else EN_ARTICLE.get(name, name)


class Composer(LedeMixin, SectionsMixin):
    """One report in one language; methods produce the parts in reading order."""

    LANGUAGES = LANGUAGES

    def __init__(self, digest: dict, lang: str, marker=None, translator=None, profile: Profile | None = None):
        if lang not in ("ru", "en"):
            raise ValueError(f"report language must be ru or en, not {lang!r}")
        self.d, self.lang = digest, lang
        self.profile = profile or Profile()
        self.marker = marker or _NoMarks()
        if hasattr(self.marker, "every"):  # the house style says whether every mention is labelled
            self.marker.every = self.profile.labels == "every"
        self.translator = translator
        case = digest["case"]
        self.tz = case.get("tz") or "UTC"
        self.subject = case["subject"] if lang == "ru" else latin_name(case["subject"], case.get("aliases"))
        self.blocks: list[dict] = []

    # -------------------------------------------------------------- helpers

    def name(self, grammatical_case: str = "nomn") -> str:
        return inflect_name(self.subject, grammatical_case) if self.lang == "ru" else self.subject

    def short(self, grammatical_case: str = "nomn") -> str:
        """The surname alone, for second mentions: «Мударова», "Mudarov"."""
        s = surname(self.subject)
        return inflect_name(s, grammatical_case) if self.lang == "ru" else s

    def m(self, text: str) -> str:
        return self.marker.mark(text)

    def para(self, text: str) -> None:
        self.blocks.append({"type": "para", "text": self.spelled(self.m(text))})

    def heading(self, text: str) -> None:
        self.blocks.append({"type": "heading", "text": self.spelled(self.m(text))})

    def spelled(self, text: str) -> str:
        """Generated English in the profile's one spelling convention (quotes never pass here)."""
        return spell(text, self.profile.spelling) if self.lang == "en" else text

    def platform(self, name: str) -> str:
        return _platform(name, self.lang)

    def join(self, items: list[str]) -> str:
        return _join(items, self.lang)

    def entity(self, name: str) -> str:
        return _entity(name, self.lang)

    def latin(self, text: str) -> str:
        """A name for English text: Cyrillic romanised (english.ROMANISATION), other scripts kept."""
        return romanise(text) if self.lang == "en" and has_cyrillic(text) else text

    def n(self, k: int, noun: str, case: str = "nomn") -> str:
        return count(k, noun, self.lang, case)

    def ru_en(self, ru: str, en: str) -> str:
        return ru if self.lang == "ru" else en

    # -------------------------------------------------------------- the stance picture

    def stance_order(self) -> list[tuple[str, dict, dict]]:
        """(label, by-people, by-comments) for stances anybody took, largest by people first.
        With the digest's `stance_estimate` these are the estimates ({share, low, high}); else
        the machine's counts ({n, share})."""
        e = self.d.get("stance_estimate")
        if e:
            rows = [(k, e["by_authors"][k], e["by_comments"][k]) for k in ("supportive", "hostile", "neutral", "not_about_case")
                    if percent_value(e["by_authors"][k]["share"]) > 0]
            return sorted(rows, key=lambda r: -r[1]["share"])
        st = self.d["stance"]
        rows = [(k, st["authors"][k], st["comments"][k]) for k in ("supportive", "hostile", "neutral", "not_about_case")
                if st["authors"].get(k, {}).get("n")]
        return sorted(rows, key=lambda r: -r[1]["n"])

    @staticmethod
    def majority(people: dict) -> str:
        """Does the group hold a majority: "yes", "no", or "unsure" (its interval straddles half)."""
        low, high = people.get("low", people["share"]), people.get("high", people["share"])
        if low > 0.5:
            return "yes"
        return "no" if high <= 0.5 or "low" not in people else "unsure"

    def about(self, est: dict) -> str:
        """An estimate as an editor writes it: «около 80% (76–84%)», "about 80% (76–84%)"."""
        p = percent(est["share"], self.lang)
        lo, hi = percent_value(est["low"]), percent_value(est["high"])  # a bound below 0.5% is written 0
        if lo == hi:
            return p
        return f"{self.ru_en('около', 'about')} {p} ({lo}–{hi}%)"

    def verb_phrase(self, label: str, form: str = "pl") -> str:
        """What people of a stance did, as a predicate: «выразили обеспокоенность судьбой …».
        Russian `form`: "pl" (217 пользователей выразили), "m" (21 пользователь выразил),
        "f" (самая большая группа выразила)."""
        if self.lang == "ru":
            verbs, rest = {
                "supportive": ({"pl": "выразили", "m": "выразил", "f": "выразила"}, f"обеспокоенность судьбой {self.name('gent')}"),
                "hostile": ({"pl": "высказались", "m": "высказался", "f": "высказалась"}, f"против {self.name('gent')}"),
                "neutral": ({"pl": "высказались", "m": "высказался", "f": "высказалась"}, f"о деле {self.name('gent')} нейтрально"),
                "not_about_case": ({"pl": "писали", "m": "писал", "f": "писала"}, f"не о деле {self.name('gent')}"),
            }[label]
            return f"{verbs[form]} {rest}"
        return {"supportive": f"expressed concern about {self.name()}'s fate",
                "hostile": f"spoke out against {self.name()}",
                "neutral": f"commented on {self.name()}'s case without taking sides",
                "not_about_case": f"wrote about other things than {self.name()}'s case"}[label]

    def platforms(self) -> list[str]:
        counts: dict[str, int] = {}
        for p in self.d["posts"]:
            counts[p["platform"]] = counts.get(p["platform"], 0) + p["comments_stored"]
        return [_platform(k, self.lang) for k, _ in sorted(counts.items(), key=lambda kv: -kv[1])]

    # -------------------------------------------------------------- parts

    def positions(self, rows) -> None:
        if not rows:
            return
        if self.d.get("stance_estimate"):
            self.estimated_positions(rows)
            return
        st = self.d["stance"]
        total_p, total_c = st["authors"]["total"], st["comments"]["total"]
        self.heading(self.ru_en("Позиции", "Positions"))
        label, people, comments = rows[0]
        L = self.lang
        if L == "ru":
            s = (f"Из {self.n(total_p, 'пользователь', 'gent')} {number(people['n'], L)} ({percent(people['share'], L)}) "
                 f"{self.verb_phrase(label, 'm' if ru_form(people['n']) == 0 else 'pl')}; "
                 # «21 пользователь выразил…; им принадлежат»: the verb agrees with 21, the pronoun
                 # means the 21 people; only a single person is «ему»
                 f"{'ему' if people['n'] == 1 else 'им'} {verb_ru(comments['n'], 'принадлежит', 'принадлежат')} "
                 f"{number(comments['n'], L)} из {self.n(total_c, 'комментарий', 'gent')} ({percent(comments['share'], L)}).")
        else:
            s = (f"Of {self.n(total_p, 'user')}, {number(people['n'], L)} ({percent(people['share'], L)}) "
                 f"{self.verb_phrase(label)}; {'they' if people['n'] != 1 else 'this user'} wrote "
                 f"{number(comments['n'], L)} of {self.n(total_c, 'comment')} ({percent(comments['share'], L)}).")
        self.para(s)
        for label, people, comments in rows[1:]:
            if L == "ru":
                lead = {"hostile": f"Против {self.name('gent')}", "neutral": "Нейтрально",
                        "supportive": f"Обеспокоенность судьбой {self.name('gent')}", "not_about_case": "Не о деле"}[label]
                verb = {"hostile": ("высказался", "высказались"), "neutral": ("высказался", "высказались"),
                        "supportive": ("выразил", "выразили"), "not_about_case": ("писал", "писали")}[label]
                s = (f"{lead} {verb_ru(people['n'], *verb)} {self.n(people['n'], 'пользователь')} "
                     f"({percent(people['share'], L)}) в {number(comments['n'], L)} "
                     f"{self.comments_loct(comments['n'])} ({percent(comments['share'], L)}).")
            else:
                s = self.group_en(label, f"{self.n(people['n'], 'user')} ({percent(people['share'], L)})",
                                  f"{self.n(comments['n'], 'comment')} ({percent(comments['share'], L)})")
            self.para(s)

    def group_en(self, label: str, people: str, comments: str) -> str:
        """A further stance group in English; each group opens with its own word, so no two
        sentences in a row open the same way."""
        return {"hostile": f"Opposition to {self.short()} came from {people}, who wrote {comments}.",
                "neutral": f"Neutral comments came from {people}, who wrote {comments}.",
                "supportive": f"Concern about {self.name()}'s fate came from {people}, who wrote {comments}.",
                "not_about_case": f"Comments on other subjects came from {people}, who wrote {comments}."}[label]

    def estimated_positions(self, rows) -> None:
        """The positions as estimates with their intervals, and how far the editor checked them."""
        e, L = self.d["stance_estimate"], self.lang
        self.heading(self.ru_en("Позиции", "Positions"))
        label, people, comments = rows[0]
        self.para(self.ru_en(
            f"Из {self.n(e['n_authors'], 'пользователь', 'gent')} {self.about(people)} {self.verb_phrase(label)}; "
            f"им принадлежит {self.about(comments)} из {self.n(e['n_comments'], 'комментарий', 'gent')}.",
            f"Of {self.n(e['n_authors'], 'user')}, {self.about(people)} {self.verb_phrase(label)}; "
            f"they wrote {self.about(comments)} of the {self.n(e['n_comments'], 'comment')}."))
        for label, people, comments in rows[1:]:
            if L == "ru":
                lead = {"hostile": f"Против {self.name('gent')} высказались", "neutral": "Нейтрально высказались",
                        "supportive": f"Обеспокоенность судьбой {self.name('gent')} выразили",
                        "not_about_case": "Не о деле писали"}[label]
                s = f"{lead} {self.about(people)} пользователей; им принадлежит {self.about(comments)} комментариев."
            else:
                s = self.group_en(label, f"{self.about(people)} of users", f"{self.about(comments)} of the comments")
            self.para(s)
        k = e["n_checked"]
        level = percent(e.get("level", 0.95), L)
        if e["n_draws"]:
            m = e.get("n_sampled", k)
            how = self.ru_en("выбранных случайно с упором на спорные" if m == k else
                             f"{number(m, L)} из них выбраны случайно с упором на спорные",
                             "drawn at random (favouring the uncertain ones)" if m == k else
                             f"{number(m, L)} of them drawn at random, favouring the uncertain ones")
            self.para(self.ru_en(
                f"Доли — оценки: редактор проверил позицию, определённую машиной, на {number(k, L)} "
                f"{self.comments_loct(k)}{', ' if m == k else ' ('}{how}{', ' if m == k else '), '}и оценка "
                f"учитывает найденные ошибки машины. В скобках — интервал, который с вероятностью {level} "
                f"содержит истинную долю.",
                f"The shares are estimates: an editor checked the machine's reading on {self.n(k, 'comment')}"
                f"{' ' if m == k else ' ('}{how}{', ' if m == k else '), '}and the estimate corrects for the "
                f"errors found. The ranges in brackets hold the true share with {level} probability."))
        else:
            extra = self.ru_en(f" Метки редактора на {number(k, L)} {self.comments_loct(k)} учтены, но выборочной "
                               f"проверки не было.", f" The editor's labels on {self.n(k, 'comment')} are included, "
                               f"but no random sample was checked.") if k else ""
            self.para(self.ru_en(
                "Это непроверенная машинная оценка: редактор ещё не проверял определённые машиной позиции по "
                "выборке, и интервал в скобках рассчитан по документированной ошибке модели." + extra,
                "These are the machine's unchecked estimates: no editor has checked a sample of its readings yet, "
                "and the ranges in brackets come from the model's documented error." + extra))

    def coordination(self) -> None:
        bursts = self.d.get("coordination", {}).get("bursts") or []
        if not bursts:
            return
        self.heading(self.ru_en("Скоординированные комментарии", "Coordinated comments"))
        L = self.lang
        for b in bursts:
            start, end = local(b["start"], self.tz), local(b["end"], self.tz)
            day = self.date(start)
            when = tz_phrase(self.tz, start, L)
            if L == "ru":
                s = (f"С {format_time(start, L)} до {format_time(end, L)} {when} {day} "
                     f"{verb_ru(b['n_comments'], 'появился', 'появились')} {self.n(b['n_comments'], 'комментарий')} "
                     f"от {self.n(b['n_accounts'], 'аккаунт', 'gent')}, которые почти дословно повторяют друг друга, — "
                     f"это признак скоординированной публикации.")
            else:
                clock = self.profile.time_style
                s = (f"On {day}, between {format_time(start, L, clock)} and {format_time(end, L, clock)} {when}, "
                     f"{self.n(b['n_comments'], 'comment')} from {self.n(b['n_accounts'], 'account')} "
                     f"{'was' if b['n_comments'] == 1 else 'were'} posted with nearly identical wording, a sign of "
                     f"coordinated posting.")
            self.para(s)
        rows = self.stance_order()
        wo = self.d.get("stance_without_coordinated", {}).get("authors", {})
        if rows and wo.get(rows[0][0]):
            label = rows[0][0]
            p = percent(wo[label]["share"], L)
            # with estimates above, this machine count must not read as one of them
            machine = self.ru_en("по машинной разметке ", "by the machine's reading, ") if self.d.get("stance_estimate") else ""
            self.para(self.ru_en(
                f"Без них {machine}доля пользователей, которые {self.verb_phrase(label)}, составляет {p} "
                f"({number(wo[label]['n'], L)} из {self.n(wo['total'], 'пользователь', 'gent')}).",
                f"Without them, {machine}the share of users who {self.verb_phrase(label)} is {p} "
                f"({number(wo[label]['n'], L)} of {self.n(wo['total'], 'user')})."))

    def background(self) -> None:
        events = self.d.get("events") or []
        past = [e for e in events if not e.get("upcoming")]
        upcoming = [e for e in events if e.get("upcoming")]
        if past:
            self.heading(self.ru_en("Предыстория", "Background"))
            for e in past:
                self.dated(e, False)
        if upcoming:
            self.heading(self.ru_en("Предстоящие сроки", "Upcoming deadlines"))
            for e in upcoming:
                self.dated(e, True)

    def dated(self, e: dict, upcoming: bool) -> None:
        """An event with its date, as precise as the case file knows it ("precision": day, month
        or year); without a precision a date on the 1st is taken as known only to the month."""
        d = parse_when(e["date"][:10])
        precision = e.get("precision") or ("month" if d.day == 1 else "day")
        if precision == "year":
            label = f"{d.year}{NBSP}год" if self.lang == "ru" else str(d.year)
        elif precision == "month":
            label = format_month(d, self.lang)
        else:
            label = self.date(d)
        text = e.get(f"text_{self.lang}") or e.get("text") or e.get("text_ru") or e.get("text_en") or ""
        self.blocks.append({"type": "dated", "date": e["date"], "label": label[:1].upper() + label[1:],
                            "text": self.spelled(self.m(text)), "upcoming": upcoming})

    def notes(self, translator_note: str | None) -> list[dict]:
        L = self.lang
        notes = []
        notes.append({"type": "para", "text": self.ru_en(
            "Номер в квадратных скобках после цитаты — идентификатор комментария в хранилище otklik; "
            "цитаты приведены дословно.",
            "The number in square brackets after a quote is the comment's id in the otklik store; "
            "quotes are verbatim.")})
        sources = []
        for src in self.d["sources"]:
            posts = [p for p in self.d["posts"] if p.get("source_id") == src["id"]]
            name = f"{_platform(src['platform'], L)}: {self.latin(src.get('title') or src.get('handle') or '')}".rstrip(": ")
            links = [p.get("url") or p["platform_id"] for p in posts]
            sources.append({"label": self.m(name), "url": src.get("url"), "posts": links})
        notes.append({"type": "sources", "title": self.ru_en("Источники", "Sources"), "items": sources})
        notes.append({"type": "footnotes", "items": list(self.marker.footnotes())})
        if L == "en":
            notes.append({"type": "para", "text": self.spelled(
                f"Russian names, page titles and user names are romanized with {ROMANISATION}.")})
        prov = self.d.get("provenance", {})
        notes.append({"type": "para", "text": self.ru_en(
            f"Данные: otklik {prov.get('code_version')}, анализ № {prov.get('analysis_run')}, "
            f"дайджест SHA-256 {prov.get('digest_sha256', '')[:16]}.",
            f"Data: otklik {prov.get('code_version')}, analysis run {prov.get('analysis_run')}, "
            f"digest SHA-256 {prov.get('digest_sha256', '')[:16]}.")})
        if translator_note:  # as in the outlet's own articles: the last line says how it was translated
            notes.append({"type": "para", "text": translator_note})
        return notes

    def untranslated_notice(self) -> None:
        """With no engine, the English report says so in its first lines: the quotes that follow are
        the commenters' own words in their languages."""
        langs = sorted({q.get("lang") for t in self.shown_themes() for q in t["quotes"]} - {None, "en", "und", "mixed"})
        named = self.join([LANGUAGES[k][1] for k in langs if k in LANGUAGES])
        self.para("No machine translation engine is configured for this report: quotes are given in the original "
                  f"language{f' ({named})' if named else ''}, untranslated.")


def compose(digest: dict, lang: str, marker=None, translator=None, profile: Profile | None = None) -> dict:
    """The structured report for `digest` in `lang` ("ru" or "en").

    `marker` is an `otklik.labelling.Marker` for this language (None: no labels); `translator`
    an `otklik.translate.Translator` for the quotes (None: originals only); `profile` the outlet's
    house style (otklik.report.profile; None: the defaults)."""
    c = Composer(digest, lang, marker, translator, profile)
    rows = c.stance_order()
    headline = c.spelled(c.m(c.headline(rows)))
    lede = c.spelled(c.m(c.lede(rows)))
    engine = getattr(translator, "name", None)
    note = translator.note(lang) if translator is not None else None
    if lang == "en" and engine in (None, "none"):
        c.untranslated_notice()
        note = None  # said in the first lines, not repeated at the end
    c.engagement()
    c.positions(rows)
    c.themes()
    c.proposals()
    c.coordination()
    c.background()
    return {"lang": lang, "case": digest["case"]["name"], "headline": headline, "lede": lede,
            "blocks": c.blocks, "notes": c.notes(note),
            "translator": engine}
