"""The optional stance backends: "nli" on a tiny random model built here (no download), and "llm"
against a fake OpenAI-compatible server on 127.0.0.1. These check the plumbing a user relies on
(loading offline, one prediction per comment, request shape, parsing, retry, failures), not the
quality of any model."""

import json
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from otklik.analysis import stance_backends as sb
from otklik.analysis.pipeline import STANCE_BACKENDS, CommentView, Context
from tests.conftest import need

CASE = {"id": 1, "name": "t", "subject": "Ильяс Мударов", "aliases": ["Мударов", "Mudarov"], "langs": ["ru"]}
TEXTS = [("Свободу Мударову, его там убьют!", "ru"), ("Он террорист, пусть отвечает.", "ru"),
         ("Free him, he is innocent", "en"), ("Продам гараж недорого", "ru"), ("Аллах1 кхиэл", "ce")]
ALLOWED = {-1, 0, 1, None}


def comments(texts=TEXTS):
    return [CommentView(id=10 + i, text=t, author=f"a{i}", published_at=None, platform_id=f"p{i}",
                        ann={"language": {"lang": lang}, "normal": {"text": t}, "entities": {"subject": []}})
            for i, (t, lang) in enumerate(texts)]


def ctx(stance_cfg):
    return Context(CASE, {"stance": stance_cfg}, None, [], lambda *a: None)


def test_both_backends_are_registered_and_off_by_default():
    assert STANCE_BACKENDS["nli"] is sb.nli_stance and STANCE_BACKENDS["llm"] is sb.llm_stance
    from otklik.analysis.stages.comment import StanceStage

    assert StanceStage({}).backend == "default"


# ------------------------------------------------------------------ NLI


