"""Target-aware features for stance: where the target is mentioned, what surrounds it, cue phrases.

Why: stance is toward a SUBJECT, not the text's tone. A sentence can praise one entity and blame
another, and a comment can be full of fear ("его там убьют") while standing with the subject.
So the model looks at (a) the words around the target's mention, (b) the whole text, and
(c) cue phrases whose direction toward the subject is known, with negation taken into account
("не выдавайте" supports, "не террорист" defends, "не помогайте" turns against).

Everything here is plain Python + regexes: no model weights, fast enough for 10k comments/s.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

WORD_RE = re.compile(r"[\w'’-]+", re.UNICODE)
CYR_RE = re.compile(r"[а-яё]", re.IGNORECASE)

# A target with more words than this is a claim ("masks are good for society"): its "mention" is
# a topic word, and the window is the whole text.
CLAIM_MIN_WORDS = 4
WINDOW_WORDS = 6  # words kept on each side of a mention
MAX_WINDOWS = 3   # mentions used to build the target-context window

STOP = set("""
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас
нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем
была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем
ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец
два об другой хоть после над больше тот через эти нас про всего них какая много разве три эту моя
впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между
полезно полезен полезна общества обществу пользу приносит
the a an of to in on for and or is are be should we it that this with as by at from not no its
their they them our us his her he she you your was were has have had will would can could
""".split())

# Words that report someone else's label: «его называют террористом», "accused of", «якобы
# экстремист». A hostile cue right after them is the accuser's word, not the commenter's.
REPORTERS = {"называют", "назвали", "называет", "обвиняют", "обвинили", "обвиняет", "объявили", "якобы",
             "считают", "признали", "записали", "accused", "called", "labelled", "labeled", "branded",
             "so-called", "alleged", "allegedly"}

NEGATORS = {"не", "нет", "ни", "без", "not", "no", "never", "dont", "don't", "nobody", "nothing",
            "isn't", "aren't", "wasn't", "doesn't", "didn't", "won't", "cannot", "can't", "stop", "нельзя"}

# Cue phrases by direction toward the subject. Stems are matched at a word start; multi-word
# phrases are matched as written. Negated forms that are cues in themselves come first and are
# never flipped ("не выдавайте" supports the subject).
SUPPORT_FIXED = [
    r"не\s+выда", r"не\s+депорт", r"не\s+отдава", r"не\s+отдадим", r"не\s+возвраща", r"не\s+экстради",
    r"не\s+высыла", r"не\s+высылайте", r"не\s+отправля", r"не\s+отдавайте", r"не\s+бросим",
    r"не\s+винов", r"ни\s+в\s+ч[её]м\s+не\s+винов", r"не\s+преступни", r"не\s+террорист",
    r"не\s+экстремист", r"не\s+один", r"не\s+одна", r"мы\s+с\s+(?:тобой|вами|ним|ней)",
    r"(?:все|вся\s+\w+)\s+(?:с|за)\s+(?:тобой|тебя|вами|вас)",
    # "you must not hand him over": нельзя + a hostile verb stands with the subject
    r"нельзя\s+(?:\w+\s+){0,2}?(?:выда|отда|депорт|высыл|возвращ|отправл|экстрад)",
    # fear of what follows a hand-over: «если его выдадут», «если их вернут»
    r"если\s+(?:\w+\s+){0,2}?(?:выдад|верн|отправ|депорт|вышл|экстрад)",
    r"don'?t\s+(?:deport|extradite|send\s+\w+\s+back|hand\s+\w+\s+over)",
    r"do\s+not\s+(?:deport|extradite|send\s+\w+\s+back|hand\s+\w+\s+over)",
    r"must\s+not\s+be\s+(?:deported|extradited|sent\s+back)", r"stop\s+(?:the\s+)?(?:deportation|extradition)",
    r"if\s+(?:\w+\s+){0,2}?(?:send|deport|extradit|return)", r"not\s+a\s+(?:terrorist|criminal)", r"not\s+guilty", r"no\s+to\s+extradition", r"no\s+extradition",
    r"no\s+deportations?", r"stand\s+with", r"is\s+not\s+a\s+crime",
    # Kazakh negation follows the word: "not a criminal", "not alone"
    r"(?:қылмыскер|террорист|кінәлі|жалғыз)\s+емес",
]
HOSTILE_FIXED = [r"пусть\s+сид", r"так\s+(?:ему|ей|им)\s+и\s+надо", r"туда\s+(?:ему|ей|им)\s+и\s+дорога",
                 r"закон\s+есть\s+закон", r"так\s+и\s+надо", r"одним\s+\w+\s+меньше",
                 # praise of those who detained him is hostility toward him
                 r"(?:спасибо|молодцы|благодарю|респект)\s+(?:\w+\s+)?(?:полици|силовик|фсб|мвд|власт|суд|пограничн)",
                 r"правильно\s+(?:что\s+|всё\s+|все\s+)?(?:сделал|задерж|выдал|выслал|посадил|делает|вернул)", r"сам(?:а|и)?\s+винова", r"сам(?:а|и)?\s+выбрал",
                 r"нечего\s+(?:\w+\s+)?жале", r"пусть\s+(?:\w+\s+){0,2}?отвеча", r"по\s+заслугам",
                 r"lock\s+(?:him|her|them)\s+up", r"rot\s+in", r"good\s+riddance", r"send\s+(?:him|her|them)\s+(?:back|home)",
                 r"no\s+sympathy", r"rules\s+are\s+rules",
                 # Kazakh: "must be returned", "let him answer (in his country)"
                 r"қайтару\s+керек", r"жауап\s+берсін"]
SUPPORT = [
    "отпуст", "освобод", "свобод", "помоги", "помогит", "помож", "помога", "помощь", "спаси", "спасит",
    "спасать", "защит", "защищ", "держись", "держитесь", "крепись", "поддерж", "невинов", "сочувств", "жалко",
    "жаль", "жалеть", "молюсь", "молимся", "молись", "помолимся", "дай бог", "боже", "аллах", "да поможет",
    "сохрани", "справедлив", "герой", "молодец", "уважа", "убежищ", "солидар", "верните", "остановите",
    "free", "release", "help", "save", "support", "innocent", "pray", "justice for", "hero", "brave",
    "solidarity", "asylum", "protection", "🙏",
    # Kazakh: don't hand over / don't send / don't return, release, protect, help, innocent, freedom,
    # "may God keep him", "may he be safe", shelter
    "бермең", "бермеңіз", "бермейміз", "жібермең", "жібермеңіз", "қайтармаң", "қайтармаңыз", "босат",
    "қорғаңыз", "қорғаң", "көмектес", "кінәсіз", "бостандық", "сақтасын", "аман болсын", "жар болсын",
    "баспана", "құтқар", "дұға", "әділетсіз",
    # Chechen: God (Дела/Дала) help / keep / grant freedom; "you are not alone"; Tajik "God keep"
    "гӏо", "гіо", "г1о", "кхобийла", "маршо", "ларйойла", "аьтто", "цхьаъ вац", "нигаҳдор",
]
CONCERN = [
    "убьют", "убьёт", "убьет", "пытк", "пытают", "пытать", "будут пыт", "замуча", "замучают", "погибн",
    "на смерть", "верная смерть", "смертельн", "расправ", "преследу", "посадят", "сгно", "бедн", "грозит",
    "угрож", "в опасности", "опасност", "страшно", "боюсь", "не выживет", "не выжив", "сломают",
    "исчезн", "пропадет", "сердце разрыва", "беспредел", "в безопасн", "там безопасно",
    "kill him", "killed", "kill her", "tortur", "persecut", "danger", "will die", "at risk", "scared for",
    "disappear", "safe country", "somewhere safe", "anywhere safe", "keep him safe",
    # Kazakh: kill, torture, torment, danger, jail him, fear; Chechen: (they) will kill
    "өлтір", "азапта", "қина", "қауіп", "түрмеге", "қорқынышты", "жаным ауыр", "вуьйр",
]
HOSTILE = [
    "террорист", "преступник", "бандит", "боевик", "экстремист", "предател", "посадить", "сажать",
    "выдать", "выдайте", "выдавайте", "выслать", "депортир", "мразь", "тварь", "уголовник", "ваххабит",
    "шайтан", "сидеть должен", "заслужил", "поделом", "провокатор", "иноагент", "мошенник", "нелегал",
    "terrorist", "criminal", "traitor", "deport him", "extradite him", "deserve", "thug", "scum",
    "security threat", "fake refugee",
    # Kazakh: criminal, swindler, "don't protect him"
    "қылмыскер", "алаяқ", "қорғамаң",
]
POSITIVE = [
    "хорош", "прекрасн", "отличн", "лучш", "успе", "побед", "люблю", "любим", "спасибо", "благодар",
    "good", "great", "best", "love", "thank", "win", "proud", "glory", "slava", "слава",
    "peace", "hope", "welcome", "correct", "right", "agree", "benefit", "польз", "правильно",
    "согласен", "согласна", "нужн", "необходим", "эффективн", "effective", "protect",
]
NEGATIVE = [
    "плох", "ужас", "кризис", "обвин", "скандал", "провал", "коррупц", "санкц", "агресс", "воры",
    "ворует", "лжец", "бред", "глуп", "позор", "хуже", "вред", "опасн", "бесполез", "смысла нет",
    "bad", "evil", "crime", "lie", "liar", "corrupt", "hate", "stupid", "shame", "disgust",
    "terrible", "worst", "invad", "aggress", "murder", "genocide", "nazi", "war crime", "harm",
    "useless", "pointless", "dangerous", "wrong", "against", "против", "ложь", "лжет", "врут", "вран",
]


def _stem_regex(cues: list[str]) -> re.Pattern:
    parts = sorted((re.escape(c).replace(r"\ ", r"\s+") for c in cues), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", re.IGNORECASE)


_FIXED_SUPPORT_RE = re.compile("|".join(SUPPORT_FIXED), re.IGNORECASE)
_FIXED_HOSTILE_RE = re.compile("|".join(HOSTILE_FIXED), re.IGNORECASE)
_CUE_RES = {name: _stem_regex(lst) for name, lst in
            (("support", SUPPORT), ("concern", CONCERN), ("hostile", HOSTILE),
             ("positive", POSITIVE), ("negative", NEGATIVE))}
_FLIP = {"support": "hostile", "hostile": "support", "positive": "negative", "negative": "positive",
         "concern": None}
CUE_NAMES = ("support", "concern", "hostile", "positive", "negative")


def cue_counts(text: str) -> dict[str, int]:
    """Count cue phrases by direction, negation-aware.

    Fixed negated phrases are matched first and blanked out; then a stem cue preceded by a
    negator within three words of the same clause counts for the opposite direction ("не плохой"
    is positive), and a hostile cue right after a reporting word («называют») is not counted.
    """
    return dict(zip(CUE_NAMES, _cue_counts(text)))


@lru_cache(maxsize=1 << 15)
def _cue_counts(text: str) -> tuple[int, ...]:
    # cached: featurize asks for the same window twice (hand features and the cue shift)
    counts = dict.fromkeys(CUE_NAMES, 0)
    low = text.lower().replace("ё", "е")
    for rx, name in ((_FIXED_SUPPORT_RE, "support"), (_FIXED_HOSTILE_RE, "hostile")):
        for _ in rx.finditer(low):
            counts[name] += 1
        low = rx.sub(lambda m: " " * len(m.group(0)), low)
    for name, rx in _CUE_RES.items():
        for m in rx.finditer(low):
            # up to three words back within the same clause: «не надо его защищать»
            clause = re.split(r"[.,!?;:]", low[max(0, m.start() - 30):m.start()])[-1]
            before = WORD_RE.findall(clause)[-3:]
            if name == "hostile" and any(w in REPORTERS for w in before):
                continue
            if any(w in NEGATORS for w in before):
                flipped = _FLIP[name]
                if flipped:
                    counts[flipped] += 1
            else:
                counts[name] += 1
    return tuple(counts[n] for n in CUE_NAMES)


@dataclass(frozen=True)
class TargetSpec:
    """Whom or what the stance is about.

    name: the subject ("Мансур Мовлаев") or a claim ("Вакцинация полезна для общества").
    aliases: other spellings and keywords (Latin transliterations, nicknames, topic stems).
    start/end: char offsets of the mention in the text, when the caller knows them (end exclusive).
    """

    name: str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    start: int | None = None
    end: int | None = None

    @property
    def is_claim(self) -> bool:
        return len(WORD_RE.findall(self.name)) >= CLAIM_MIN_WORDS

    @property
    def embed_text(self) -> str:
        """What to embed for the target itself: its name (aliases only when there is no name)."""
        return self.name or (self.aliases[0] if self.aliases else "")


def _stem(word: str) -> str:
    """A crude prefix stem so that inflected forms match (Мовлаев → Мовлаева, Russia → Russian)."""
    w = word.lower().replace("ё", "е")
    if len(w) < 5:
        return w
    cut = 2 if CYR_RE.search(w) else 1
    return w[:max(4, len(w) - cut)]


_PATTERN_CACHE: dict[tuple, re.Pattern | None] = {}


def target_pattern(target: TargetSpec) -> re.Pattern | None:
    """A regex matching the target's name words and aliases at word starts (cached per target)."""
    key = (target.name, target.aliases)
    if key in _PATTERN_CACHE:
        return _PATTERN_CACHE[key]
    stems = set()
    for a in target.aliases:
        a = a.strip()
        if a:
            stems.add(_stem(a) if " " not in a else a.lower())
    name_words = [w for w in WORD_RE.findall(target.name) if w.lower() not in STOP and len(w) >= 3]
    if not target.is_claim or not stems:
        stems.update(_stem(w) for w in name_words)
    if not stems:
        _PATTERN_CACHE[key] = None
        return None
    alts = sorted((re.escape(s).replace(r"\ ", r"\s+") for s in stems), key=len, reverse=True)
    rx = re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")", re.IGNORECASE)
    if len(_PATTERN_CACHE) > 10000:
        _PATTERN_CACHE.clear()
    _PATTERN_CACHE[key] = rx
    return rx


