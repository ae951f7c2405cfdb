"""Compose a structured report from a digest: the newsroom text, sentence by sentence.

The output is a plain dict (JSON-serialisable) that every renderer formats the same way:

    {"lang", "headline", "lede", "blocks": [...], "notes": [...]}

Blocks are {"type": "heading", "text"}, {"type": "para", "text"}, {"type": "quote", ...} (the
verbatim span with its comment id, raw-record hash, author, attribution and translation) and
{"type": "dated", "label", "text", "upcoming"} (case-file events). Notes come after the body:
translation note, source links, label footnotes, provenance.

Wording follows the data, not a fixed script: "nearly all" / "most" / "just over half" /
"divided" depend on the share of people; a theme gets a paragraph only when at least
MIN_THEME_PEOPLE people wrote in it; the coordination note appears only when there are bursts.
Every figure is taken from the digest as it is (shares become whole percent), so the verifier
can check each one. Generated sentences pass through the labelling Marker in reading order, so
designated names are marked at their first mention; verbatim quotes never are.
"""

from __future__ import annotations

from .titles import theme_heading
from .grammar import (NBSP, by_time, count, format_date, format_month, format_time, inflect_name, latin_name, local,
                      number, parse_when, percent, percent_value, ru_form, surname, tz_phrase, verb_ru)

MIN_THEME_PEOPLE = 3
MAX_THEMES = 6
MAX_PLACES = 6
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

# The lede's words for a share of the commenters: the lowest share each phrase may describe.
LEDE_LADDER = (
    (0.9, "Почти все комментаторы в {where} {vp}.", "Nearly all commenters on {where} {vp}."),
    (0.75, "Подавляющее большинство комментаторов в {where} {vp}.", "The vast majority of commenters on {where} {vp}."),
    (0.6, "Большинство комментаторов в {where} {vp}.", "Most commenters on {where} {vp}."),
    (0.5000001, "Чуть больше половины комментаторов в {where} {vp}.", "Just over half of the commenters on {where} {vp}."),
)

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


