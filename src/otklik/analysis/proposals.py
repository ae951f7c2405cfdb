"""Proposals: which places a comment suggests as a safe destination for the subject, and why.

A comment proposes a place when it asks for him to be sent, let go or taken in there («отпустите
его во Францию», "Canada should take him", «Германияға жіберіңдер», "Almanya'ya gitsin"), names
it as the answer («Только ЕС», «лучше Норвегия или Канада») or as a direction with no verb
(«В Европу его, и побыстрее»). Every place in a list («Франция, Германия или Польша») shares the
list's reading. Not proposals:

- hindsight: «надо было сразу ехать в Грузию», "he should have gone to Norway", «keşke Almanya'ya gitseydi»;
- negations and claims about a place: «только не в Армению», "not Georgia", «в Сербии тоже выдают»,
  «Ресейге емес»; other places of the same comment can still be proposed;
- the hostile "go away": «пусть катится в свою Европу», a comment saying «нам такие не нужны»;
- the state that holds or wants him keeping, returning or extraditing him («пусть Турция оставит
  его», «не выдавайте в Россию», "send him back to Russia to face trial");
- a mention in passing or a fact («он жил в Германии», "he moved to Poland in 2019").

The reason is the clause of the comment that says why (a cause, a safety claim, the danger
elsewhere: «там не выдают», "because they don't extradite", «в СНГ везде достанут»), kept as
the comment's verbatim span so a report can quote it. Rules on word forms, not a model: they
read every language the gazetteer knows, and they say why they decided.
"""

from __future__ import annotations

import re
from dataclasses import replace

# Clause boundaries: sentence ends, semicolons, colons, dashes, commas (except inside a list of
# places), and the conjunctions that start a new claim ("а", "но", "because"...).
_BOUNDARY = re.compile(
    r"[.!?…;:\n]+|\s[-–—]+\s|,|\((?:\s*)|\)|"
    r"(?<!\w)(?:а|но|однако|потому что|потому как|так как|т\.к\.?|ибо|ведь|зато|but|because|since|as|however|"
    r"çünkü|zira|ama|fakat|ancak|себебі|өйткені|бірақ|алайда)(?!\w)")
# what may stand between two places of one list
_LIST_GAP = re.compile(r"^(?:[\s,/+&]|и|или|либо|а также|и/или|and|or|and/or|ve|veya|ya da|ya|және|немесе|я|"
                       r"в|во|на|to|the|into|ou|\bили же\b)*$")

_HINDSIGHT = re.compile(
    r"надо было|нужно было|следовало|стоило\b|не стоило|лучше бы|(?:уехал|поехал|переехал|сбежал|улетел|"
    r"остался|жил|сидел|ехал)\s+бы|\bбы\s+(?:он\s+|ему\s+)?(?:сразу\s+)?(?:уехал|поехал|переехал|сбежал|улетел|"
    r"остался|жил|сидел|ехал)|should have|should've|shouldn't have|ought to have|could have|would have|"
    r"if only he|if he had|keşke|m[ae]l[ıi]yd[ıi]|m[ae]l[ıi]ym[ıi]ş|s[ae]yd[ıi]\b|керек еді|керек болған|"
    r"болар еді|кетсе ғой|барса ғой")
# the holding or requesting state keeping, returning or extraditing him; "let him answer"
_KEEP_OR_RETURN = re.compile(
    r"выда|выдач|депорт|экстрад|возвра|вернут|верни|отдава|отдадут|отдать|бермең|берсе|береді|бермейді|қайтар|"
    r"deport|extradit|send(?:ing)? (?:him )?back|sent back|return|hand(?:ed)? (?:him )?over|iade|sınır ?dışı|"
    r"geri gönder|teslim|остав|пусть остается|пусть остаётся|останется|остаться|"
    r"пусть живет|пусть живёт|keep him|let him stay|stay in|kals[ıi]n|kalmal[ıi]|қалсын|"
    r"ответит|ответить|ответят|отвечать|отвечает|answer for|face (?:the )?(?:court|trial|justice)|hesap ver|судить")
_NOT_EXTRADITING = re.compile(
    r"(?:не|не будут|никогда не|not|n't|never|no)\s+(?:\w+\s+)?(?:выда|экстрад|депорт|extradit|deport|hand)|"
    r"iade etm|бермейді|қайтармайды|no extradition")
_GO_AWAY_CLAUSE = re.compile(
    r"вали|свали|катит|катись|убира|провалива|свалива|чемодан|defol|cehenneme|кетсін|жоғал")
