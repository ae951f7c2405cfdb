"""Stance backends, one interface chosen by configuration: the shipped thread-stance model
("default"), and two optional ones, a local zero-shot NLI model ("nli") and an OpenAI-compatible
chat endpoint ("llm"). The optional ones are off by default and chosen with ``{"stance": {"backend": "nli"|"llm", ...}}``.

Why optional: the default install stays torch-free and sends nothing anywhere. A newsroom that has
an NLI model on disk, or runs its own llama.cpp / Ollama / vLLM server, can swap one in behind the
same interface as the shipped model: ``fn(ctx, items, labelled) -> [{label, relevant, confidence}]``
with label +1 (supportive / concerned for the subject), -1 (hostile), 0 (about the case, neither),
or None with relevant=False (not about the case).

Privacy: the NLI backend never downloads (HF_HUB_OFFLINE=1, local_files_only=True, and the model
directory must exist). The LLM backend has no default URL: comments leave the machine only for an
endpoint the user wrote into the configuration. Its key is given by the name of the environment
variable that holds it, ``stance.api_key_env``: the configuration files refuse a literal key, and
the stance configuration is recorded in the run's provenance, which must hold no secret (a backend
declares its secret options, ``@stance_backend(name, sensitive=(...))``, and they are masked).
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .stages.base import CommentView, Context

__all__ = ["STANCE_BACKENDS", "stance_backend", "nli_hypotheses", "nli_label_ids", "nli_decide", "nli_stance", "llm_stance", "parse_llm_results", "LLMError"]


STANCE_BACKENDS: dict[str, Callable] = {}


def stance_backend(name: str, sensitive: tuple[str, ...] = ()):
    """Register `fn(ctx, items, labelled)` as the stance backend `name`; `sensitive` names its
    options that are secrets (masked wherever the configuration is recorded)."""
    def wrap(fn):
        fn.sensitive = tuple(sensitive)
        STANCE_BACKENDS[name] = fn
        return fn
    return wrap


@stance_backend("default")
def _default_stance(ctx: Context, items: list[CommentView], labelled: list[tuple[CommentView, int | None]]):
    """The offline thread-stance model shipped in the package (`thread_stance.py`): stance toward
    the case's subject with its four class probabilities, which the review queue and the share
    estimates read. The case's editor labels refit it first (`thread_stance.adapt`)."""
    from .stance_features import TargetSpec
    from .thread_stance import CLASSES, LABELS, adapt, default_model, featurize

    model = default_model()
    target = TargetSpec(ctx.case["subject"], tuple(ctx.case["aliases"]))
    if labelled:
        model = adapt(model, featurize([c.ann["normal"]["text"] for c, _ in labelled], target, ctx.embedder()),
                      [v for _, v in labelled])
    # the working text: the same strings the themes stage embeds, so each is encoded once
    P = model.predict_proba(featurize([c.ann["normal"]["text"] for c in items], target, ctx.embedder()))
    out = []
    for p in P:
        k = int(p.argmax())
        out.append({"label": LABELS[k], "relevant": LABELS[k] is not None, "confidence": round(float(p[k]), 4),
                    "probs": {c: round(float(v), 4) for c, v in zip(CLASSES, p)}})
    return out


def _text(c: CommentView) -> str:
    """The working text (URLs and @mentions masked) when the pipeline made it, else the raw text."""
    return (c.ann.get("normal") or {}).get("text") or c.text


def _lang(c: CommentView) -> str:
    return (c.ann.get("language") or {}).get("lang") or "und"


# ------------------------------------------------------------------ NLI

