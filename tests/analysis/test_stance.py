"""Stance toward a named target: cues, mentions, the shipped model, adaptation, evaluation."""

import json

import numpy as np
import pytest

from otklik.analysis.stance import StanceModel, StancePrediction, adapt
from otklik.analysis.stance_features import (TargetSpec, case_cue_score, context_window, cue_counts,
                                             find_mentions, lexical_hashes)
from otklik.evaluation import stance as ev
from otklik.evaluation.datasets import read_any

MOVLAEV = TargetSpec("Мансур Мовлаев", ("Movlaev", "Мансур"))


def fake_embed(strings):
    """A deterministic stand-in for USE: hashed character trigrams, L2-normalised."""
    out = np.zeros((len(strings), 512), np.float32)
    for i, s in enumerate(strings):
        s = f"  {s.lower()}  "
        for j in range(len(s) - 2):
            out[i, hash(s[j:j + 3]) % 512] += 1.0
        out[i] /= max(np.linalg.norm(out[i]), 1e-6)
    return out


# ---------- cues and mentions (pure Python) ----------

@pytest.mark.parametrize("text,sign", [
    ("Не выдавайте его!", 1),           # a negated verb that is itself advocacy
    ("Его там убьют", 1),               # fear for the subject stands with him
    ("Free Mansur now", 1),
    ("пусть сидит, террорист", -1),
    ("он не террорист", 1),             # negated insult defends
    ("не помогайте ему", -1),           # negated help turns against
])
def test_case_cues_point_toward_the_subject_not_the_tone(text, sign):
    assert np.sign(case_cue_score(text)) == sign


def test_negation_flips_generic_sentiment():
    assert cue_counts("это не плохо")["positive"] == 1
    assert cue_counts("это не плохо")["negative"] == 0


def test_inflected_and_latin_mentions_are_found():
    assert find_mentions("Помогите Мовлаеву!", MOVLAEV)
    assert find_mentions("Justice for Movlaev", MOVLAEV)
    assert not find_mentions("Погода сегодня хорошая", MOVLAEV)


def test_given_offsets_win_over_name_matching():
    t = "Иванов хвалил Петрова"
    assert find_mentions(t, TargetSpec("Петров", (), 14, 21)) == [(14, 21)]


def test_context_window_keeps_the_words_near_the_target():
    text = ("Сегодня в суде долго говорили о погоде и о ценах на хлеб а потом адвокат сказал что "
            "Мовлаева ждут пытки и могут выдать а в конце все пошли домой пить чай с вареньем")
    win = context_window(text, find_mentions(text, MOVLAEV))
    assert "Мовлаева" in win and "пытки" in win
    assert "погоде" not in win and "вареньем" not in win


# ---------- shipped model ----------

@pytest.fixture(scope="module")
def model():
    return StanceModel.load_default()


def test_shipped_model_records_its_licensed_training_data(model):
    data = model.meta["training_data"]
    assert set(data) >= {"rusentne"}
    assert all(len(v["sha256"]) == 64 for v in data.values())
    assert not any("ruarg" in v["file"] or "ruw" in v["file"] for v in data.values())


def test_predict_returns_one_prediction_per_pair(model):
    texts = ["Не выдавайте Мансура, его там убьют!", "Мовлаев преступник и бандит",
             "Купите наши курсы английского"]
    preds = model.predict(texts, [MOVLAEV] * 3)
    assert len(preds) == 3 and all(isinstance(p, StancePrediction) for p in preds)
    assert preds[0].label == 1 and preds[0].relevant
    assert preds[1].label == -1
    for p in preds:
        assert 0.0 <= p.confidence <= 1.0
        assert abs(p.probs["-1"] + p.probs["0"] + p.probs["1"] - 1) < 1e-5
        assert (p.label is None) == (not p.relevant)


def test_model_round_trips_through_npz_without_pickle(model, tmp_path):
    path = tmp_path / "m.npz"
    model.save(path)
    again = StanceModel.load(path)
    assert np.array_equal(again.W, model.W) and again.meta == model.meta
    with np.load(path, allow_pickle=False) as z:  # would raise on object arrays
        assert z["W"].dtype == np.float32