def find_mentions(text: str, target: TargetSpec) -> list[tuple[int, int]]:
    """Char spans where the target is mentioned: the given offsets, else name/alias matches."""
    if target.start is not None and target.end is not None and 0 <= target.start < target.end <= len(text):
        return [(target.start, target.end)]
    rx = target_pattern(target)
    if rx is None:
        return []
    low = text.replace("ё", "е").replace("Ё", "Е")
    return [(m.start(), m.end()) for m in rx.finditer(low)]


def context_window(text: str, spans: list[tuple[int, int]], words: int = WINDOW_WORDS) -> str:
    """The words around the first few mentions, joined: what the text says near the target."""
    if not spans:
        return text
    toks = [(m.start(), m.end()) for m in WORD_RE.finditer(text)]
    if len(toks) <= 2 * words + 2:
        return text
    pieces, last_end = [], -1
    for s, e in spans[:MAX_WINDOWS]:
        i = next((k for k, (a, b) in enumerate(toks) if b > s), len(toks) - 1)
        j = next((k for k, (a, b) in enumerate(toks) if b >= e), i)
        lo, hi = max(0, i - words), min(len(toks) - 1, j + words)
        a, b = toks[lo][0], toks[hi][1]
        if a <= last_end and pieces:  # overlapping windows merge
            pieces[-1] = (pieces[-1][0], max(pieces[-1][1], b))
        else:
            pieces.append((a, b))
        last_end = pieces[-1][1]
    return " … ".join(text[a:b] for a, b in pieces)