@pytest.fixture(scope="module")
def tiny_nli(tmp_path_factory):
    """A random 1-layer BERT with NLI labels in a non-default order, and a wordpiece vocab."""
    torch = need("torch", "ml")
    need("transformers", "ml")
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    d = tmp_path_factory.mktemp("nli")
    chars = list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєabcdefghijklmnopqrstuvwxyz")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars] + list(".,!?—-")
    (d / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tok = BertTokenizer(str(d / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0)
    id2label = {0: "contradiction", 1: "neutral", 2: "entailment"}
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=128, num_labels=3, id2label=id2label,
                     label2id={v: k for k, v in id2label.items()})
    model_dir = d / "model"
    BertForSequenceClassification(cfg).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    return model_dir


def test_nli_backend_loads_a_local_model_and_predicts_each_comment(tiny_nli, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    items = comments()
    out = sb.nli_stance(ctx({"backend": "nli", "model_dir": str(tiny_nli), "batch_size": 4, "max_length": 64}),
                        items, [])
    assert len(out) == len(items)
    for o in out:
        assert o["label"] in ALLOWED and o["relevant"] == (o["label"] is not None)
        assert 0.0 <= o["confidence"] <= 1.0
    # batching does not change the answers, and the run is deterministic
    again = sb.nli_stance(ctx({"model_dir": str(tiny_nli), "batch_size": 64, "max_length": 64}), items, [])
    assert [o["label"] for o in again] == [o["label"] for o in out]
    assert [o["confidence"] for o in again] == pytest.approx([o["confidence"] for o in out], abs=1e-3)


def test_nli_backend_treats_a_comment_naming_the_subject_as_relevant(tiny_nli):
    items = comments([("Продам гараж недорого", "ru")])
    items[0].ann["entities"]["subject"] = [[0, 7]]
    cfg = {"model_dir": str(tiny_nli), "relevance_threshold": 1.01}  # nothing else could make it relevant
    assert sb.nli_stance(ctx(cfg), items, [])[0]["relevant"] is True
    items[0].ann["entities"]["subject"] = []
    off = sb.nli_stance(ctx(cfg), items, [])[0]
    assert off["label"] is None and off["relevant"] is False


def test_nli_backend_never_downloads(tmp_path):
    with pytest.raises(ValueError, match="model_dir"):
        sb.nli_stance(ctx({"backend": "nli"}), comments(), [])
    # a hub-style name is not a directory: refused before transformers is asked for anything
    with pytest.raises(FileNotFoundError, match="never downloads"):
        sb.nli_stance(ctx({"model_dir": "joeddav/xlm-roberta-large-xnli"}), comments(), [])
    with pytest.raises(FileNotFoundError):
        sb.nli_stance(ctx({"model_dir": str(tmp_path / "absent")}), comments(), [])


def test_nli_label_ids_come_from_the_models_own_labels():
    assert sb.nli_label_ids({0: "entailment", 1: "neutral", 2: "contradiction"}) == (0, 2)
    assert sb.nli_label_ids({"0": "CONTRADICTION", "1": "NEUTRAL", "2": "ENTAILMENT"}) == (2, 0)
    assert sb.nli_label_ids({0: "entailment", 1: "not_entailment"}) == (0, 1)
    with pytest.raises(ValueError, match="id2label"):
        sb.nli_label_ids({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})


def test_nli_hypotheses_follow_the_comment_language_and_name_the_subject():
    ru, en = sb.nli_hypotheses("ru", "Ильяс Мударов"), sb.nli_hypotheses("en", "Ilyas Mudarov")
    assert all("Ильяс Мударов" in h for hs in ru.values() for h in hs)
    assert en["against"][0] == "The author is hostile to Ilyas Mudarov."
    assert sb.nli_hypotheses("kk", "X") == sb.nli_hypotheses("ru", "X")  # no Kazakh templates: Russian
    assert sb.nli_hypotheses("kk", "X", {"fallback_lang": "en"}) == sb.nli_hypotheses("en", "X")
    own = {"ru": {"support": ["За {subject}"], "against": ["Против {subject}"], "relevant": ["Про {subject}"]}}
    assert sb.nli_hypotheses("ru", "X", {"hypotheses": own}) == {"support": ["За X"], "against": ["Против X"],
                                                                 "relevant": ["Про X"]}


def test_nli_decision_maps_probabilities_to_labels():
    assert sb.nli_decide(0.9, 0.1, 0.9, False)["label"] == 1
    assert sb.nli_decide(0.1, 0.9, 0.9, False)["label"] == -1
    assert sb.nli_decide(0.1, 0.1, 0.9, False)["label"] == 0
    assert sb.nli_decide(0.9, 0.9, 0.9, False)["label"] == 0  # the model cannot tell: claim no stance
    off = sb.nli_decide(0.1, 0.2, 0.3, False)
    assert off == {"label": None, "relevant": False, "confidence": 0.7}
    assert sb.nli_decide(0.1, 0.2, 0.3, True)["relevant"]  # naming the subject makes it about the case
    strong, weak = sb.nli_decide(0.95, 0.05, 1, False), sb.nli_decide(0.75, 0.2, 1, False)
    assert strong["label"] == weak["label"] == 1 and strong["confidence"] > weak["confidence"]


# ------------------------------------------------------------------ LLM


class FakeLLM:
    """An OpenAI-compatible /v1/chat/completions on 127.0.0.1; `answer(request_json) -> content`
    (a str is the message content; an int is an HTTP status to fail with)."""

    def __init__(self, answer):
        self.answer, self.requests = answer, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                content = fake.answer(body)
                if isinstance(content, int):
                    self.send_response(content)
                    self.end_headers()
                    self.wfile.write(b'{"error": "nope"}')
                    return
                data = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data.encode())

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_llm():
    servers = []

    def make(answer):
        servers.append(FakeLLM(answer))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


def sent_comments(body):
    return json.loads(body["messages"][-1]["content"])["comments"]


def rule_answer(body):
    """Label by keyword, like a model would, over whatever comments the request carries."""
    res = []
    for c in sent_comments(body):
        t = c["text"].lower()
        label = -1 if "террорист" in t else None if "гараж" in t else 1 if ("свобод" in t or "free" in t) else 0
        res.append({"id": c["id"], "label": label, "confidence": 0.8})
    return json.dumps({"results": res}, ensure_ascii=False)


def test_llm_request_shape_auth_and_parsing(fake_llm):
    srv = fake_llm(rule_answer)
    items = comments()
    cfg = {"backend": "llm", "base_url": srv.base_url, "model": "qwen2.5-7b-instruct", "api_key": "sekret",
           "batch_size": 2, "timeout": 5}
    with pytest.warns(UserWarning, match="api_key_env") as caught:  # a literal key ends up in provenance
        out = sb.llm_stance(ctx(cfg), items, [])
    assert not [w for w in caught if w.category is RuntimeWarning]  # no failures
    assert [o["label"] for o in out] == [1, -1, 1, None, 0]
    assert [o["relevant"] for o in out] == [True, True, True, False, True]
    assert all(o["confidence"] == 0.8 for o in out)
    assert len(srv.requests) == 3  # 5 comments, 2 per request
    r = srv.requests[0]
    assert r["path"] == "/v1/chat/completions"
    assert r["headers"]["Authorization"] == "Bearer sekret"
    assert r["headers"]["Content-Type"] == "application/json"
    assert r["body"]["model"] == "qwen2.5-7b-instruct" and r["body"]["temperature"] == 0
    assert [m["role"] for m in r["body"]["messages"]] == ["system", "user"]
    user = json.loads(r["body"]["messages"][1]["content"])
    assert user["subject"] == "Ильяс Мударов" and "Mudarov" in user["aliases"]
    assert sent_comments(r["body"]) == [{"id": 1, "text": TEXTS[0][0]}, {"id": 2, "text": TEXTS[1][0]}]
    assert "JSON" in r["body"]["messages"][0]["content"]
    sent = [c["text"] for q in srv.requests for c in sent_comments(q["body"])]
    assert sent == [t for t, _ in TEXTS]


def test_llm_sends_no_authorization_without_a_key_and_reads_a_key_from_the_environment(fake_llm, monkeypatch):
    srv = fake_llm(rule_answer)
    sb.llm_stance(ctx({"base_url": srv.base_url, "model": "m"}), comments()[:1], [])
    assert "Authorization" not in srv.requests[-1]["headers"]
    monkeypatch.setenv("MY_LLM_KEY", "from-env")
    sb.llm_stance(ctx({"base_url": srv.base_url, "model": "m", "api_key_env": "MY_LLM_KEY"}), comments()[:1], [])
    assert srv.requests[-1]["headers"]["Authorization"] == "Bearer from-env"


def test_llm_retries_once_on_invalid_json(fake_llm):
    calls = []

    def answer(body):
        calls.append(1)
        return "Sure! Here are the labels: 1, -1" if len(calls) == 1 else "```json\n" + rule_answer(body) + "\n```"
    srv = fake_llm(answer)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sb.llm_stance(ctx({"base_url": srv.base_url, "model": "m"}), comments()[:2], [])
    assert [o["label"] for o in out] == [1, -1]
    assert len(srv.requests) == 2
    assert srv.requests[0]["body"] == srv.requests[1]["body"]


def test_llm_asks_again_only_for_missing_or_invalid_entries(fake_llm):
    def answer(body):
        got = json.loads(rule_answer(body))["results"]
        if len(sent_comments(body)) == 3:  # first try: one entry out of range, one missing
            got[0]["confidence"] = 7
            got = got[:2]
        return json.dumps({"results": got})
    srv = fake_llm(answer)
    out = sb.llm_stance(ctx({"base_url": srv.base_url, "model": "m"}), comments()[:3], [])
    assert [o["label"] for o in out] == [1, -1, 1]
    assert [c["id"] for c in sent_comments(srv.requests[1]["body"])] == [1, 3]


def test_llm_failure_after_the_retry_marks_items_and_warns(fake_llm):
    def answer(body):  # valid JSON, but comment 2 never gets a usable label
        res = json.loads(rule_answer(body))["results"]
        return json.dumps({"results": [dict(r, label="maybe") if r["id"] == 2 else r for r in res]})
    srv = fake_llm(answer)
    with pytest.warns(RuntimeWarning, match=r"1 of 3 comments"):
        out = sb.llm_stance(ctx({"base_url": srv.base_url, "model": "m"}), comments()[:3], [])
    assert out[1] == {"label": None, "relevant": False, "confidence": 0.0, "error": "llm_invalid"}
    assert out[0]["label"] == 1 and out[2]["label"] == 1
    assert len(srv.requests) == 2  # one retry, then give up

    garbage = fake_llm(lambda body: "no")
    with pytest.warns(RuntimeWarning, match=r"2 of 2 comments"):
        out = sb.llm_stance(ctx({"base_url": garbage.base_url, "model": "m"}), comments()[:2], [])
    assert all(o["label"] is None and not o["relevant"] and o["confidence"] == 0 for o in out)
    assert len(garbage.requests) == 2


def test_llm_editor_labels_are_examples_and_are_not_sent_again(fake_llm):
    srv = fake_llm(rule_answer)
    items = comments()
    labelled = [(items[1], -1), (items[3], None)]
    out = sb.llm_stance(ctx({"base_url": srv.base_url, "model": "m"}), items, labelled)
    assert out[1] == {"label": -1, "relevant": True, "confidence": 1.0}
    assert out[3] == {"label": None, "relevant": False, "confidence": 1.0}
    [req] = srv.requests
    user = json.loads(req["body"]["messages"][1]["content"])
    assert [c["text"] for c in user["comments"]] == [TEXTS[0][0], TEXTS[2][0], TEXTS[4][0]]
    assert user["labelled_examples"] == [{"text": TEXTS[1][0], "label": -1}, {"text": TEXTS[3][0], "label": None}]


def test_llm_needs_an_explicit_endpoint_and_reports_server_errors(fake_llm):
    with pytest.raises(ValueError, match="base_url"):
        sb.llm_stance(ctx({"backend": "llm", "model": "m"}), comments(), [])
    srv = fake_llm(lambda body: 401)
    with pytest.raises(sb.LLMError, match="HTTP 401"):
        sb.llm_stance(ctx({"base_url": srv.base_url, "model": "m"}), comments()[:1], [])
    assert len(srv.requests) == 1  # a client error is not retried
    flaky = fake_llm(lambda body: 503 if len(flaky.requests) == 1 else rule_answer(body))
    assert sb.llm_stance(ctx({"base_url": flaky.base_url, "model": "m"}), comments()[:1], [])[0]["label"] == 1