def test_adapt_moves_predictions_toward_editor_labels(model):
    texts = [f"Комментарий номер {i} про Мовлаева и суд" for i in range(20)]
    before = [p.label for p in model.predict(texts, [MOVLAEV] * 20)]
    adapted = adapt(model, texts, [MOVLAEV] * 20, [1] * 20, strength=5.0)
    after = [p.label for p in adapted.predict(texts, [MOVLAEV] * 20)]
    assert sum(a == 1 for a in after) > sum(b == 1 for b in before) or all(b == 1 for b in before)
    assert all(a == 1 for a in after)
    assert np.array_equal(model.W, StanceModel.load_default().W)  # original untouched


def test_adapt_on_few_labels_moves_the_layer_only_part_of_the_way(model, monkeypatch):
    """A handful of labels must not swing the case's model: the fit is shrunk toward the shipped
    layer by n / (n + ADAPT_SHRINK_N)."""
    import otklik.analysis.stance as st

    texts = [f"Комментарий номер {i} про Мовлаева и суд" for i in range(10)]
    labels = [1] * 5 + [-1] * 5
    shrunk = adapt(model, texts, [MOVLAEV] * 10, labels)
    monkeypatch.setattr(st, "ADAPT_SHRINK_N", 0)
    full = adapt(model, texts, [MOVLAEV] * 10, labels)
    ratio = np.linalg.norm(shrunk.W - model.W) / np.linalg.norm(full.W - model.W)
    assert ratio == pytest.approx(10 / (10 + 30), rel=1e-3)


# ---------- evaluation ----------

def test_metrics_count_not_relevant_predictions_as_neutral():
    m = ev.stance_metrics([1, -1, 0, None], [1, -1, None, None])
    assert m["macro_f1"] == 1.0 and m["f1_pn"] == 1.0
    assert m["relevance_f1"] == 0.8  # one relevant row was called not relevant
    assert m["per_class"]["0"]["support"] == 1


def test_metrics_penalise_wrong_direction():
    m = ev.stance_metrics([1, 1, -1, -1], [-1, -1, 1, 1])
    assert m["macro_f1"] == 0.0


def test_eval_run_on_jsonl_uses_shipped_model(tmp_path, model, capsys):
    rows = [{"text": "Не выдавайте его! Мовлаева там убьют", "target": "Мансур Мовлаев", "label": 1},
            {"text": "Мовлаев преступник и бандит", "target": "Мансур Мовлаев", "label": -1},
            {"text": "Реклама: лучшие шубы в Алматы", "target": "Мансур Мовлаев", "label": None}]
    path = tmp_path / "case.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = ev.run(path, json_out=True, model=model)
    printed = json.loads(capsys.readouterr().out)
    assert printed["macro_f1"] == out["macro_f1"]
    assert out["protocol"] == "shipped model" and out["dataset"] == "jsonl" and out["n"] == 3
    assert {"n", "macro_f1", "f1_pn", "per_class", "relevance_f1"} <= set(out)
    assert out["f1_pn"] == 1.0


def test_eval_never_scores_the_training_file_with_the_shipped_model(tmp_path, monkeypatch, model):
    lines = ["sentence\tentity\tentity_tag\tentity_pos_start_rel\tentity_pos_end_rel\tlabel"]
    for i in range(10):
        lines.append(f"Иванов{i} хорошо работал и всех хвалил\tИванов{i}\tPERSON\t0\t{6 + len(str(i))}\t1")
        lines.append(f"Петров{i} обманул всех и украл деньги\tПетров{i}\tPERSON\t0\t{6 + len(str(i))}\t-1")
    path = tmp_path / "rsne.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kind, rows = read_any(path)
    assert kind == "rusentne" and rows[0]["text"][rows[0]["start"]:rows[0]["end"]] == rows[0]["target"]
    from otklik.evaluation.datasets import sha256_file

    fake = StanceModel(model.W, model.b, model.mu, model.sd, model.rel_w, model.rel_b,
                       meta={"training_data": {"x": {"file": "rsne.csv", "sha256": sha256_file(path)}}},
                       embed=fake_embed)
    monkeypatch.setattr(ev, "_memo_embedder", lambda: fake_embed)
    out = ev.run(path, model=fake)
    assert out["protocol"] == "5-fold, model retrained without the scored file"
    assert out["n"] == 20


# ---------- the product's genre: comments under a post about a detained person ----------