N_HASH = 4096  # hashed lexical features (stem unigrams and bigrams near the target)
TARGET_TOKEN = "<t>"
NEAR_WORDS = 3
_SENT_RE = re.compile(r"[.!?;…\n]+(?:\s|$)|\s[-–—]\s")
_MARK = "qqtargetqq"  # a word that stands for the masked mention while tokenising


def lexical_hashes(text: str, spans: list[tuple[int, int]], is_claim: bool,
                   words: int = WINDOW_WORDS) -> list[int]:
    """Hashed word features of what the text says near the target, the target itself masked.

    Why: USE embeddings blur the few words that carry the direction («обвинил», «спасли»,
    "war criminal"); stems and stem bigrams keep them, and masking the mention makes the same
    word near "Russia" and near "Ukraine" count for whichever target it is next to. Claim
    targets use the whole text. Stable hashes (crc32), so features do not depend on the process.
    """
    sents = [[TARGET_TOKEN if t == _MARK else _stem(t) for t in sent]
             for sent in _masked_sentences(text, spans, is_claim)]
    toks = [t for sent in sents for t in sent]
    if not spans or is_claim:
        return _hashed(_grams(toks))
    at = [i for i, t in enumerate(toks) if t == TARGET_TOKEN][:MAX_WINDOWS]
    keep = sorted({j for i in at for j in range(max(0, i - words), min(len(toks), i + words + 1))})
    feats = _grams([toks[j] for j in keep])
    # Target-specific views, so that two actors in one short text get different features:
    # the words right next to the mention, and the words of the mention's own sentence(s).
    feats |= {"n:" + toks[j] for i in at for j in range(max(0, i - NEAR_WORDS), min(len(toks), i + NEAR_WORDS + 1))}
    feats |= {"s:" + t for sent in sents if TARGET_TOKEN in sent for t in sent}
    return _hashed(feats)


