"""The interface and the offline engines: none, Argos (faked module), and a tiny CTranslate2 model built here."""

import sys
import types

import numpy as np
import pytest

from otklik.translate import (EngineNotAvailable, TranslationError, Translator, available_translators,
                              get_translator, register_translator)
from tests.conftest import need

VOCAB = ["<blank>", "<s>", "</s>", "<unk>", "a", "b", "c", "d", "e"]


def test_registry_lists_engines_and_rejects_unknown_names_and_options():
    assert available_translators()[:6] == ["none", "argos", "ctranslate2", "libretranslate", "deepl", "openai"]
    with pytest.raises(TranslationError, match="unknown translation engine 'google'.*none, argos"):
        get_translator("google")
    with pytest.raises(TranslationError, match="no option urll"):
        get_translator("libretranslate", urll="http://127.0.0.1:5000")


def test_none_keeps_the_original_and_says_so():
    tr = get_translator("none")
    texts = ["Пусть Казахстан даст ему убежище", ""]
    assert tr.translate(texts, "ru", "en") == texts
    assert tr.note("en") == "Quotes are given in the original language, not translated."
    assert tr.note("ru") == "Цитаты приводятся на языке оригинала, без перевода."
    assert tr.remote is False and tr.provenance()["engine"] == "none"


def test_base_class_skips_empty_and_same_language_texts_and_translates_repeats_once():
    calls = []

    class Upper(Translator):
        name = "upper"

        def _translate(self, texts, source, target):
            calls.append(list(texts))
            return [t.upper() for t in texts]

    register_translator("upper", Upper)
    tr = get_translator("upper")
    assert tr.translate(["да", "", "  ", "да", "нет"], "ru", "en") == ["ДА", "", "  ", "ДА", "НЕТ"]
    assert tr.translate(["да"], "ru", "en") == ["ДА"]
    assert tr.translate(["yes"], "en", "en") == ["yes"]
    assert calls == [["да", "нет"]]
    assert tr.note("en") == "Translated automatically with upper (ru→en)."
    with pytest.raises(TranslationError, match="language code"):
        tr.translate(["x"], "Russian", "en")
    with pytest.raises(TypeError):
        tr.translate("да", "ru", "en")

    class Short(Upper):
        def _translate(self, texts, source, target):
            return texts[:-1]

    with pytest.raises(TranslationError, match="expected 2 translations"):
        Short().translate(["a", "b"], "ru", "en")


def test_argos_not_installed_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "argostranslate", None)  # import argostranslate → ImportError
    monkeypatch.setitem(sys.modules, "argostranslate.translate", None)
    with pytest.raises(EngineNotAvailable, match="pip install argostranslate.*argospm install translate-ru_en"):
        get_translator("argos")


def test_argos_code_path_with_installed_packages(monkeypatch):
    class Lang:
        def __init__(self, code, pairs):
            self.code, self.pairs = code, pairs

        def get_translation(self, other):
            if other.code not in self.pairs:
                return None
            return types.SimpleNamespace(translate=lambda text: f"[{self.code}>{other.code}] {text}")

    ru, en = Lang("ru", {"en"}), Lang("en", {"ru"})
    fake = types.ModuleType("argostranslate.translate")
    fake.get_installed_languages = lambda: [ru, en]
    package = types.ModuleType("argostranslate")
    package.translate = fake
    monkeypatch.setitem(sys.modules, "argostranslate", package)
    monkeypatch.setitem(sys.modules, "argostranslate.translate", fake)

    tr = get_translator("argos")
    assert tr.translate(["Помогите ему", ""], "ru", "en") == ["[ru>en] Помогите ему", ""]
    assert tr.note("en").startswith("Translated automatically with Argos Translate") and "(ru→en)" in tr.note("en")
    with pytest.raises(EngineNotAvailable, match="kk→en.*installed languages: en, ru.*translate-kk_en"):
        tr.translate(["Көмектесіңдер"], "kk", "en")


