"""`otklik eval demo`: the in-genre check scores the pipeline's stance against the demo's truth."""

import json

from otklik.analysis import pipeline
from otklik.evaluation.demo import demo_truth


@pipeline.stance_backend("truth-for-tests")
def _truth(ctx, items, labelled):
    truth = demo_truth()
    out = []
    for c in items:
        g = truth.get(c.platform_id, truth.get(c.platform_id.rsplit("/", 1)[-1]))
        out.append({"label": g, "relevant": g is not None, "confidence": 1.0})
    return out


@pipeline.stance_backend("all-support-for-tests")
def _support(ctx, items, labelled):
    return [{"label": 1, "relevant": True, "confidence": 0.5} for _ in items]


def test_eval_demo_scores_a_perfect_backend_as_perfect_and_a_constant_one_by_the_truths_shares(otk):
    truth = list(demo_truth().values())
    perfect = json.loads(otk("eval", "demo", "--stance-backend", "truth-for-tests", "--json").output)
    assert perfect["n"] == len(truth) and perfect["accuracy"] == 1.0 and perfect["macro_f1"] == 1.0
    constant = json.loads(otk("eval", "demo", "--stance-backend", "all-support-for-tests", "--json").output)
    assert constant["accuracy"] == round(truth.count(1) / len(truth), 4)
    assert constant["per_class"]["1"]["recall"] == 1.0 and constant["per_class"]["-1"]["recall"] == 0.0