def _masked_sentences(text: str, spans: list[tuple[int, int]], is_claim: bool) -> list[list[str]]:
    """The text's words by sentence, each mention of an entity target replaced by _MARK."""
    if spans and not is_claim:
        pieces, pos = [], 0
        for s, e in sorted(spans):
            while e < len(text) and (text[e].isalnum() or text[e] == "_"):  # the rest of the word
                e += 1
            if s >= pos:
                pieces += [text[pos:s], f" {_MARK} "]
                pos = e
        text = "".join(pieces) + text[pos:]
    return [WORD_RE.findall(piece) for piece in _SENT_RE.split(text)]


def context_words(text: str, spans: list[tuple[int, int]], is_claim: bool,
                  words: int = NEAR_WORDS) -> list[list[str]]:
    """Lower-cased content words [up to `words` before the mention, up to `words` after it, in
    its sentence(s)], the mention itself masked, stopwords left out (navec_features.NAVEC_BLOCKS):
    two actors in one sentence get different left/right words. A claim, or a text that does not
    name its target, gives the whole text for every block."""
    sents = [[t.lower() for t in sent] for sent in _masked_sentences(text, spans, is_claim)]
    toks = [t for sent in sents for t in sent]
    at = [i for i, t in enumerate(toks) if t == _MARK][:MAX_WINDOWS] if spans and not is_claim else []
    if not at:
        if spans or is_claim:  # a claim: the whole text argues it
            allw = [t for t in toks if t not in STOP]
            return [allw, allw, allw]
        return [[], [], []]  # an unnamed subject: no context to localise, the USE text embedding covers it
    left = sorted({j for i in at for j in range(max(0, i - words), i)})
    right = sorted({j for i in at for j in range(i + 1, min(len(toks), i + words + 1))})
    def ok(t: str) -> bool:
        return t != _MARK and t not in STOP

    return [[toks[j] for j in left if ok(toks[j])], [toks[j] for j in right if ok(toks[j])],
            [t for sent in sents if _MARK in sent for t in sent if ok(t)]]