YUSUPOV = TargetSpec("Тагир Юсупов", ("Тагир", "Юсупов", "Tagir", "Yusupov"))


@pytest.mark.parametrize("text,sign", [
    ("нельзя его выдавать", 1),                     # нельзя + hand-over verb stands with him
    ("ему грозит тюрьма, если его депортируют", 1),  # fear of what a hand-over brings
    ("не надо его защищать", -1),                   # negation three words back
    ("его называют террористом", 0),                # the accuser's word, not the commenter's
    ("Ол қылмыскер емес", 1),                       # Kazakh negation follows the word
    ("Тагирды қорғамаңдар", -1),                    # Kazakh "don't protect him"
    ("Дела гӀо дойла хьуна", 1),                    # Chechen blessing
    ("закон есть закон", -1),
])
def test_genre_cues_in_several_languages(text, sign):
    assert np.sign(case_cue_score(text)) == sign


@pytest.mark.parametrize("text,label", [
    ("Тагира там будут пытать, это все знают", 1),
    ("ЕМУ ГРОЗИТ СМЕРТЬ ЕСЛИ ЕГО ОТПРАВЯТ ДОМОЙ", 1),
    ("Тагир, мы с тобой! Держись", 1),
    ("Тагирды бермеңдер, оны сол жақта азаптайды", 1),
    ("Please don't deport Tagir, he will be tortured", 1),
    ("Закон есть закон, пусть сидит", -1),
    ("Юсупов бандит, выдать его и всё", -1),
    ("Когда у него следующее заседание?", 0),
])
def test_shipped_model_reads_case_comments_toward_the_subject(model, text, label):
    assert model.predict([text], [YUSUPOV])[0].label == label


def test_shipped_model_calls_spam_in_a_thread_not_relevant(model):
    pred = model.predict(["Продаю шубы недорого, пишите в директ"], [YUSUPOV])[0]
    assert not pred.relevant and pred.label is None


def test_seed_corpus_is_ours_varied_and_recorded_in_the_model(model):
    from otklik.evaluation.datasets import sha256_file
    from otklik.evaluation.training import SEED_FILE, load_seed_rows

    rows, info = load_seed_rows()
    assert len(rows) >= 400
    assert {r["label"] for r in rows} == {-1, 0, 1, None}
    assert len({r["target"] for r in rows}) >= 5          # several persons, not one case
    assert len({r["text"] for r in rows}) == len(rows)    # no duplicates
    assert not any("Мудар" in r["text"] or "Мовлаев" in r["text"] for r in rows)
    assert model.meta["training_data"]["seed"]["sha256"] == sha256_file(SEED_FILE) == info["sha256"]


def test_lexical_features_mask_the_target_and_follow_its_position():
    text = "Putin is a war criminal while Kyiv keeps the lights on for everyone in the city"
    russia = TargetSpec("Russia", ("Putin", "Russia"))
    ukraine = TargetSpec("Ukraine", ("Kyiv", "Ukraine"))
    near_russia = lexical_hashes(text, find_mentions(text, russia), False)
    near_ukraine = lexical_hashes(text, find_mentions(text, ukraine), False)
    assert near_russia != near_ukraine                     # the words near each actor differ
    # The name itself is masked: the same sentence about another person gives the same features.
    other = text.replace("Putin", "Lukashenko")
    assert lexical_hashes(other, find_mentions(other, TargetSpec("Belarus", ("Lukashenko",))), False) == near_russia
    # A claim target reads the whole text.
    claim = TargetSpec("Ношение масок полезно для общества", ("маск",))
    assert lexical_hashes("маски не помогают", [], True) == lexical_hashes("маски не помогают", [(0, 5)], True)
    assert claim.is_claim


def test_own_corpus_parts_are_ours_labelled_and_recorded_in_the_model(model):
    from otklik.evaluation.training import OWN_FILES, load_own_rows

    rows, hashes = load_own_rows()
    assert set(hashes) == set(OWN_FILES) == set(model.meta["training_data"]) - {"rusentne", "argkp_train", "argkp_dev"}
    for part in ("seed_claims", "seed_tweets", "seed_news"):
        part_rows = [r for r in rows if r["source"] == part]
        assert len(part_rows) >= 60 and {-1, 0, 1} <= {r["label"] for r in part_rows}
        assert model.meta["training_data"][part]["sha256"] == hashes[part]["sha256"]
    news = [r for r in rows if r["source"] == "seed_news"]
    assert all(r["text"][r["start"]:r["end"]] == r["target"] for r in news)   # offsets point at the entity
    claims = [r for r in rows if r["source"] == "seed_claims"]
    assert len({r["group"] for r in claims}) >= 10       # many measures, not only the evaluation's three


