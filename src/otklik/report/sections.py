"""The report's body sections: one per argument (theme) and the proposals.

A theme's section: its title as heading, a framing sentence whose wording follows the data, then its
quotes grouped by side. Rules:
- size: the first (largest) theme is called the most discussed; a theme with under a tenth of all
  commenters is said to be raised "only" by its people; otherwise a plain count;
- the stance mix counts comments and adds up to the theme's comment count (supporting, against,
  neutral, with no clear side); its lead word follows the majority share: ≥ 90% "nearly all",
  ≥ 60% "most", else "opinions were divided";
- a quote block's `side` ("supportive" / "hostile" / "neutral") is the digest's `side`: only a
  stance the editor confirmed or the adapted model reads with confidence (analysis/quotes.SIDE_MIN_CONFIDENCE),
  with `side_source` "editor" or "model"; any other quote has side None and is shown last, after a
  lead-in saying its side was not established — a misread comment is never quoted under a side;
  the theme's majority side is quoted first, and each further group gets a lead-in sentence;
- a quote from well before the main post says when it was written; one from another platform
  says where.
Proposals: «предлагали отправить его в Германию (9 человек), Европу (7) …» — the place names
declined after «в» (grammar.inflect_place), «человек» after the first count only; then the stated
reason most often given, quoted.
"""

from __future__ import annotations

from .grammar import inflect_place, number, preposition_v, ru_form, verb_ru
from .titles import theme_heading, theme_title

MIN_THEME_PEOPLE = 3
MAX_THEMES = 6
MAX_PLACES = 6
SIDES = {1: "supportive", -1: "hostile", 0: "neutral", "1": "supportive", "-1": "hostile", "0": "neutral"}


def _side_of(q: dict) -> tuple[str | None, str | None]:
    if q.get("side") is not None and q["side"] in SIDES:
        return SIDES[q["side"]], q.get("side_source") or "model"
    return None, None