# The subject stays in the nominative in every template: names are not declined automatically,
# and «Автор сочувствует Мударов Ильяс» reads worse to an NLI model than a sentence where the
# name is the grammatical subject. Other languages (kk, ce, und...) fall back to `fallback_lang`:
# multilingual NLI models handle a Russian hypothesis over a Kazakh or mixed premise better than
# hypotheses we cannot write idiomatically.
NLI_HYPOTHESES: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {
        "support": ("{subject} вызывает у автора сочувствие, автор беспокоится о его судьбе.",
                    "Автор считает, что {subject} невиновен и его нужно защитить."),
        "against": ("{subject} вызывает у автора враждебность и неприязнь.",
                    "Автор считает, что {subject} виновен и должен понести наказание."),
        "relevant": ("Комментарий о деле, в котором фигурирует {subject}.",),
    },
    "uk": {
        "support": ("{subject} викликає в автора співчуття, автор турбується про його долю.",
                    "Автор вважає, що {subject} невинний і його треба захистити."),
        "against": ("{subject} викликає в автора ворожість і неприязнь.",
                    "Автор вважає, що {subject} винний і має бути покараний."),
        "relevant": ("Коментар про справу, у якій фігурує {subject}.",),
    },
    "en": {
        "support": ("The author supports {subject} and worries about what will happen to them.",
                    "The author thinks {subject} is innocent and must be protected."),
        "against": ("The author is hostile to {subject}.",
                    "The author thinks {subject} is guilty and should be punished."),
        "relevant": ("The comment is about {subject} and their case.",),
    },
}
KINDS = ("support", "against", "relevant")

_NLI_CACHE: dict[str, tuple] = {}


def nli_hypotheses(lang: str, subject: str, cfg: dict | None = None) -> dict[str, list[str]]:
    """Hypotheses for one comment language, by kind, with the subject filled in.

    ``cfg["hypotheses"]`` may override or add languages ({lang: {kind: [template, ...]}});
    languages without templates use ``cfg["fallback_lang"]`` (default "ru")."""
    cfg = cfg or {}
    table = {**NLI_HYPOTHESES, **(cfg.get("hypotheses") or {})}
    fallback = cfg.get("fallback_lang", "ru")
    tpl = table.get(lang) or table[fallback]
    out = {}
    for kind in KINDS:
        if not tpl.get(kind):
            raise ValueError(f"NLI hypotheses for {lang!r} have no {kind!r} templates")
        out[kind] = [t.format(subject=subject) for t in tpl[kind]]
    return out


def nli_label_ids(id2label: dict) -> tuple[int, int]:
    """(entailment id, contradiction id) from a model's config.id2label.

    Two-label models ("entailment"/"not_entailment") use the negative label as contradiction.
    Models exported with generic names (LABEL_0...) cannot be read safely, so they are refused."""
    names = {int(i): str(n).lower() for i, n in id2label.items()}
    ent = [i for i, n in names.items() if n.startswith("entail")]
    con = [i for i, n in names.items() if n.startswith("contradict")] or \
          [i for i, n in names.items() if n.startswith("not") and "entail" in n]
    if len(ent) != 1 or len(con) != 1:
        raise ValueError(f"cannot find entailment/contradiction in the model's id2label {dict(id2label)}; "
                         "an NLI model's config must name its labels")
    return ent[0], con[0]


def nli_decide(p_support: float, p_against: float, p_relevant: float, mentioned: bool,
               relevance_threshold: float = 0.5) -> dict:
    """Map entailment probabilities to {label, relevant, confidence}.

    Support and hostility are scored as independent events: +1 = support and not hostile, -1 the
    reverse, 0 = neither (or both, i.e. the model cannot tell), normalised; the confidence is the
    winner's share. A comment is about the case when it names the subject or any hypothesis about
    the subject is entailed; otherwise the label is None with confidence = P(not about the case)."""
    p_about = max(p_relevant, p_support, p_against)
    if not mentioned and p_about < relevance_threshold:
        return {"label": None, "relevant": False, "confidence": round(1.0 - p_about, 4)}
    s = {1: p_support * (1 - p_against), -1: p_against * (1 - p_support),
         0: (1 - p_support) * (1 - p_against) + p_support * p_against}
    total = sum(s.values()) or 1.0
    label = max((1, -1, 0), key=lambda k: (s[k], k == 0))  # ties go to 0: no stance claimed
    return {"label": label, "relevant": True, "confidence": round(s[label] / total, 4)}