@pytest.mark.parametrize("text,russia,ukraine", [
    ("Putin is a war criminal. Glory to Ukraine and its brave defenders!", -1, 1),
    ("Russia invaded a peaceful country. Ukraine will win.", -1, 1),
])
def test_shipped_model_reads_two_targets_in_one_tweet_separately(model, text, russia, ukraine):
    # Known weak spot (MODEL_CARD): a pro-Russia, anti-Ukraine tweet in one clause is often read
    # as the same stance toward both; these two-clause tweets are the behaviour we rely on.
    r, u = model.predict([text, text], [TargetSpec("Russia", ("Russia", "Russian", "Putin", "Kremlin")),
                                        TargetSpec("Ukraine", ("Ukraine", "Ukrainian", "Zelensky", "Kyiv"))])
    assert (r.label, u.label) == (russia, ukraine)


@pytest.mark.parametrize("text,label", [
    ("Носите маски, они реально спасают жизни стариков", 1),
    ("Маски ваши бесполезны, вирус через них проходит", -1),
])
def test_shipped_model_reads_stance_toward_a_claim(model, text, label):
    claim = TargetSpec("Ношение масок полезно для общества", ("маск", "респиратор"))
    assert model.predict([text], [claim])[0].label == label


# ---------- navec word vectors around the masked mention ----------

def test_navec_context_differs_for_two_targets_in_one_sentence():
    from otklik.analysis.navec_features import NAVEC_BLOCKS, navec_matrix
    from otklik.analysis.stance_features import context_words

    text = "Полиция жестоко избила Иванова, а суд оправдал Петрова и отпустил его домой"
    ivanov, petrov = TargetSpec("Иванов"), TargetSpec("Петров")
    wi = context_words(text, find_mentions(text, ivanov), False)
    wp = context_words(text, find_mentions(text, petrov), False)
    assert "избила" in wi[0] and "иванова" not in wi[0] + wi[1]   # the mention itself is masked
    assert "оправдал" in wp[0] and "отпустил" in wp[1]
    V = navec_matrix([wi, wp])
    assert V.shape == (2, 300 * len(NAVEC_BLOCKS))
    left, right = slice(0, 300), slice(300, 600)
    assert np.linalg.norm(V[0, left]) == pytest.approx(1.0, abs=1e-4)   # known words: unit mean
    assert np.abs(V[0, left] - V[1, left]).max() > 0.1 and np.abs(V[0, right] - V[1, right]).max() > 0.1
    # A claim (or an unnamed target) reads the whole text in every block.
    claim = context_words("маски реально спасают стариков", [], True)
    assert claim[0] == claim[1] == claim[2] == ["маски", "реально", "спасают", "стариков"]
    # No known word: zero vectors, not NaN.
    assert not navec_matrix([[["qqzzxx"], [], []]]).any()


def test_navec_loads_offline_from_the_natasha_wheel_and_matches_navec(monkeypatch):
    import socket

    import otklik.analysis.navec_features as nv

    def no_network(*a, **k):
        raise OSError("network used while loading navec")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(nv, "_NAVEC", None)
    table = nv.vectors()
    assert nv.vectors() is table                        # loaded once per process
    from navec import Navec

    ref = Navec.load(nv.navec_path())
    for word in ("суд", "освободили", "россия"):
        assert np.allclose(table.lookup(np.array([table.ids[word]]))[0], ref[word])
    assert "<unk>" not in table.ids and "<pad>" not in table.ids


def test_a_model_file_from_other_features_is_refused(model):
    narrow = StanceModel(model.W[:, :-300], model.b, model.mu[:-300], model.sd[:-300], model.rel_w, model.rel_b)
    narrow.embed = fake_embed
    with pytest.raises(ValueError, match="retrain"):
        narrow.predict(["Мовлаев в суде"], [MOVLAEV])
