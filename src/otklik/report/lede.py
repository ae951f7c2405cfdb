"""The report's top: headline, lead (what most people said, their main demand and main fear), the news
peg (the post that drew the comments: what it said, where, its link, its count at a clock time) and
the platform breakdown.

Wording rules (each deterministic, from the digest):
- the news peg is the first sentence of the most-commented post's text, verbatim, when it is short
  (≤ 160 characters) and holds no figure (a number in it would be one nobody checks); without one
  the post is named by its page alone;
- a date is said once: the post's publication day is written only when it is not the day of the count;
- the main demand is the title of the largest shown theme whose majority is the lead's group and whose
  title asks for something (a verb in the plural imperative by pymorphy3, or a modal word: надо, нужно,
  должен, нельзя, пусть, прошу, просим, требуем; in English: should, must, please, stop, don't, help…);
  the main fear is the title of another such theme that names a harm (`HARM_STEMS`);
- the platform breakdown names each platform's comments and posts («в Instagram — 202 под одной
  публикацией, в Telegram — 44 под четырьмя публикациями с марта»); «с <month>» only when that
  platform's first post is from an earlier month than the main post.
"""

from __future__ import annotations

import re

from ..morph import morph as _morph
from .titles import quoted_foreign
from .grammar import format_date, local, month_since, numeral_ablt, parse_when

# Word stems that name a harm a person may face (generic human-rights vocabulary, both languages).
HARM_STEMS = ("пыт", "смерт", "убь", "убит", "казн", "тюрьм", "тюрем", "преслед", "опасн", "угроз", "угрож",
              "погиб", "расправ", "похищ", "похит", "насили", "истяз", "издева", "подвал", "исчез",
              "tortur", "death", "kill", "danger", "persecut", "prison", "threat", "abduct", "dies?\\b", "dying")
MODAL_RU = {"надо", "нужно", "должен", "должна", "должны", "нельзя", "пусть", "прошу", "просим", "требуем",
            "требую", "пожалуйста"}
MODAL_EN = {"should", "must", "please", "stop", "don't", "free", "release", "help", "save"}

LEDE_LADDER = (
    (0.9, "Почти все комментаторы в {where} {vp}.", "Nearly all commenters on {where} {vp}."),
    (0.75, "Подавляющее большинство комментаторов в {where} {vp}.", "The vast majority of commenters on {where} {vp}."),
    (0.6, "Большинство комментаторов в {where} {vp}.", "Most commenters on {where} {vp}."),
    (0.5000001, "Чуть больше половины комментаторов в {where} {vp}.", "Just over half of the commenters on {where} {vp}."),
)


def asks(title: str) -> bool:
    """Does a theme title ask for something: a modal word, or a verb in the plural imperative (a
    demand addressed to the authorities or the readers: «не выдавайте», «помогите»; the singular
    «не гони» answers another commenter)?"""
    words = re.findall(r"[\w']+", title.lower())
    if any(w in MODAL_RU or w in MODAL_EN for w in words):
        return True
    return any({"impr", "plur"} <= p.tag.grammemes for w in words if re.search(r"[а-яё]", w)
               for p in _morph().parse(w) if p.score >= 0.2)


def names_harm(title: str) -> bool:
    """Does a title name a harm (a word starting with one of HARM_STEMS)?"""
    low = title.lower()
    return any(re.search(r"\b" + s, low) for s in HARM_STEMS)


def peg_sentence(text: str | None) -> str | None:
    """The post's first sentence, verbatim, when it can stand as the news peg (see the module rules)."""
    if not text:
        return None
    body = re.sub(r"^[^\w«\"(]+", "", text.strip())
    first = re.split(r"(?<=[.!?])\s|\n", body, maxsplit=1)[0].strip().rstrip(".")
    if not first or len(first) > 160 or re.search(r"\d", first) or len(first.split()) < 3:
        return None
    return first


def _script_lang(text: str) -> str:
    """The language a post is taken to be in, by its script: Kazakh letters, else Cyrillic is Russian."""
    if re.search(r"[әғқңөұүһі]", text, re.I):
        return "kk"
    return "ru" if re.search(r"[а-яё]", text, re.I) else "en"


