"""Engine "libretranslate": a LibreTranslate server (self-hosted or a service the user chose), JSON API."""

from __future__ import annotations

import urllib.parse

from otklik.translate import TranslationError, Translator
from otklik.translate._http import batches, check_url, is_loopback, post_json


class LibreTranslator(Translator):
    """POST {url}/translate with {"q": [texts], "source", "target", "format": "text", "api_key"?}.

    `url` is required (e.g. http://127.0.0.1:5000 for `libretranslate` run locally); `api_key` only if the
    server asks for one. Texts go in batches of `batch_size`.
    """

    name = "libretranslate"

    def __init__(self, url: str | None = None, api_key: str | None = None, timeout: float = 60.0,
                 batch_size: int = 25):
        super().__init__()
        self.url = check_url(url, "libretranslate", "http://127.0.0.1:5000 for a LibreTranslate server you run")
        self.api_key = api_key or None
        self.timeout = float(timeout)
        self.batch_size = int(batch_size)
        self.endpoint = self.url
        self.remote = not is_loopback(self.url)

    def _translate(self, texts, source, target):
        out = []
        for batch in batches(texts, self.batch_size):
            payload = {"q": batch, "source": source, "target": target, "format": "text"}
            if self.api_key:
                payload["api_key"] = self.api_key
            answer = post_json(self.url + "/translate", payload, timeout=self.timeout, what="LibreTranslate")
            if isinstance(answer, dict) and answer.get("error"):
                raise TranslationError(f"LibreTranslate at {self.url}: {answer['error']}")
            got = answer.get("translatedText") if isinstance(answer, dict) else None
            if isinstance(got, str) and len(batch) == 1:
                got = [got]
            if not isinstance(got, list) or len(got) != len(batch):
                raise TranslationError(f"LibreTranslate at {self.url} returned no list of {len(batch)} translations")
            out += [str(g) for g in got]
        return out

    def label(self, lang):
        host = urllib.parse.urlsplit(self.url).netloc
        return f"LibreTranslate ({host})"