_GO_AWAY_PRE = re.compile(r"(?:\bв (?:свою|свой|свои|ихн\w*|хвален\w*|любим\w*)\s+(?:\w+\s+)?|"
                          r"to (?:his|their) (?:beloved |precious |dear )?)$")
_GO_AWAY_COMMENT = re.compile(
    r"такие не нужны|нам такие|не нужен нам|нам не нужен|скатертью|туда (?:ему|им) и дорога|good riddance|"
    r"don't come back|never come back|не возвращайся|не возвращался|пусть не возвращается|кетсін|bir daha dönmesin")
_NEG_BEFORE = re.compile(
    r"(?:(?<!\w)(?:не|нельзя|ни|нет|not|never|no|nor|neither|даже не)|n't)\s+(?:[\w'’]+\s+){0,3}$")
_NEG_JUST_BEFORE = re.compile(r"(?:(?<!\w)(?:не|not|never|no)|n't)\s+(?:[\w'’]+\s+)?$")
_NOW = re.compile(r"(?<!\w)(?:а|но|but|now|сейчас|теперь|ama|şimdi|бірақ|қазір)(?!\w)")
_WHY_NOT = re.compile(r"(?:почему|отчего|why)\s+(?:бы\s+)?(?:не|not)\s+(?:[\w'’]+\s+){0,3}$")
_NEG_AFTER = re.compile(
    r"^\s*(?:тоже|также|же|и)?\s*(?:нельзя|не вариант|не безопасн|небезопасн|не надо|не нужно|не стоит|"
    r"не поможет|не спас|не лучше|опасн|выдаст|выдадут|выдает|выдаёт|выдают|сдаст|сдадут|сдаёт|сдают|"
    r"емес|değil|olmaz|дац|not an option|is not|isn't|is no|are not|aren't|won't|wouldn't|will hand|"
    r"also|too|either|extradites?|hands)")
# Kazakh and Turkish negative imperatives (жібермеңдер, göndermeyin), Chechen/Ingush prohibitive ма, negation ца/дац
_NEG_VERB = re.compile(r"\w(?:ма|ме|ба|бе|па|пе)(?:ңдар|ңдер|ңыздар|ңіздер|ңыз|ңіз|сын|сін)(?!\w)|"
                       r"\w(?:ma|me)(?:y[ıi]n|y[ıi]n[ıi]z|s[ıi]n)(?!\w)|(?<!\w)(?:ма|ца|дац)(?!\w)")
# asking, sending, letting, taking in; modal "should"; an answer marker before a bare name
_CUE = re.compile(
    r"отправ|отпуст|пуст[ия]|вывез|вывоз|уехать|уезжа|уедет|пусть едет|переправ|перевез|примите|принять|примет|"
    r"приют|дайте|дать|даст|предостав|убежищ|защит|спрят|пусть|надо|нужно|должн|лучше|можно|давайте|вариант|"
    r"только|лишь|например|хотя бы|send|let him|allow|deport him to|move him|take him|accept|welcome|grant|"
    r"asylum|refuge|shelter|should|must|better|only|e\.g\.|maybe|perhaps|why not|"
    r"жібер|рұқсат|барсын|кетсін|қабылда|пана|баспана|тек|gönder|izin|bırak|gitsin|gitmeli|kabul|iltica|"
    r"sığın|sadece|yalnızca|daha iyi|дахийта|дахийла|вахийта|ваийта|д1аваийта|дӏаваийта|хийта")
# a place named as where the danger is («там везде достанут», "they will find him there")
_DANGER = re.compile(r"(?<!не )(?:достан|найдут|убьют|замуча|пытают|посадят|сдадут|сдаст|опасн|will find|will get him|"
                     r"dangerous|unsafe|tehlik)")
# a bare place name proposed: the one to take him in, or the answer to "where?" («Только ЕС», «лучше Канада»)
_TAKE_IN = re.compile(
    r"примите|принять|примет|приют|убежищ|только|лишь|лучше|например|вариант|хотя бы|почему не|"
    r"take him|take in|accept|welcome|asylum|refuge|shelter|grant|only|better|e\.g\.|why not|"
    r"қабылда|пана|тек|kabul|iltica|sığın|sadece|yalnızca|daha iyi|neden olmasın")
