"""Engine "openai": any OpenAI-compatible chat-completions endpoint — typically a local llama.cpp or Ollama
server, or a hosted service the user chose. The model is asked for JSON (all texts of a batch at once);
if its answer is not a list of the right length, that batch is translated one text at a time in plain mode."""

from __future__ import annotations

import json
import re
import urllib.parse

from otklik.translate import LANGUAGE_NAMES, TranslationError, Translator
from otklik.translate._http import batches, check_url, is_loopback, post_json

JSON_PROMPT = ("You translate social media comments from {src} to {tgt} for a news report. The user sends a JSON "
               "object {{\"texts\": [...]}}. Reply with JSON only: {{\"translations\": [...]}}, exactly one "
               "translation per text, in the same order. Translate faithfully and completely; keep names, "
               "usernames, hashtags and emoji; add no comments.")
PLAIN_PROMPT = ("Translate the user's message from {src} to {tgt} for a news report. Reply with the translation "
                "only. Translate faithfully and completely; keep names, usernames, hashtags and emoji.")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


class OpenAICompatTranslator(Translator):
    """POST {url}/chat/completions with {"model", "messages", "temperature": 0}; ``Authorization: Bearer KEY``
    when `api_key` is given (a local server usually needs none).

    `url` is the API base, e.g. http://127.0.0.1:8080/v1 (llama.cpp) or http://127.0.0.1:11434/v1 (Ollama);
    a URL already ending in /chat/completions is used as is. `output` is "json" (batches) or "plain"
    (one request per text).
    """

    name = "openai"

    def __init__(self, url: str | None = None, model: str | None = None, api_key: str | None = None,
                 output: str = "json", timeout: float = 180.0, batch_size: int = 20, temperature: float = 0.0,
                 base_url: str | None = None):
        super().__init__()
        base = check_url(url or base_url, "openai", "http://127.0.0.1:8080/v1 for a local llama.cpp server")
        if not model:
            raise TranslationError("openai needs model= (the model name the endpoint serves)")
        if output not in ("json", "plain"):
            raise TranslationError(f"openai: output must be 'json' or 'plain', not {output!r}")
        self.url = base if base.endswith("/chat/completions") else base + "/chat/completions"
        self.model, self.api_key, self.output = str(model), api_key or None, output
        self.timeout, self.batch_size, self.temperature = float(timeout), int(batch_size), float(temperature)
        self.endpoint = base
        self.remote = not is_loopback(base)
        self.fallbacks = 0  # batches the model answered badly in JSON mode, redone in plain mode

    def _chat(self, system: str, user: str) -> str:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        payload = {"model": self.model, "temperature": self.temperature,
                   "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
        answer = post_json(self.url, payload, headers=headers, timeout=self.timeout, what="chat endpoint")
        try:
            content = answer["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise TranslationError(f"chat endpoint at {self.endpoint} returned no choices[0].message.content") from None
        if not isinstance(content, str):
            raise TranslationError(f"chat endpoint at {self.endpoint} returned non-text content")
        return content.strip()

    def _translate(self, texts, source, target):
        src, tgt = LANGUAGE_NAMES.get(source, source), LANGUAGE_NAMES.get(target, target)
        out = []
        for batch in batches(texts, self.batch_size if self.output == "json" else 1):
            got = None
            if self.output == "json":
                reply = self._chat(JSON_PROMPT.format(src=src, tgt=tgt),
                                   json.dumps({"texts": batch}, ensure_ascii=False))
                got = _parse_list(reply, len(batch))
                if got is None:
                    self.fallbacks += 1
            if got is None:
                got = [self._chat(PLAIN_PROMPT.format(src=src, tgt=tgt), text) for text in batch]
            out += got
        return out

    def label(self, lang):
        host = urllib.parse.urlsplit(self.endpoint).netloc
        if lang == "ru":
            return f"языковой модели {self.model} ({host})"
        return f"the language model {self.model} ({host})"


def _parse_list(reply: str, n: int) -> list[str] | None:
    """The translations in a JSON reply, or None when it is not a list of `n` strings."""
    try:
        data = json.loads(_FENCE.sub("", reply.strip()))
    except ValueError:
        return None
    if isinstance(data, dict):
        data = data.get("translations")
    if isinstance(data, list) and len(data) == n and all(isinstance(x, str) for x in data):
        return data
    return None
