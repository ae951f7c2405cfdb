"""Is a comment in a case's thread about the case? The thread is the context the model lacks.

People commenting under a post about a detention rarely repeat the detainee's name: «не выдавайте
его», "send him to Germany", «оны бермеңдер». A model that looks for the name (trained on news,
where the entity is always named) calls those "not about the target". Under a post about the
case, a comment that refers to a third person, uses the case's vocabulary (extradition, asylum,
torture, court), or names the subject is about the case; spam and greetings are not; the rest is
left to the model.
"""

from __future__ import annotations

import re

VERSION = "1"

_REFERENCE = re.compile(
    r"(?<!\w)(?:его|ему|него|нему|ним|нём|он|парн\w*|человек\w*|брат\w*|him|he|his|guy|man|"
    r"оны|оған|онымен|ол|иза|цунна|цуьнан|цо|вашас?)(?!\w)", re.I)
_CASE_WORDS = re.compile(
    r"(?<!\w)(?:выда\w*|выдач\w*|экстрад\w*|депорт\w*|убежищ\w*|беженц\w*|пытк\w*|пыта\w*|суд\w*|арест\w*|"
    r"задерж\w*|розыск\w*|преслед\w*|свобод\w*|оон|кпч|еспч|комисси\w*|адвокат\w*|правозащит\w*|"
    r"extradit\w*|deport\w*|asylum|refugee\w*|tortur\w*|persecut\w*|court|detain\w*|free|"
    r"бермең\w*|жібер\w*|пана|қайтар\w*|ресей\w*|чечн\w*|шешен\w*|грозн\w*|казахстан\w*|қазақстан\w*|"
    r"аллах\w*|дала|allah)(?!\w)", re.I)
_SPAM = re.compile(
    r"подписыв\w*|подпишись|переходи\w* по ссылке|заработ\w*|скидк\w*|реклам\w*|в директ|в профил\w*|"
    r"мой канал|мой профил\w*|follow me|check my|promo|giveaway|розыгрыш\w*|бесплатн\w*|крипт\w*", re.I)


def case_relevance(text: str, mentions_subject: bool) -> bool | None:
    """True: about the case; False: not (spam, ads); None: the thread gives no evidence."""
    if _SPAM.search(text):
        return False
    if mentions_subject or _REFERENCE.search(text) or _CASE_WORDS.search(text):
        return True
    return None