class LedeMixin:
    """Headline, lead, news peg and totals of a Composer."""

    def headline(self, rows) -> str:
        generic = self.ru_en(f"Реакция пользователей соцсетей на дело {self.name('gent')}",
                             f"Social media reaction to {self.name()}'s case")
        if not rows or self.majority(rows[0][1]) == "unsure":
            return generic
        if self.majority(rows[0][1]) == "no":
            return self.ru_en(f"Мнения пользователей соцсетей о деле {self.name('gent')} разделились",
                              f"Social media users divided over {self.name()}'s case")
        return {
            "supportive": self.ru_en(f"Пользователи соцсетей обеспокоены судьбой {self.name('gent')}",
                                     f"Social media users concerned about {self.name()}'s fate"),
            "hostile": self.ru_en(f"Пользователи соцсетей высказались против {self.name('gent')}",
                                  f"Social media users speak out against {self.name()}"),
        }.get(rows[0][0], generic)

    def lede(self, rows) -> str:
        where = self.join(self.platforms())
        if not rows:
            return self.ru_en(f"Комментариев о деле {self.name('gent')} в {where} пока нет.",
                              f"There are no comments on {self.name()}'s case on {where} yet.")
        label, people, _ = rows[0]
        vp = self.verb_phrase(label)
        if self.majority(people) == "unsure":  # the interval does not say whether they are a majority
            s = self.ru_en(f"Самая большая группа комментаторов в {where} {self.verb_phrase(label, 'f')}.",
                           f"The largest group of commenters on {where} {vp}.")
        else:
            s = next(((ru if self.lang == "ru" else en).format(where=where, vp=vp)
                      for low, ru, en in LEDE_LADDER if people["share"] >= low), None)
            s = s or self.ru_en(f"Мнения комментаторов в {where} разделились: самая большая группа "
                                f"{self.verb_phrase(label, 'f')}.",
                                f"Commenters on {where} were divided; the largest group {vp}.")
        return s + self.demand_and_fear(label)

    def demand_and_fear(self, label: str) -> str:
        """« Главное требование — «…»; главное опасение — «…».» from the shown themes' titles."""
        side = {"supportive": "1", "hostile": "-1"}.get(label)
        if side is None:
            return ""
        demand = fear = None
        for t in self.shown_themes():
            mix = {k: v for k, v in t["stances"].items() if k in ("1", "-1", "0")}
            if not mix or max(mix, key=mix.get) != side:
                continue
            if demand is None and (title := self.matching_title(t, asks)):
                demand = title
            elif fear is None and (title := self.matching_title(t, names_harm)):
                fear = title
        parts = []
        if demand:
            parts.append(self.ru_en(f"главное требование — {demand}", f"their main demand: {demand}"))
        if fear:
            parts.append(self.ru_en(f"главное опасение — {fear}", f"their main fear: {fear}"))
        if not parts:
            return ""
        text = "; ".join(parts)
        return " " + text[:1].upper() + text[1:] + "."

    def matching_title(self, t: dict, test) -> str | None:
        """The theme's title for this report when one of its titles passes `test` — the report
        language's own title first, else the matching one (translated or said to be in its language)."""
        titles = t.get("titles") or {}
        if t.get("label_source") == "editor" or not titles:
            return self.title_of(t) if test(t["label"]) else None
        ranked = sorted(titles.items(), key=lambda kv: kv[0] != self.lang)
        for lang, ti in ranked:
            if test(ti["text"]):
                return self.title_of({**t, "titles": {self.lang: ti}})
        return None

    # ------------------------------------------------------------------ the post and the counts

    def main_post(self) -> dict | None:
        def size(p):
            obs = p.get("comments_observed")
            return (obs or {}).get("value") or p["comments_stored"]
        return max(self.d["posts"], key=size, default=None)

    def engagement(self) -> None:
        post = self.main_post()
        if post is None:
            return
        src = next((s for s in self.d["sources"] if s["id"] == post.get("source_id")), None) or {}
        platform = self.platform(post["platform"])
        # a handle as written; a page known by its title: the title in quotation marks
        page = src.get("handle") or (self.ru_en(f"«{src['title']}»", f"“{self.latin(src['title'])}”")
                                     if src.get("title") else None)
        obs = post.get("comments_observed")
        n_comments = obs["value"] if obs else post["comments_stored"]
        at = obs["observed_at"] if obs else self.d["snapshot_at"]
        at_local = local(at, self.tz)
        peg = peg_sentence(post.get("text"))
        pub = local(post["published_at"], self.tz) if post.get("published_at") else None
        published = (self.date(pub, year=pub.year != at_local.year)
                     if pub and pub.date() != at_local.date() else None)  # said once: only when not the count's day
        if self.lang == "ru":
            where = f"на странице {page} в {platform}" if page else f"в {platform}"
            s = (f"Поводом для обсуждения стала публикация «{peg}» {where}" if peg
                 else f"Больше всего комментариев собрала публикация {where}")
            s += f", появившаяся {published}." if published else "."
        else:
            where = f"on the {platform} page {page}" if page else f"on {platform}"
            said = quoted_foreign(peg, _script_lang(peg), "en", self.translator, self.LANGUAGES) if peg else None
            s = (f"The discussion was prompted by a post {where} saying {said}" if said
                 else f"The most commented post was published {where}")
            s += f", published on {published}." if published else "."
        s += " " + self.count_sentence(src.get("followers"), n_comments, at, at_local)
        if post.get("url"):
            s += self.ru_en(f" Ссылка на публикацию: {post['url']}", f" Link to the post: {post['url']}")
        self.para(s)
        self.totals()

    def count_sentence(self, followers, n_comments: int, at: str, at_local) -> str:
        when = self.by_time(at)
        if self.lang == "ru":
            s = ""
            if followers:
                f_local = local(followers["observed_at"], self.tz) if followers.get("observed_at") else at_local
                f_when = "" if f_local.date() == at_local.date() else f"По данным на {self.date(f_local)}, у"
                s = f"{f_when or 'У'} страницы {self.n(followers['value'], 'подписчик')}; "
            s += f"публикация {when} собрала {self.n(n_comments, 'комментарий')}."
            return s[:1].upper() + s[1:]
        s = ""
        if followers:
            f_local = local(followers["observed_at"], self.tz) if followers.get("observed_at") else at_local
            f_when = "" if f_local.date() == at_local.date() else f" as of {self.date(f_local)}"
            s = f"The page had {self.n(followers['value'], 'follower')}{f_when}; "
        s += f"{when}, the post had garnered {self.n(n_comments, 'comment')}."
        return s[:1].upper() + s[1:]

    def totals(self) -> None:
        t = self.d["totals"]
        langs = [(k, v) for k, v in sorted(t["by_language"].items(), key=lambda kv: -kv[1]) if k in self.LANGUAGES]
        breakdown = self.platform_breakdown()
        if self.lang == "ru":
            s = (f"Всего в анализ {'вошёл' if t['comments'] % 10 == 1 and t['comments'] % 100 != 11 else 'вошли'} "
                 f"{self.n(t['comments'], 'комментарий')} от {self.n(t['authors'], 'пользователь', 'gent')}")
            s += f": {breakdown}." if breakdown else "."
            if t.get("replies"):
                s += f" Среди них {self.n(t['replies'], 'ответ')} на другие комментарии."
            if langs:
                s += " Комментарии написаны на " + self.join([f"{self.LANGUAGES[k][0]} ({self.num(v)})" for k, v in langs]) + \
                     (" языке." if len(langs) == 1 else " языках.")
        else:
            s = f"In all, {self.n(t['comments'], 'comment')} from {self.n(t['authors'], 'user')} were analyzed"
            s += f": {breakdown}." if breakdown else "."
            if t.get("replies"):
                s += f" Of these, {self.num(t['replies'])} {'was a reply' if t['replies'] == 1 else 'were replies'} to other comments."
            if langs:
                s += " The comments were written in " + self.join([f"{self.LANGUAGES[k][1]} ({self.num(v)})" for k, v in langs]) + "."
        self.para(s)

    def platform_breakdown(self) -> str:
        by = self.d["totals"].get("by_platform") or {}
        if len(by) == 1 and next(iter(by.values()))["posts"] > 1:  # one platform, several posts: how many
            name, row = next(iter(by.items()))
            return self.ru_en(f"все в {self.platform(name)}, под {numeral_ablt(row['posts'], 'публикация')}",
                              f"all on {self.platform(name)}, under {self.posts_en(row['posts'])}")
        if len(by) < 2:
            return ""
        main = self.main_post()
        main_pub = parse_when(main["published_at"]) if main and main.get("published_at") else None
        items = []
        for name, row in by.items():
            first = parse_when(row["first_post_at"]) if row.get("first_post_at") else None
            since = ""
            if first and main_pub and (first.year, first.month) < (main_pub.year, main_pub.month):
                since = " " + month_since(first, self.lang) + (
                    "" if first.year == main_pub.year else f" {first.year}{' года' if self.lang == 'ru' else ''}")
            if self.lang == "ru":
                items.append(f"в {self.platform(name)} — {self.num(row['comments'])} под "
                             f"{numeral_ablt(row['posts'], 'публикация')}{since}")
            else:
                posts = self.posts_en(row["posts"])
                items.append(f"{self.num(row['comments'])} on {self.platform(name)} under {posts}{since}")
        return ", ".join(items) if self.lang == "ru" else self.join(items)

    def posts_en(self, n: int) -> str:
        """"one post", "four posts", "12 posts" (small counts in words, as the Russian)."""
        words = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
        return f"{words[n - 1] if 1 <= n <= 10 else self.num(n)} post{'s' if n != 1 else ''}"

    def by_time(self, at: str) -> str:
        from .grammar import by_time
        return by_time(at, self.tz, self.lang, clock=self.profile.time_style, style=self.profile.date_style)

    def quote_when(self, q: dict) -> str:
        """For a quote written well before the main post (another post, an older thread): when, said
        in the attribution («18 марта» / "on March 18"); '' for the reaction's own days."""
        main = self.main_post()
        if not q.get("published_at") or not main or not main.get("published_at"):
            return ""
        qd, md = local(q["published_at"], self.tz), local(main["published_at"], self.tz)
        if (md - qd).days < 2:
            return ""
        d = self.date(qd, year=qd.year != md.year)
        return d if self.lang == "ru" else f"on {d}"

    def date(self, d, year: bool = True) -> str:
        return format_date(d, self.lang, year=year, style=self.profile.date_style)