def _tiny_model(path, vocab=VOCAB, d=8, ffn=16):
    """A 1-layer Transformer with random weights, saved as a CTranslate2 model directory (no download)."""
    need("ctranslate2", "ml")
    import ctranslate2.specs as specs

    rng = np.random.default_rng(0)
    spec = specs.TransformerSpec.from_config((1, 1), 2)
    n = len(vocab)

    def shape(name):
        if name.endswith("layer_norm/gamma"):
            return np.ones(d, np.float32)
        if name.endswith("layer_norm/beta"):
            return np.zeros(d, np.float32)
        dims = ((n, d) if "embeddings" in name or name.endswith("projection/weight") else
                (3 * d, d) if "self_attention/linear_0" in name else
                (2 * d, d) if "/attention/linear_1" in name else
                (ffn, d) if "ffn/linear_0" in name else (d, ffn) if "ffn/linear_1" in name else (d, d))
        return (rng.standard_normal(dims) * 0.1).astype(np.float32)

    def fill(layer, name, value):
        if value is None:
            setattr(layer, name.split("/")[-1], shape(name))

    spec._visit(fill)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize()
    path.mkdir(parents=True, exist_ok=True)
    spec.save(str(path))
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    return _tiny_model(tmp_path_factory.mktemp("ct2") / "opus-mt-tiny-ru-en")


def test_ctranslate2_loads_a_model_directory_and_returns_one_string_per_text(tiny_model):
    tr = get_translator("ctranslate2", model_dir=str(tiny_model), languages="ru-en", beam_size=1,
                        max_decoding_length=6)
    texts = ["a b c. d e", "", "c zzz", "a b c. d e"]
    out = tr.translate(texts, "ru", "en")
    assert len(out) == 4 and all(isinstance(t, str) for t in out)
    assert out[1] == "" and out[0] == out[3]
    for t in (out[0], out[2]):  # gibberish from random weights, but made of the model's own tokens
        assert t and set(t.split()) <= set(VOCAB) - {"<s>", "</s>", "<blank>"}
    assert tr.tokenizer.kind == "vocabulary"
    assert tr.note("en") == "Translated automatically with the model opus-mt-tiny-ru-en (CTranslate2 " \
                            f"{tr.version}) (ru→en)."
    with pytest.raises(TranslationError, match="translates ru→en, not kk→en"):
        tr.translate(["a"], "kk", "en")


def test_ctranslate2_target_prefix_is_not_part_of_the_translation(tiny_model):
    tr = get_translator("ctranslate2", model_dir=tiny_model, target_prefix="e", beam_size=1, max_decoding_length=4)
    out = tr.translate(["a b", "c"], "ru", "en")
    assert len(out) == 2 and all(not t.startswith("e ") for t in out)


def test_ctranslate2_errors_say_what_is_wrong(tmp_path):
    with pytest.raises(TranslationError, match="model_dir="):
        get_translator("ctranslate2")
    with pytest.raises(TranslationError, match="not a CTranslate2 model directory"):
        get_translator("ctranslate2", model_dir=tmp_path)


def test_ctranslate2_sentencepiece_tokenisation(tmp_path):
    spm = need("sentencepiece", "ml")
    corpus = ["пусть казахстан даст ему убежище", "помогите ему казахи", "не выдавайте его россии"] * 20
    spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_prefix=str(tmp_path / "sp"),
                                   vocab_size=30, hard_vocab_limit=False, model_type="unigram", bos_id=-1, eos_id=1, unk_id=0, pad_id=-1,
                                   minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "sp.model"))
    vocab = ["<blank>", "<s>"] + [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    model = _tiny_model(tmp_path / "model", vocab=vocab)
    for name in ("source.spm", "target.spm"):
        (model / name).write_bytes((tmp_path / "sp.model").read_bytes())
    tr = get_translator("ctranslate2", model_dir=model, beam_size=1, max_decoding_length=5)
    assert tr.tokenizer.kind == "sentencepiece"
    out = tr.translate(["помогите ему", "не выдавайте его"], "ru", "en")
    assert len(out) == 2 and all(isinstance(t, str) and "▁" not in t for t in out)


def test_config_table_reads_keys_from_the_environment(monkeypatch):
    from otklik.translate import translator_from_config

    assert translator_from_config(None).name == "none"
    monkeypatch.setenv("TEST_DEEPL_KEY", "k-from-env:fx")
    tr = translator_from_config({"engine": "deepl", "auth_key_env": "TEST_DEEPL_KEY", "url": "http://127.0.0.1:9"})
    assert tr.auth_key == "k-from-env:fx" and tr.url == "http://127.0.0.1:9" and tr.remote is False
    monkeypatch.delenv("TEST_DEEPL_KEY")
    with pytest.raises(TranslationError, match=r"\$TEST_DEEPL_KEY, which is not set"):
        translator_from_config({"engine": "deepl", "auth_key_env": "TEST_DEEPL_KEY"})