_FACT = re.compile(r"(?<!\w)(?:уехал|уехала|уехали|переехал|переехала|жил|жила|живет|живёт|живут|был|была|бывал|"
                   r"сбежал|улетел|приехал|lived|lives|moved|went|fled|was|has been|arrived|yaşıyor|yaşadı|"
                   r"тұрады|тұрған|барды|кетті|көшті|көшіп|gitti|gitmişti|taşındı|kaçtı|yaşadı)(?!\w)")
_REASON = re.compile(
    r"потому что|потому как|так как|т\.к|ибо|ведь|не выда|не экстрад|не депорт|безопас|защит|закон|"
    r"достан|найдут|убьют|замуча|пыт|посад|правов|права человека|because|since|they don't|they do not|"
    r"doesn't|don't|won't|never|refus|отказ|no extradition|safe|protect|rule of law|torture|çünkü|zira|iade etm|güvenli|korur|"
    r"güven|себебі|өйткені|қауіпсіз|бермейді|қорға")


_THERE = re.compile(r"(?<!\w)(?:там|туда|оттуда|they|there|orada|oraya|онда|ол жақта|цигахь|цига)(?!\w)")
_WORDS = re.compile(r"[^\W\d_]+", re.U)


def _clauses(text: str, places: list) -> list[tuple[int, int]]:
    """(start, end) of each clause; a comma or conjunction between two places of a list is not a boundary."""
    gaps = [(a.end, b.start) for a, b in zip(places, places[1:]) if _LIST_GAP.match(text[a.end:b.start])]
    cuts, pos = [], 0
    for m in _BOUNDARY.finditer(text):
        if any(lo <= m.start() and m.end() <= hi for lo, hi in gaps):
            continue
        cuts.append((pos, m.start()))
        pos = m.start() if m.group(0).strip(".,!?…;:()-–— \n") else m.end()  # a conjunction stays with its clause
    cuts.append((pos, len(text)))
    return [(a, b) for a, b in cuts if text[a:b].strip()]


def _lists(text: str, places: list) -> list[list[int]]:
    """Indices of places grouped into lists (joined only by separators)."""
    out: list[list[int]] = []
    for k, p in enumerate(places):
        if out and _LIST_GAP.match(text[places[k - 1].end:p.start]):
            out[-1].append(k)
        else:
            out.append([k])
    return out


def _directional(text: str, e, pre: str) -> str | None:
    """How the place is the goal of a movement: "prep" («в Германию», "to France") or "case" (a
    case ending: Kazakh «Францияға», Turkish "Almanya'ya", Chechen/Ingush «Германе»); else None."""
    from .entities import ALLATIVE_STEMS, gazetteer_entry

    base, _, suffix = text[e.start:e.end].lower().replace("’", "'").partition("'")
    if re.search(r"(?<!\w)(?:в|во|на)\s+(?:[а-яё-]+(?:ую|юю|ое|ее|ые|ие)\s+){0,2}$", pre):  # «в (любую) Германию»
        return None if re.search(r"(?:ии|ие|е|ах|ях|ой)$", base) else "prep"  # not the locative «в Германии»
    if re.search(r"(?<!\w)(?:to|into|towards?)(?:\s+(?:the|any|a|some|another))?\s+$", pre):
        return "prep"
    if re.search(r"(?:ға|ге|қа|ке|на|не)$", base) and re.search(r"[әіңғүұқөһ]|ия", base):  # Kazakh dative
        return "case"
    if suffix and re.fullmatch(r"[yn]?[ae]", suffix):  # Turkish dative after an apostrophe
        return "case"
    if re.search(r"[aeıioöuü](?:ya|ye)$", base) and gazetteer_entry(base[:-2]) is not None:  # Almanyaya
        return "case"
    prev = re.search(r"(\w+)\s*$", pre)
    if base.startswith(ALLATIVE_STEMS) and not (prev and prev.group(1) in ("в", "во", "на", "по", "о", "к", "ко")):
        return "case"
    return None


def _asserted(cue: re.Pattern, clause: str) -> bool:
    """A cue in the clause that is not negated right before it («Германия его не примет»)."""
    return any(not _NEG_JUST_BEFORE.search(clause, 0, m.start()) for m in cue.finditer(clause))


def _hindsight(sentence: str, at: int) -> bool:
    """Hindsight about the place at `at` in the sentence: a hindsight marker with no turn to the
    present between it and the place («надо было раньше, а сейчас только Канада»: Canada counts)."""
    return any(not _NOW.search(sentence, min(m.end(), at), max(m.start(), at)) for m in _HINDSIGHT.finditer(sentence))


