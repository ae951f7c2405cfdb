"""Engine "deepl": the DeepL API with the user's own authentication key."""

from __future__ import annotations

from otklik.translate import TranslationError, Translator
from otklik.translate._http import batches, check_url, is_loopback, post_json

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL wants a regional variant for these targets; the outlet can choose another with target_lang=
_TARGET_VARIANTS = {"en": "EN-US", "pt": "PT-PT"}


class DeepLTranslator(Translator):
    """POST {url}/v2/translate, header ``Authorization: DeepL-Auth-Key KEY``, JSON {"text": [...], "target_lang"}.

    The key is required: it is the user's explicit choice to send quotes to DeepL. The endpoint follows
    the key — free-plan keys end in ":fx" and go to the free API, others to the pro API — unless `url`
    names another (a proxy, or a test server).
    """

    name = "deepl"
    remote = True

    def __init__(self, auth_key: str | None = None, url: str | None = None, timeout: float = 60.0,
                 target_lang: str | None = None, formality: str | None = None, batch_size: int = 50):
        super().__init__()
        if not auth_key:
            raise TranslationError("deepl needs auth_key= (your DeepL API authentication key); without it nothing "
                                   "is sent to DeepL")
        self.auth_key = str(auth_key)
        default = FREE_URL if self.auth_key.endswith(":fx") else PRO_URL
        self.url = check_url(url or default, "deepl", default)
        self.endpoint = self.url
        self.remote = not is_loopback(self.url)
        self.timeout = float(timeout)
        self.target_lang = target_lang
        self.formality = formality
        self.batch_size = min(int(batch_size), 50)  # DeepL takes at most 50 texts per request

    def _translate(self, texts, source, target):
        target_lang = self.target_lang or _TARGET_VARIANTS.get(target, target.upper())
        out = []
        for batch in batches(texts, self.batch_size):
            payload = {"text": batch, "source_lang": source.split("-")[0].upper(), "target_lang": target_lang}
            if self.formality:
                payload["formality"] = self.formality
            answer = post_json(self.url + "/v2/translate", payload, timeout=self.timeout, what="DeepL",
                               headers={"Authorization": f"DeepL-Auth-Key {self.auth_key}"})
            got = answer.get("translations") if isinstance(answer, dict) else None
            if not isinstance(got, list) or len(got) != len(batch):
                raise TranslationError(f"DeepL at {self.url} returned no list of {len(batch)} translations")
            out += [str(t.get("text", "")) for t in got]
        return out

    def label(self, lang):
        return "DeepL"