class Composer:
    """One report in one language; methods produce the parts in reading order."""

    def __init__(self, digest: dict, lang: str, marker=None, translator=None):
        if lang not in ("ru", "en"):
            raise ValueError(f"report language must be ru or en, not {lang!r}")
        self.d, self.lang = digest, lang
        self.marker = marker or _NoMarks()
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
        self.blocks.append({"type": "para", "text": self.m(text)})

    def heading(self, text: str) -> None:
        self.blocks.append({"type": "heading", "text": self.m(text)})

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

    def headline(self, rows) -> str:
        top = rows[0][0] if rows else None
        if top is None:
            return self.ru_en(f"Реакция пользователей соцсетей на дело {self.name('gent')}",
                              f"Social media reaction to {self.name()}'s case")
        if self.majority(rows[0][1]) == "unsure":
            return self.ru_en(f"Реакция пользователей соцсетей на дело {self.name('gent')}",
                              f"Social media reaction to {self.name()}'s case")
        if self.majority(rows[0][1]) == "no":
            return self.ru_en(f"Мнения пользователей соцсетей о деле {self.name('gent')} разделились",
                              f"Social media users divided over {self.name()}'s case")
        return {
            "supportive": self.ru_en(f"Пользователи соцсетей обеспокоены судьбой {self.name('gent')}",
                                     f"Social media users concerned about {self.name()}'s fate"),
            "hostile": self.ru_en(f"Пользователи соцсетей высказались против {self.name('gent')}",
                                  f"Social media users speak out against {self.name()}"),
        }.get(top, self.ru_en(f"Реакция пользователей соцсетей на дело {self.name('gent')}",
                              f"Social media reaction to {self.name()}'s case"))

    def lede(self, rows) -> str:
        where = _join(self.platforms(), self.lang)
        if not rows:
            return self.ru_en(f"Комментариев о деле {self.name('gent')} в {where} пока нет.",
                              f"There are no comments on {self.name()}'s case on {where} yet.")
        label, people, _ = rows[0]
        share = people["share"]
        vp = self.verb_phrase(label)
        if self.majority(people) == "unsure":  # the interval does not say whether they are a majority
            return self.ru_en(f"Самая большая группа комментаторов в {where} {self.verb_phrase(label, 'f')}.",
                              f"The largest group of commenters on {where} {vp}.")
        for low, ru, en in LEDE_LADDER:
            if share >= low:
                return (ru if self.lang == "ru" else en).format(where=where, vp=vp)
        return self.ru_en(f"Мнения комментаторов в {where} разделились: самая большая группа {self.verb_phrase(label, 'f')}.",
                          f"Commenters on {where} were divided; the largest group {vp}.")

    def main_post(self) -> dict | None:
        def size(p):
            obs = p.get("comments_observed")
            return (obs or {}).get("value") or p["comments_stored"]
        return max(self.d["posts"], key=size, default=None)

    def engagement(self) -> None:
        post = self.main_post()
        if post is None:
            return
        src = next((s for s in self.d["sources"] if s["id"] == post.get("source_id")), None)
        platform = _platform(post["platform"], self.lang)
        page = (src or {}).get("handle") or (src or {}).get("title")
        obs = post.get("comments_observed")
        n_comments = obs["value"] if obs else post["comments_stored"]
        at = obs["observed_at"] if obs else self.d["snapshot_at"]
        followers = (src or {}).get("followers")
        at_local = local(at, self.tz)
        # Dates already implied by the count's own date are left out, so the sentence says each once.
        published = None
        if post.get("published_at"):
            pub = local(post["published_at"], self.tz)
            published = format_date(pub, self.lang, year=pub.year != at_local.year)
        f_date = None
        if followers and followers.get("observed_at"):
            f_local = local(followers["observed_at"], self.tz)
            f_date = None if f_local.date() == at_local.date() else format_date(f_local, self.lang)
        if self.lang == "ru":
            s = f"Публикация от {published}" if published else "Публикация"
            s += f" на странице {page} в {platform}" if page else f" в {platform}"
            if followers:
                s += f", у которой{f', по данным на {f_date},' if f_date else ''} {self.n(followers['value'], 'подписчик')},"
            s += f" {by_time(at, self.tz, 'ru')} собрала {self.n(n_comments, 'комментарий')}."
        else:
            s = f"A post published on {published}" if published else "A post"
            s += f" on the {platform} page {page}" if page else f" on {platform}"
            if followers:
                s += f", which had {self.n(followers['value'], 'follower')}{f' as of {f_date}' if f_date else ''},"
            s += f" had garnered {self.n(n_comments, 'comment')} {by_time(at, self.tz, 'en')}."
        self.para(s)

        t = self.d["totals"]
        langs = [(k, v) for k, v in sorted(t["by_language"].items(), key=lambda kv: -kv[1]) if k in LANGUAGES]
        if self.lang == "ru":
            s = (f"Всего в анализ {verb_ru(t['comments'], 'вошёл', 'вошли')} {self.n(t['comments'], 'комментарий')} "
                 f"от {self.n(t['authors'], 'пользователь', 'gent')}")
            s += f", в том числе {self.n(t['replies'], 'ответ')} на другие комментарии." if t.get("replies") else "."
            if langs:
                s += " Комментарии написаны на " + _join([f"{LANGUAGES[k][0]} ({number(v, 'ru')})" for k, v in langs], "ru") + \
                     (" языке." if len(langs) == 1 else " языках.")
        else:
            s = f"In all, {self.n(t['comments'], 'comment')} from {self.n(t['authors'], 'user')} were analysed"
            s += f", including {self.n(t['replies'], 'reply')} to other comments." if t.get("replies") else "."
            if langs:
                s += " They were written in " + _join([f"{LANGUAGES[k][1]} ({number(v, 'en')})" for k, v in langs], "en") + "."
        self.para(s)

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
                s = (f"{'A minority of ' if people['share'] < 0.5 else 'Another '}{self.n(people['n'], 'user')} "
                     f"({percent(people['share'], L)}) {self.verb_phrase(label)}, in {self.n(comments['n'], 'comment')} "
                     f"({percent(comments['share'], L)}).")
            self.para(s)

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
                s = (f"{self.about(people)[:1].upper()}{self.about(people)[1:]} of users {self.verb_phrase(label)}; "
                     f"they wrote {self.about(comments)} of the comments.")
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

    def comments_loct(self, k: int) -> str:
        """«в 1 комментарии», «в 9 комментариях» (prepositional plural agreement)."""
        return "комментарии" if ru_form(k) == 0 else "комментариях"

    def coordination(self) -> None:
        bursts = self.d.get("coordination", {}).get("bursts") or []
        if not bursts:
            return
        self.heading(self.ru_en("Скоординированные комментарии", "Coordinated comments"))
        L = self.lang
        for b in bursts:
            start, end = local(b["start"], self.tz), local(b["end"], self.tz)
            day = format_date(start, L)
            when = tz_phrase(self.tz, start, L)
            if L == "ru":
                s = (f"{self.n(b['n_comments'], 'комментарий')} от {self.n(b['n_accounts'], 'аккаунт', 'gent')} "
                     f"{verb_ru(b['n_comments'], 'появился', 'появились')} {day} с {format_time(start, L)} "
                     f"до {format_time(end, L)} {when} и почти дословно повторяют друг друга — это признак "
                     f"скоординированной публикации.")
            else:
                s = (f"{self.n(b['n_comments'], 'comment').capitalize()} from {self.n(b['n_accounts'], 'account')} "
                     f"{'was' if b['n_comments'] == 1 else 'were'} posted on {day} between {format_time(start, L)} and "
                     f"{format_time(end, L)} {when} with nearly identical wording, a sign of coordinated posting.")
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

    def themes(self) -> None:
        themes = [t for t in self.d["themes"] if t["n_authors"] >= MIN_THEME_PEOPLE and t["quotes"]
                  and t["key"] != "other" and t["label"] != t["key"]][:MAX_THEMES]
        if not themes:
            return
        self.heading(self.ru_en("О чём писали", "What commenters wrote"))
        translations = self.translate([q for t in themes for q in t["quotes"]])
        L = self.lang
        for t in themes:
            self.blocks.append({"type": "heading", "level": 3,
                                "text": self.m(theme_heading(t, L, self.translator, LANGUAGES))})
            sup, hos = t["stances"].get("1", 0), t["stances"].get("-1", 0)
            if L == "ru":
                s = (f"На эту тему {verb_ru(t['n_authors'], 'написал', 'написали')} "
                     f"{self.n(t['n_authors'], 'пользователь')} в {number(t['n_comments'], L)} {self.comments_loct(t['n_comments'])}")
                mix = [f"в поддержку — {number(sup, L)}"] if sup else []
                mix += [f"против — {number(hos, L)}"] if hos else []
                s += f" ({', '.join(mix)})." if mix and hos else "."
            else:
                s = f"{self.n(t['n_authors'], 'user').capitalize()} wrote on this theme in {self.n(t['n_comments'], 'comment')}"
                mix = [f"{number(sup, L)} supportive"] if sup else []
                mix += [f"{number(hos, L)} hostile"] if hos else []
                s += f" ({', '.join(mix)})." if mix and hos else "."
            ents = [e for e in t["entities"] if e["comments"] >= 2][:5]
            if ents:
                listed = _join([f"{_entity(e['name'], L)} ({number(e['comments'], L)})" for e in ents], L)
                s += self.ru_en(f" Чаще всего упоминаются {listed}.", f" Most often mentioned: {listed}.")
            self.para(s)
            for q in t["quotes"]:
                self.quote(q, translations.get(q["comment_id"]))

    def translate(self, quotes: list[dict]) -> dict[int, str]:
        """Translations of the quotes not in the report's language, by comment id. A quote whose
        language an engine cannot handle keeps no translation rather than a wrong one."""
        if self.translator is None:
            return {}
        by_lang: dict[str, list[dict]] = {}
        for q in quotes:
            if q.get("lang") and q["lang"] != self.lang:
                by_lang.setdefault(q["lang"], []).append(q)
        out = {}
        for src, qs in by_lang.items():
            source = src if src not in ("und", "mixed") else "auto"
            try:
                texts = self.translator.translate([q["text"] for q in qs], source, self.lang)
            except Exception:  # noqa: BLE001 - an engine without this language pair; keep the original only
                continue
            for q, tr in zip(qs, texts):
                if tr and tr.strip() != q["text"].strip():
                    out[q["comment_id"]] = tr
        return out

    def quote(self, q: dict, translation: str | None) -> None:
        pages = {(s.get("handle") or "").lower() for s in self.d["sources"]} - {""}
        is_page = (q.get("author") or "").lower() in pages
        if self.lang == "ru":
            attribution = "написали авторы страницы" if is_page else f"написал пользователь {q.get('author') or 'без имени'}"
        else:
            attribution = "the page's authors wrote" if is_page else f"wrote {q.get('author') or 'an unnamed user'}"
        self.blocks.append({
            "type": "quote", "comment_id": q["comment_id"], "platform": q["platform"], "platform_id": q["platform_id"],
            "raw_sha256": q["raw_sha256"], "author": q.get("author"), "published_at": q.get("published_at"),
            "lang": q.get("lang"), "text": q["text"], "url": q.get("post_url"),
            "translation": self.m(translation) if translation else None, "attribution": attribution})

    def proposals(self) -> None:
        places = [p for p in self.d.get("proposals", []) if p["kind"] in ("country", "region")][:MAX_PLACES]
        if not places:
            return
        self.heading(self.ru_en("Что предлагали", "What commenters proposed"))
        L = self.lang
        items = [f"{_entity(p['entity'], L)} ({self.n(p['n_authors'], 'пользователь' if L == 'ru' else 'user')})"
                 for p in places]
        self.para(self.ru_en(
            f"Как возможное направление для {self.short('gent')} комментаторы называли: {_join(items, L)}.",
            f"Places commenters named as a possible destination for {self.short()}: {_join(items, L)}."))
        why = self.d.get("proposal_reasons") or {}
        ranked = why.get("top") or []
        if not ranked:
            return
        # the most common reason; among equally common ones, one written in the report's language
        top = min((r for r in ranked if r["n_authors"] == ranked[0]["n_authors"]), key=lambda r: r.get("lang") != L)
        users = self.n(top["n_authors"], "пользователь" if L == "ru" else "user")
        if top["n_authors"] >= 2:
            self.para(self.ru_en(f"Чаще всего называли такую причину ({users}):",
                                 f"The reason given most often ({users}):"))
        else:
            given = self.n(why["n_authors"], "пользователь" if L == "ru" else "user")
            self.para(self.ru_en(f"Причину {verb_ru(why['n_authors'], 'назвал', 'назвали')} {given}, например:",
                                 f"{given[:1].upper()}{given[1:]} said why, for example:"))
        self.quote(top, self.translate([top]).get(top["comment_id"]))

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
            label = format_date(d, self.lang)
        text = e.get(f"text_{self.lang}") or e.get("text") or e.get("text_ru") or e.get("text_en") or ""
        self.blocks.append({"type": "dated", "date": e["date"], "label": label[:1].upper() + label[1:],
                            "text": self.m(text), "upcoming": upcoming})

    def notes(self, translator_note: str | None) -> list[dict]:
        L = self.lang
        notes = []
        if translator_note:
            notes.append({"type": "para", "text": translator_note})
        notes.append({"type": "para", "text": self.ru_en(
            "Номер в квадратных скобках после цитаты — идентификатор комментария в хранилище otklik; "
            "цитаты приведены дословно.",
            "The number in square brackets after a quote is the comment's id in the otklik store; "
            "quotes are verbatim.")})
        sources = []
        for src in self.d["sources"]:
            posts = [p for p in self.d["posts"] if p.get("source_id") == src["id"]]
            name = f"{_platform(src['platform'], L)}: {src.get('title') or src.get('handle') or ''}".rstrip(": ")
            links = [p.get("url") or p["platform_id"] for p in posts]
            sources.append({"label": self.m(name), "url": src.get("url"), "posts": links})
        notes.append({"type": "sources", "title": self.ru_en("Источники", "Sources"), "items": sources})
        notes.append({"type": "footnotes", "items": list(self.marker.footnotes())})
        prov = self.d.get("provenance", {})
        notes.append({"type": "para", "text": self.ru_en(
            f"Данные: otklik {prov.get('code_version')}, анализ № {prov.get('analysis_run')}, "
            f"дайджест SHA-256 {prov.get('digest_sha256', '')[:16]}.",
            f"Data: otklik {prov.get('code_version')}, analysis run {prov.get('analysis_run')}, "
            f"digest SHA-256 {prov.get('digest_sha256', '')[:16]}.")})
        return notes


def compose(digest: dict, lang: str, marker=None, translator=None) -> dict:
    """The structured report for `digest` in `lang` ("ru" or "en").

    `marker` is an `otklik.labelling.Marker` for this language (None: no labels); `translator`
    an `otklik.translate.Translator` for the quotes (None: originals only)."""
    c = Composer(digest, lang, marker, translator)
    rows = c.stance_order()
    headline = c.m(c.headline(rows))
    lede = c.m(c.lede(rows))
    c.engagement()
    c.positions(rows)
    c.themes()
    c.proposals()
    c.coordination()
    c.background()
    note = translator.note(lang) if translator is not None else None
    return {"lang": lang, "case": digest["case"]["name"], "headline": headline, "lede": lede,
            "blocks": c.blocks, "notes": c.notes(note),
            "translator": getattr(translator, "name", None)}