def _load_nli(model_dir: str):
    """Tokenizer, model and label ids from a local directory; loaded once per process."""
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"stance.model_dir {model_dir!r} is not a directory: the NLI backend only loads "
                                "a model saved on disk and never downloads one")
    key = str(path.resolve())
    if key not in _NLI_CACHE:
        os.environ["HF_HUB_OFFLINE"] = "1"  # before the import: huggingface_hub reads it once
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(key, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(key, local_files_only=True)
        model.eval()
        _NLI_CACHE[key] = (tok, model, nli_label_ids(model.config.id2label))
    return _NLI_CACHE[key]


def _entailment(pairs: list[tuple[str, str]], tok, model, ids: tuple[int, int], batch_size: int,
                max_length: int) -> list[float]:
    """P(entailment) against P(contradiction) for each (premise, hypothesis), as the HF zero-shot
    pipeline does for independent labels; neutral is ignored. Pairs are batched by length."""
    import torch

    ent, con = ids
    # "only_first" cuts the comment, never the hypothesis, so the window must hold the longest
    # hypothesis with room to spare, whatever max_length was configured
    longest = max((len(tok(h)["input_ids"]) for h in {p[1] for p in pairs}), default=0)
    limit = getattr(model.config, "max_position_embeddings", None) or 10 ** 6
    max_length = min(max(max_length, longest + 16), limit)
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i][0]) + len(pairs[i][1]), i))
    out = [0.0] * len(pairs)
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            idx = order[b:b + batch_size]
            enc = tok([pairs[i][0] for i in idx], [pairs[i][1] for i in idx], padding=True,
                      truncation="only_first", max_length=max_length, return_tensors="pt")
            logits = model(**enc).logits[:, [con, ent]].float()
            probs = torch.softmax(logits, dim=-1)[:, 1].tolist()
            for i, p in zip(idx, probs):
                out[i] = float(p)
    return out


@stance_backend("nli")
def nli_stance(ctx, items: list[CommentView], labelled) -> list[dict]:
    """Zero-shot stance from a local NLI model (e.g. a multilingual XNLI checkpoint).

    Config (``ctx.config["stance"]``): model_dir (required), batch_size (32 pairs), max_length (256
    tokens), relevance_threshold (0.5), fallback_lang ("ru"), hypotheses (overrides), threads (torch
    intra-op threads; unset = torch's default). Editor labels are not used: a zero-shot model has
    nothing to adapt, and the pipeline applies the labels over its output anyway."""
    cfg = ctx.config.get("stance", {})
    if not cfg.get("model_dir"):
        raise ValueError('the "nli" stance backend needs stance.model_dir: a local directory with an NLI model')
    tok, model, ids = _load_nli(cfg["model_dir"])
    if cfg.get("threads"):
        import torch

        torch.set_num_threads(int(cfg["threads"]))
    subject = ctx.case["subject"]
    pairs: list[tuple[str, str]] = []
    spans: list[dict] = []
    for c in items:
        hyp = nli_hypotheses(_lang(c), subject, cfg)
        premise = _text(c)
        span = {}
        for kind in KINDS:
            span[kind] = (len(pairs), len(pairs) + len(hyp[kind]))
            pairs += [(premise, h) for h in hyp[kind]]
        spans.append(span)
    probs = _entailment(pairs, tok, model, ids, int(cfg.get("batch_size", 32)), int(cfg.get("max_length", 256)))
    out = []
    for c, span in zip(items, spans):
        p = {k: max(probs[a:b]) for k, (a, b) in span.items()}
        mentioned = bool((c.ann.get("entities") or {}).get("subject"))
        out.append(nli_decide(p["support"], p["against"], p["relevant"], mentioned,
                              float(cfg.get("relevance_threshold", 0.5))))
    return out


# ------------------------------------------------------------------ LLM over HTTP