def _grams(toks: list[str]) -> set[str]:
    return set(toks) | {a + " " + b for a, b in zip(toks, toks[1:])}


def _hashed(feats: set[str]) -> list[int]:
    return sorted({zlib.crc32(f.encode()) % N_HASH for f in feats})


def mention_sentences(text: str, spans: list[tuple[int, int]]) -> str:
    """The sentences that mention the target, joined (the text itself when it is one sentence or
    the target is not named): an advocacy cue in another sentence may be about another actor
    («Putin is a war criminal. I support Ukraine»)."""
    if not spans:
        return text
    out, pos = [], 0
    for m in list(_SENT_RE.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        if any(pos <= s < end for s, _ in spans):
            out.append(text[pos:end])
        pos = m.end() if m else pos
    return " … ".join(out) if out else text


def _clip(x: int) -> float:
    return float(min(x, 2))


def cue_features(text: str, window: str, target: TargetSpec, n_mentions: int) -> np.ndarray:
    """Hand features: cue counts in the window and the whole text, mention and shape signals."""
    cw = cue_counts(window)
    ct = cue_counts(text) if window is not text else cw
    feats = [_clip(cw[n]) for n in CUE_NAMES] + [_clip(ct[n]) for n in CUE_NAMES]
    feats += [
        1.0 if n_mentions else 0.0,
        _clip(n_mentions),
        1.0 if target.is_claim else 0.0,
        1.0 if "?" in text else 0.0,
        1.0 if "!" in text else 0.0,
        math.log1p(len(WORD_RE.findall(text))) / 4.0,
    ]
    return np.asarray(feats, dtype=np.float32)


N_HAND = 16  # length of cue_features()


def case_cue_score(window: str) -> float:
    """Net direction of explicit advocacy/hostility cues near the subject: >0 for, <0 against.

    Concern for the subject's safety counts as support: "его там убьют" stands with him.
    """
    c = cue_counts(window)
    return float(c["support"] + c["concern"] - c["hostile"])