def _decide(text: str, lst: list, clause: tuple[int, int], sentence: tuple[str, int], comment_hostile: bool,
            following: str, follower_cue: bool) -> bool:
    head, last = lst[0], lst[-1]
    a, b = clause
    pre, post = text[max(a, head.start - 60):head.start], text[last.end:b]  # what precedes: its tail is enough
    cl = text[a:b]
    if comment_hostile or _hindsight(*sentence) or _GO_AWAY_CLAUSE.search(cl) or _GO_AWAY_PRE.search(pre):
        return False
    if _KEEP_OR_RETURN.search(cl) and not _NOT_EXTRADITING.search(cl):
        return False
    if (_NEG_BEFORE.search(pre) and not _WHY_NOT.search(pre)) or _NEG_AFTER.search(post) or _NEG_VERB.search(cl):
        return False
    if _DANGER.search(cl):
        return False
    cue = _asserted(_CUE, cl) or bool(_NOT_EXTRADITING.search(cl))
    how = _directional(text, head, pre)
    if how:  # with a cue, in a case form, or on its own («В Европу его!»)
        return not _FACT.search(cl) and (cue or how == "case" or len(_WORDS.findall(pre + post)) <= 3)
    if follower_cue and _asserted(_TAKE_IN, following):  # «Канада, приюти его!»: the next clause has no place
        return not _FACT.search(cl)
    if not (pre + post).strip(" ,.!?…-–—\n") and (len(lst) > 1 or (_REASON.search(following) and _THERE.search(following))):
        # a clause of names only («Норвегия, Исландия…») followed by what makes them safe, or a list on its own
        return not ((_KEEP_OR_RETURN.search(following) and not _NOT_EXTRADITING.search(following))
                    or _NEG_AFTER.search(following))
    return _asserted(_TAKE_IN, cl) and not _FACT.search(cl)


def _reason(text: str, clauses: list[tuple[int, int]], at: int, own: tuple[int, int], lst) -> tuple[int, int] | None:
    """The nearest clause after the proposal (else before it) that gives a reason; its span, trimmed."""
    def ok(c):
        seg = text[c[0]:c[1]]
        if c == own:  # the proposal's own clause gives a reason only after the list ("…, where he is safe")
            seg = text[lst[-1].end:c[1]]
            return _REASON.search(seg) and len(seg.split()) >= 2
        return _REASON.search(seg)
    after = [c for c in clauses[at:at + 3] if ok(c)][:1]  # the reason is given next to the proposal
    before = [c for c in clauses[max(0, at - 2):at] if ok(c)][-1:]
    for c in after + before:
        s, e = (lst[-1].end if c == own else c[0]), c[1]
        while s < e and not text[s].isalnum():
            s += 1
        while e > s and not text[e - 1].isalnum():
            e -= 1
        if e > s:
            return s, e
    return None


def _lower(text: str) -> str:
    """Lowercase with every character in its place (the rules are lowercase: faster than re.I)."""
    low = text.replace("İ", "I").lower()
    return low if len(low) == len(text) else "".join(ch.lower()[:1] or ch for ch in text)


def mark_proposals(text: str, mentions: list) -> list:
    """The mentions, with `proposed` and `reason` set on the places the comment proposes."""
    places = [m for m in mentions if m.kind in ("country", "region")]
    if not places:
        return mentions
    text = _lower(text)  # positions are unchanged, so spans are the original comment's
    clauses = _clauses(text, places)
    sentences = [(m.start(), m.end()) for m in re.finditer(r"[^.!?…\n]+", text)]
    hostile = bool(_GO_AWAY_COMMENT.search(text))
    decided = {}
    for idx in _lists(text, places):
        lst = [places[k] for k in idx]
        at = next((i for i, (a, b) in enumerate(clauses) if a <= lst[0].start < b), len(clauses) - 1)
        sent = next(((text[a:b], lst[0].start - a) for a, b in sentences if a <= lst[0].start < b), (text, lst[0].start))
        nxt = clauses[at + 1] if at + 1 < len(clauses) else (len(text), len(text))
        placeless = not any(nxt[0] <= p.start < nxt[1] for p in places)
        if _decide(text, lst, clauses[at], sent, hostile, text[nxt[0]:nxt[1]], placeless):
            why = _reason(text, clauses, at, clauses[at], lst)
            for p in lst:
                decided[p.start] = why
    return [replace(m, proposed=True, reason=decided[m.start]) if m.kind in ("country", "region") and m.start in decided
            else m for m in mentions]