class LLMError(RuntimeError):
    """The endpoint could not be reached or answered with an HTTP error (after one retry).

    Raised rather than recorded as per-comment failures: the pipeline caches annotations by input
    hash, so a run against a server that is down would otherwise store "no stance" for every
    comment and never ask again."""


LLM_SYSTEM = """You label the stance of social media comments toward one person, the SUBJECT of a \
case (a detention, an extradition, a prosecution). Stance is toward the subject, not the tone of the comment.
Labels:
 1   supportive or concerned: sympathy, fear for the subject's life or fate, calls to free them or not to \
extradite them, saying they are innocent or persecuted.
-1   hostile: the subject is guilty, a criminal or terrorist, deserves punishment, should be handed over.
 0   about the case, but neither: questions, news, neutral remarks, mixed or unclear stance.
null not about the subject or the case at all (spam, unrelated talk).
Comments may be in any language (Russian, Kazakh, Chechen, Ukrainian, English...).
Answer with JSON only, no prose, in exactly this form:
{"results": [{"id": <comment id>, "label": -1|0|1|null, "confidence": <number from 0 to 1>}, ...]}
with one entry for every comment id you were given."""

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S | re.I)


def _api_key(cfg: dict) -> str | None:
    if cfg.get("api_key"):
        warnings.warn("stance.api_key sits in a configuration file in plain text (the store records it only as "
                      "<secret>); prefer stance.api_key_env, naming an environment variable",
                      UserWarning, stacklevel=3)
        return str(cfg["api_key"])
    if cfg.get("api_key_env"):
        key = os.environ.get(cfg["api_key_env"])
        if not key:
            raise ValueError(f"stance.api_key_env names {cfg['api_key_env']!r}, which is not set")
        return key
    return None


def _endpoint(base_url: str) -> str:
    url = base_url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def _few_shot(labelled, k: int, max_chars: int) -> list[dict]:
    """Up to k editor-labelled examples, round-robin over labels in comment order (deterministic),
    so the model sees how this newsroom labels this case."""
    by_label: dict = {}
    for c, v in sorted(labelled, key=lambda x: x[0].id):
        by_label.setdefault(v, []).append(c)
    keys = sorted(by_label, key=lambda v: (v is None, v if v is not None else 0))
    out: list = []
    i = 0
    while len(out) < k and any(i < len(by_label[v]) for v in keys):
        for v in keys:
            if i < len(by_label[v]) and len(out) < k:
                out.append({"text": _text(by_label[v][i])[:max_chars], "label": v})
        i += 1
    return out


def _user_message(ctx, batch: list[tuple[int, str]], examples: list[dict]) -> str:
    msg = {"subject": ctx.case["subject"], "aliases": list(ctx.case.get("aliases") or []),
           "comments": [{"id": i, "text": t} for i, t in batch]}
    if examples:
        msg["labelled_examples"] = examples
    return json.dumps(msg, ensure_ascii=False)


def parse_llm_results(content: str, ids: set[int]) -> dict[int, dict]:
    """The valid entries of a model's answer, by comment id; invalid or unknown entries are dropped.

    Accepts {"results": [...]}, a bare list, or either wrapped in a ```json fence. An answer that
    is not JSON at all yields {}."""
    m = _FENCE.match(content or "")
    try:
        data = json.loads(m.group(1) if m else content)
    except (TypeError, ValueError):
        return {}
    if isinstance(data, dict):
        data = data.get("results")
    if not isinstance(data, list):
        return {}
    out = {}
    for e in data:
        if not isinstance(e, dict):
            continue
        i, label, conf = e.get("id"), e.get("label", "missing"), e.get("confidence")
        if isinstance(i, str) and i.strip().isdigit():
            i = int(i)
        if isinstance(label, str) and label.strip().lstrip("+-").isdigit():
            label = int(label)
        if (not isinstance(i, int) or isinstance(i, bool) or i not in ids or i in out
                or label not in (-1, 0, 1, None) or isinstance(label, bool)
                or not isinstance(conf, (int, float)) or isinstance(conf, bool)
                or not math.isfinite(conf) or not 0 <= conf <= 1):
            continue
        out[i] = {"label": label, "relevant": label is not None, "confidence": round(float(conf), 4)}
    return out


