"""Text helpers of the theme stage: content lemmas (for keywords) and the readable spans a
theme title or a quote may be cut from. Nothing here decides which comments belong together:
lemmas are language-specific, so letting them group comments would group them by language."""

from __future__ import annotations

import re
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

RUSSIAN_STOPWORDS = frozenset(
    """и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только ее её мне было вот
    от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
    вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто
    чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем
    чтобы нее неё сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот
    через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том
    нельзя такой им более всегда конечно всю между это весь свой мочь который наш ваш вся очень просто ещe вообще
    просто также тоже либо пусть б бы ли же вот ага это эта эти этот оно его ее их твой""".split()
)
# Kazakh and Chechen function words (pronouns in their cases, particles, auxiliaries, "need",
# "here/there"): without them theme labels read «оны, керек» ("him, need") or «иза, цигахь» ("he, there").
KAZAKH_STOPWORDS = frozenset(
    """және мен бен пен да де та те бұл ол осы сол не сен біз сіз олар үшін деп ғой ма ме ба бе па пе оны оған
    онда одан оның мені маған менің сені саған сенің бізге бізді біздің сізге сізді сіздің оларға оларды олардың
    мұны мұнда сонда соны осыны ғана әлі енді қазір бар жоқ емес еді екен болып болады болса болған бір барлық кім
    қалай неге нені қашан тағы керек өз өзі өзін өзінің сияқты туралы бірақ немесе яғни дейін кейін соң""".split())
CHECHEN_STOPWORDS = frozenset(
    """и иза цо цуьнан цунна уьш церан со суна сан хьо хьуна хьан вай вайн тхо тхуна шу шуна шун ду бу ю ву дац ма
    цхьа хӏара иштта кхузахь цигахь дерриге хӏун муха""".split())
STOPWORDS = RUSSIAN_STOPWORDS | KAZAKH_STOPWORDS | CHECHEN_STOPWORDS | frozenset(ENGLISH_STOP_WORDS)

# Words: letters (any script, incl. Chechen palochka Ӏ) with inner hyphens/apostrophes.
_WORD = re.compile(r"[^\W\d_](?:[\w'ʼ’Ӏӏ-]*[^\W_])?", re.UNICODE)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"[@#]\w+")


from otklik.morph import morph as _morph  # noqa: E402 (the one shared analyzer)


@lru_cache(maxsize=200_000)
def _russian_lemma(word: str) -> str:
    return _morph().parse(word)[0].normal_form.replace("ё", "е")


def content_lemmas(text: str, lang: str | None) -> list[str]:
    """Content words of `text` as lemmas: pymorphy3 normal forms for Russian, lowercase
    tokens for other languages; URLs, mentions, stopwords and 1-letter words dropped."""
    text = _MENTION.sub(" ", _URL.sub(" ", text))
    out = []
    for m in _WORD.finditer(text):
        w = m.group().lower().strip("-'ʼ’")
        if lang == "ru":
            w = _russian_lemma(w)
        if len(w) > 1 and w not in STOPWORDS:
            out.append(w)
    return out




# A sentence: up to and including its closing punctuation (or the end of the text / a line).
_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|$)", re.MULTILINE)
# A clause inside a sentence: split at , ; : and dashes.
_CLAUSE = re.compile(r"[^,;:—–\n]+")
_LINKISH = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|<url>")
# a mention with the dots, hyphens and digits handles carry (@anna.8810, @zakon_i_poryadok_77): a
# title overlapping one would start with or contain its leftover («8810 Все подробности…»)
_MENTION_SPAN = re.compile(r"@[\w.\-]*\w")
_HANDLE = re.compile(r"\w*_\w*|\b[^\W\d_]+\d+\w*")  # user names (khas_92, user123) make no title
_TRIM = " \t\n.,;:!?…—–-\"'«»()[]"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past surrounding spaces, punctuation and quote marks."""
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


def title_spans(text: str, min_words: int = 2, max_words: int = 12, max_chars: int = 90) -> list[tuple[int, int]]:
    """Candidate title spans of `text`, as (start, end) offsets: its sentences, and the clauses
    of a sentence that is too long, trimmed of punctuation; each has `min_words`..`max_words`
    words, mostly letters, and no link, no mention and no piece of one. In text order."""
    out = []
    mentions = [m.span() for m in _MENTION_SPAN.finditer(text)]
    for m in _SENTENCE.finditer(text):
        parts = [(m.start(), m.end())]
        s, e = _trim(text, *parts[0])
        if len(_WORD.findall(text[s:e])) > max_words or e - s > max_chars:
            parts = [(m.start() + c.start(), m.start() + c.end()) for c in _CLAUSE.finditer(m.group())]
        for a, b in parts:
            s, e = _trim(text, a, b)
            span = text[s:e]
            words = _WORD.findall(span)
            if not (min_words <= len(words) <= max_words) or e - s > max_chars or _LINKISH.search(span) \
                    or _HANDLE.search(span) or any(a < e and s < b for a, b in mentions):
                continue
            visible = [c for c in span if not c.isspace()]
            if sum(c.isalpha() for c in visible) >= 0.7 * len(visible):
                out.append((s, e))
    return out
