"""Engine "ctranslate2": a CTranslate2 model directory, offline — e.g. an OPUS-MT model converted with
`ct2-transformers-converter --model Helsinki-NLP/opus-mt-ru-en --output_dir DIR` and its `source.spm` /
`target.spm` copied into DIR.

Tokenisation follows what the directory holds: SentencePiece models (source.spm + target.spm as
OPUS-MT ships them, or one shared spm.model / sentencepiece.model / sentencepiece.bpe.model) when
present, otherwise the model's plain vocabulary with whitespace tokens. Texts are split into
sentences first, since sentence-level models drop or garble the tail of long multi-sentence comments.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from otklik.translate import EngineNotAvailable, TranslationError, Translator

_SPM_PAIRS = (("source.spm", "target.spm"),)
_SPM_SHARED = ("spm.model", "sentencepiece.model", "sentencepiece.bpe.model")
_VOCABS = ("source_vocabulary", "shared_vocabulary")
_SPECIAL = {"<s>", "</s>", "<pad>", "<blank>"}
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=\S)")


class _SentencePiece:
    def __init__(self, source: Path, target: Path):
        try:
            import sentencepiece as spm
        except ImportError:
            raise EngineNotAvailable(f"{source.parent} uses SentencePiece tokenisation: pip install sentencepiece"
                                     ) from None
        self.src = spm.SentencePieceProcessor(model_file=str(source))
        self.tgt = self.src if target == source else spm.SentencePieceProcessor(model_file=str(target))
        self.kind = "sentencepiece"

    def encode(self, text: str) -> list[str]:
        return self.src.encode(text, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        return self.tgt.decode(tokens)


class _Plain:
    """Whitespace tokens from the model's vocabulary; a word it does not know becomes its unknown token."""

    def __init__(self, vocab: set[str], unk: str):
        self.vocab, self.unk = vocab, unk
        self.kind = "vocabulary"

    def encode(self, text: str) -> list[str]:
        return [t if t in self.vocab else self.unk for t in text.split()]

    def decode(self, tokens: list[str]) -> str:
        return " ".join(tokens)


def _read_vocab(model_dir: Path) -> set[str]:
    for stem in _VOCABS:
        if (model_dir / f"{stem}.json").exists():
            return set(json.loads((model_dir / f"{stem}.json").read_text(encoding="utf-8")))
        if (model_dir / f"{stem}.txt").exists():
            return set((model_dir / f"{stem}.txt").read_text(encoding="utf-8").splitlines())
    raise TranslationError(f"{model_dir}: no source or shared vocabulary file (shared_vocabulary.json …)")


class CTranslate2Translator(Translator):
    """Options: `model_dir` (required), `device` ("cpu"), `compute_type` ("default"), `beam_size` (2),
    `max_batch_size` (32), `max_decoding_length` (256), `source_prefix` / `target_prefix` (tokens for
    multilingual models: ">>eng<<" for a multi-target OPUS-MT model, "eng_Latn" for NLLB), `source_eos`
    (append "</s>" as Marian/OPUS-MT models expect; True), `languages` ("ru-en": the pair this model
    translates, checked on use), `label` (the model's name in the report's note; the directory's name
    otherwise), `split_sentences` (True)."""

    name = "ctranslate2"

    def __init__(self, model_dir: str | Path | None = None, device: str = "cpu", compute_type: str = "default",
                 beam_size: int = 2, max_batch_size: int = 32, max_decoding_length: int = 256,
                 source_prefix: str | None = None, target_prefix: str | None = None, source_eos: bool = True,
                 languages: str | None = None, label: str | None = None, split_sentences: bool = True,
                 inter_threads: int = 1, intra_threads: int = 0):
        super().__init__()
        if not model_dir:
            raise TranslationError("ctranslate2 needs model_dir= (a CTranslate2 model directory, e.g. a converted "
                                   "OPUS-MT model)")
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "model.bin").is_file():
            raise TranslationError(f"{self.model_dir} is not a CTranslate2 model directory (no model.bin); convert "
                                   f"one with ct2-transformers-converter --model Helsinki-NLP/opus-mt-ru-en "
                                   f"--output_dir DIR and copy its source.spm and target.spm into DIR")
        try:
            import ctranslate2
        except ImportError:
            raise EngineNotAvailable("CTranslate2 is not installed: pip install ctranslate2") from None
        self.tokenizer = self._tokenizer()
        try:
            self.model = ctranslate2.Translator(str(self.model_dir), device=device, compute_type=compute_type,
                                                inter_threads=int(inter_threads), intra_threads=int(intra_threads))
        except (RuntimeError, ValueError) as exc:
            raise TranslationError(f"CTranslate2 could not load {self.model_dir}: {exc}") from None
        self.version = ctranslate2.__version__
        self.beam_size, self.max_batch_size = int(beam_size), int(max_batch_size)
        self.max_decoding_length = int(max_decoding_length)
        self.source_prefix, self.target_prefix = source_prefix, target_prefix
        self.source_eos = source_eos if isinstance(source_eos, bool) else str(source_eos).lower() in ("1", "true")
        self.languages = tuple(re.split(r"[-_>→]+", languages)) if languages else None
        self.model_label = label or self.model_dir.name
        self.split_sentences = split_sentences

    def _tokenizer(self):
        for src, tgt in _SPM_PAIRS:
            if (self.model_dir / src).is_file() and (self.model_dir / tgt).is_file():
                return _SentencePiece(self.model_dir / src, self.model_dir / tgt)
        for shared in _SPM_SHARED:
            if (self.model_dir / shared).is_file():
                return _SentencePiece(self.model_dir / shared, self.model_dir / shared)
        config = {}
        if (self.model_dir / "config.json").is_file():
            config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        return _Plain(_read_vocab(self.model_dir), config.get("unk_token") or "<unk>")

    def _translate(self, texts, source, target):
        if self.languages and (source, target) != self.languages:
            raise TranslationError(f"the model in {self.model_dir} translates {'→'.join(self.languages)}, "
                                   f"not {source}→{target}")
        # every text becomes one or more sentences; translations are joined back per text
        owners, sentences = [], []
        for i, text in enumerate(texts):
            parts = _SENTENCE.split(text.strip()) if self.split_sentences else [text.strip()]
            for part in parts:
                owners.append(i)
                sentences.append(part)
        batch = []
        for s in sentences:
            tokens = self.tokenizer.encode(s)
            if self.source_prefix:
                tokens = [self.source_prefix, *tokens]
            if self.source_eos:
                tokens.append("</s>")
            batch.append(tokens)
        prefix = [[self.target_prefix]] * len(batch) if self.target_prefix else None
        results = self.model.translate_batch(batch, target_prefix=prefix, beam_size=self.beam_size,
                                             max_batch_size=self.max_batch_size,
                                             max_decoding_length=self.max_decoding_length)
        out = [[] for _ in texts]
        for owner, result in zip(owners, results):
            tokens = [t for t in result.hypotheses[0] if t not in _SPECIAL and t != self.target_prefix]
            out[owner].append(self.tokenizer.decode(tokens))
        return [" ".join(parts) for parts in out]

    def label(self, lang):
        if lang == "ru":
            return f"модели {self.model_label} (CTranslate2 {self.version})"
        return f"the model {self.model_label} (CTranslate2 {self.version})"