def _post(url: str, body: dict, key: str | None, timeout: float) -> str:
    """One chat completion; returns the message content. Through otklik's one HTTP client: 429, 5xx and
    network failures are retried with backoff, honouring Retry-After."""
    from ..translate._http import post_json

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    payload = post_json(url, body, headers=headers, timeout=timeout, what="stance endpoint", error=LLMError)
    try:
        return payload["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError) as e:
        raise LLMError(f"stance endpoint {url} answered without choices[0].message.content") from e


@stance_backend("llm", sensitive=("api_key",))
def llm_stance(ctx, items: list[CommentView], labelled) -> list[dict]:
    """Stance from an OpenAI-compatible chat completions endpoint, several comments per request.

    Config (``ctx.config["stance"]``): base_url (required, e.g. "http://127.0.0.1:8080/v1"), model
    (required), api_key_env (optional: the name of the environment variable holding the key),
    timeout (60 s), batch_size (10 comments), max_chars (2000 per comment), few_shot (8
    editor-labelled examples), temperature (0), json_mode (false: send response_format={"type": "json_object"}), extra_body ({} merged into
    the request). Entries that are missing or invalid are asked for once more; what is still
    invalid gets label None, relevant False, confidence 0 and "error": "llm_invalid", and one
    warning counts them. Comments an editor labelled are not sent (their label wins anyway)."""
    cfg = ctx.config.get("stance", {})
    if not cfg.get("base_url"):
        raise ValueError('the "llm" stance backend needs stance.base_url (no default: comments are sent there)')
    if not cfg.get("model"):
        raise ValueError('the "llm" stance backend needs stance.model')
    url, key = _endpoint(str(cfg["base_url"])), _api_key(cfg)
    timeout, size = float(cfg.get("timeout", 60)), max(1, int(cfg.get("batch_size", 10)))
    max_chars = int(cfg.get("max_chars", 2000))
    examples = _few_shot(labelled, int(cfg.get("few_shot", 8)), max_chars)
    editor = {c.id: v for c, v in labelled}

    def ask(batch: list[tuple[int, str]]) -> dict[int, dict]:
        body = {"model": cfg["model"], "temperature": cfg.get("temperature", 0),
                "messages": [{"role": "system", "content": LLM_SYSTEM},
                             {"role": "user", "content": _user_message(ctx, batch, examples)}]}
        if cfg.get("json_mode"):
            body["response_format"] = {"type": "json_object"}
        body.update(cfg.get("extra_body") or {})
        return parse_llm_results(_post(url, body, key, timeout), {i for i, _ in batch})

    results: dict[int, dict] = {}
    todo = [(n + 1, _text(c)[:max_chars]) for n, c in enumerate(items) if c.id not in editor]
    for b in range(0, len(todo), size):
        batch = todo[b:b + size]
        got = ask(batch)
        missing = [x for x in batch if x[0] not in got]
        if missing:  # one retry, only for what is missing or invalid
            got.update(ask(missing))
        results.update(got)
    out, failed = [], 0
    for n, c in enumerate(items, 1):
        if c.id in editor:
            v = editor[c.id]
            out.append({"label": v, "relevant": v is not None, "confidence": 1.0})
        elif n in results:
            out.append(results[n])
        else:
            failed += 1
            out.append({"label": None, "relevant": False, "confidence": 0.0, "error": "llm_invalid"})
    if failed:
        warnings.warn(f"llm stance: {failed} of {len(todo)} comments got no valid answer from {cfg['model']} "
                      "after a retry; they are marked not about the case with confidence 0", RuntimeWarning,
                      stacklevel=2)
    return out