class SectionsMixin:
    """Themes, quotes and proposals of a Composer."""

    def shown_themes(self) -> list[dict]:
        return [t for t in self.d["themes"] if t["n_authors"] >= MIN_THEME_PEOPLE and t["quotes"]
                and t["key"] != "other" and t["label"] != t["key"]][:MAX_THEMES]

    def title_of(self, theme: dict) -> str:
        return theme_title(theme, self.lang, self.translator, self.LANGUAGES)

    def themes(self) -> None:
        themes = self.shown_themes()
        if not themes:
            return
        self.heading(self.ru_en("О чём писали", "What commenters wrote"))
        translations = self.translate([q for t in themes for q in t["quotes"]])
        for i, t in enumerate(themes):
            self.blocks.append({"type": "heading", "level": 3,
                                "text": self.m(theme_heading(t, self.lang, self.translator, self.LANGUAGES))})
            self.para(self.framing(t, i))
            groups: dict[str, list[dict]] = {}
            for q in t["quotes"]:
                groups.setdefault(_side_of(q)[0], []).append(q)
            majority = self.majority_side(t)
            order = sorted(groups, key=lambda s: (s is None, s != majority, ["supportive", "hostile", "neutral", None].index(s)))
            for k, side in enumerate(order):
                if k:
                    self.para(self.side_lead_in(side))
                for q in groups[side]:
                    self.quote(q, translations.get(q["comment_id"]))

    @staticmethod
    def majority_side(t: dict) -> str:
        mix = {SIDES[k]: v for k, v in t["stances"].items() if k in SIDES}
        return max(mix, key=mix.get) if mix else "neutral"

    def side_lead_in(self, side: str | None) -> str:
        return {"supportive": self.ru_en(f"Другие поддержали {self.short('accs')}:", f"Others supported {self.short()}:"),
                "hostile": self.ru_en(f"Высказывались и против {self.short('gent')}:",
                                      f"Others spoke out against {self.short()}:"),
                "neutral": self.ru_en("Были и комментарии без оценки:", "Some comments took no side:"),
                None: self.ru_en("Ещё комментарии, чью позицию мы не установили с уверенностью:",
                                 "More comments, whose side we could not establish with confidence:")}[side]

    def framing(self, t: dict, i: int) -> str:
        """Size and stance mix of the `i`-th theme, in words that follow the figures; successive
        themes take the plain count's wordings in turn, so the sections do not open alike."""
        L, na, nc = self.lang, t["n_authors"], t["n_comments"]
        first, turn = i == 0, i % 3
        total = self.d["totals"]["authors"] or 1
        if L == "ru":
            wrote = f"{verb_ru(na, 'написал', 'написали')} {self.n(na, 'пользователь')} в {self.num(nc)} {self.comments_loct(nc)}"
            if first:
                size = f"Это самая обсуждаемая тема: о ней {wrote}."
            elif na < total / 20:
                size = f"Эту тему затронули лишь {self.n(na, 'пользователь')} ({self.n(nc, 'комментарий')})."
            else:
                size = [f"Об этом {wrote}.",
                        f"Эта тема собрала {self.n(nc, 'комментарий', 'accs')} от {self.n(na, 'пользователь', 'gent')}.",
                        f"Её {'поднял' if ru_form(na) == 0 else 'подняли'} {self.n(na, 'пользователь')} в "
                        f"{self.num(nc)} {self.comments_loct(nc)}."][turn]
        else:
            if first:
                size = f"This was the most discussed theme: {self.n(na, 'user')} wrote {self.n(nc, 'comment')} on it."
            elif na < total / 20:
                size = f"Only {self.n(na, 'user')} raised this, in {self.n(nc, 'comment')}."
            else:
                size = [f"On this theme, {self.n(na, 'user')} wrote {self.n(nc, 'comment')}.",
                        f"This theme drew {self.n(nc, 'comment')} from {self.n(na, 'user')}.",
                        f"The theme was raised by {self.n(na, 'user')} in {self.n(nc, 'comment')}."][turn]
        return size + " " + self.mix_sentence(t, turn) + self.mentioned(t)

    def mix_sentence(self, t: dict, turn: int = 0) -> str:
        st, nc = t["stances"], t["n_comments"]
        counts = {"supportive": st.get("1", 0), "hostile": st.get("-1", 0), "neutral": st.get("0", 0),
                  "none": st.get("none", 0)}
        if sum(counts.values()) != nc:  # a mix counted on other comments cannot be stated as these comments'
            return ""
        top = max(("supportive", "hostile"), key=counts.get)
        share = counts[top] / nc if nc else 0
        ru = {"supportive": f"в поддержку {self.short('gent')}", "hostile": f"против {self.short('gent')}",
              "neutral": "нейтральные", "none": "без ясной позиции"}
        def be(k):  # "1 was", "5 were"
            return "was" if counts[k] == 1 else "were"
        en = {"supportive": f"supported {self.short()}", "hostile": f"{be('hostile')} against {self.short()}",
              "neutral": f"{be('neutral')} neutral", "none": "took no clear side"}
        rest = [k for k in ("supportive", "hostile", "neutral", "none") if k != top and counts[k]]
        # after the lead names the subject, the rest of the list does not repeat the name
        ru_short = {**ru, "supportive": "в поддержку", "hostile": "против"}
        en_short = {**en, "supportive": f"{be('supportive')} in support", "hostile": f"{be('hostile')} against"}
        if self.lang == "ru":
            tail = ", ".join(f"{ru_short[k]} — {self.num(counts[k])}" for k in rest)
            if share >= 0.9:
                lead = f"Почти все эти комментарии ({self.num(counts[top])} из {self.num(nc)}) — {ru[top]}"
            elif share >= 0.6:
                most = ("Большинство комментариев", "Из этих комментариев большинство", "Большая часть комментариев")[turn]
                lead = f"{most} ({self.num(counts[top])} из {self.num(nc)}) — {ru[top]}"
            else:
                return ("Мнения разделились: " + ", ".join(f"{ru[k]} — {self.num(counts[k])}" for k in
                                                          ["supportive", "hostile", "neutral", "none"] if counts[k])
                        + f" (из {self.n(nc, 'комментарий', 'gent')}).")
            return lead + (f"; {tail}." if tail else ".")
        tail = self.join([f"{self.num(counts[k])} {en_short[k]}" for k in rest])
        if share >= 0.9:
            lead = f"Nearly all of these comments ({self.num(counts[top])} of {self.num(nc)}) {en[top]}"
        elif share >= 0.6:
            most = ("Most of these comments", "The majority of the comments", "Most of the comments")[turn]
            lead = f"{most} ({self.num(counts[top])} of {self.num(nc)}) {en[top]}"
        else:
            return ("Opinions were divided: of " + self.n(nc, "comment") + ", " + self.join(
                [f"{self.num(counts[k])} {en[k]}" for k in ["supportive", "hostile", "neutral", "none"] if counts[k]]) + ".")
        return lead + (f"; {tail}." if tail else ".")

    def mentioned(self, t: dict) -> str:
        ents = [e for e in t["entities"] if e["comments"] >= 2][:5]
        if not ents:
            return ""
        listed = self.join([f"{self.entity(e['name'])} ({self.num(e['comments'])})" for e in ents])
        return self.ru_en(f" Чаще всего в них упоминаются (число комментариев): {listed}.",
                          f" Most often mentioned (number of comments): {listed}.")

    # ------------------------------------------------------------------ quotes

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

    def quote(self, q: dict, translation: str | None, side: tuple[str, str] | None = None) -> None:
        side, side_source = side or _side_of(q)
        self.blocks.append({
            "type": "quote", "comment_id": q["comment_id"], "platform": q["platform"], "platform_id": q["platform_id"],
            "raw_sha256": q["raw_sha256"], "author": q.get("author"), "published_at": q.get("published_at"),
            "lang": q.get("lang"), "text": q["text"], "url": q.get("post_url"),
            "translation": self.m(translation) if translation else None, "attribution": self.attribution(q),
            "side": side, "side_source": side_source})

    def attribution(self, q: dict) -> str:
        """«написал пользователь X» / «пишет X» / "wrote X" / "writes X" (profile.attribution), with
        where and when for a quote from another platform or from well before the main post."""
        pages = {(s.get("handle") or "").lower() for s in self.d["sources"]} - {""}
        author = q.get("author") or ""
        is_page = author.lower() in pages
        main = self.main_post()
        where = self.platform(q["platform"]) if main and q.get("platform") != main.get("platform") else ""
        when = self.quote_when(q)
        writes = self.profile.attribution == "writes"
        if self.lang == "ru":
            ctx = " ".join(x for x in (f"в {where}" if where else "", when) if x)
            ctx = f" {ctx}" if ctx else ""
            if is_page:
                return f"{'пишут' if writes else 'написали'}{ctx} авторы страницы"
            name = author or "без имени"
            return f"пишет{ctx} {name}" if writes else f"написал{ctx} пользователь {name}"
        name = self.latin(author) if author else "an unnamed user"
        ctx = "".join(x for x in (f" on {where}" if where else "", f" {when}" if when else ""))
        if is_page:
            return f"the page's authors {'write' if writes else 'wrote'}{ctx}"
        return f"{'writes' if writes else 'wrote'} {name}{ctx}"

    # ------------------------------------------------------------------ proposals

    def proposals(self) -> None:
        places = [p for p in self.d.get("proposals", []) if p["kind"] in ("country", "region")][:MAX_PLACES]
        if not places:
            return
        self.heading(self.ru_en("Что предлагали", "What commenters proposed"))
        L = self.lang
        if L == "ru":
            items = []
            for k, p in enumerate(places):
                name = inflect_place(self.entity(p["entity"]), "accs")
                # «человек» after a count: 1/21 человек, 2–4 человека, 5+ человек; the unit only once
                unit = self.num(p["n_authors"]) + (f" {('человек', 'человека', 'человек')[ru_form(p['n_authors'])]}"
                                                   if k == 0 else "")
                items.append(f"{preposition_v(name) + ' ' if k == 0 else ''}{name} ({unit})")
            s = f"Комментаторы предлагали отправить {self.short('accs')} {self.join(items)}."
        else:
            items = [f"{self.entity(p['entity'])} ({self.num(p['n_authors'])}{' people' if k == 0 and p['n_authors'] != 1 else ' person' if k == 0 else ''})"
                     for k, p in enumerate(places)]
            s = f"Commenters proposed sending {self.short()} to {self.join(items)}."
        self.para(s)
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
                                 f"Reasons were given by {given}, for example:"))
        self.quote(top, self.translate([top]).get(top["comment_id"]))

    def comments_loct(self, k: int) -> str:
        """«в 1 комментарии», «в 9 комментариях» (prepositional plural agreement)."""
        return "комментарии" if ru_form(k) == 0 else "комментариях"

    def num(self, n: int) -> str:
        return number(n, self.lang)
