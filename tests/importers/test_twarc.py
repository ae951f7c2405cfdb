from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options, detect
from otklik.importers.base import read_head
from otklik.model import CommentRec, Item, ObservationRec, PostRec, Skip, SourceRec

FIX = Path(__file__).parent.parent / "fixtures" / "twarc"
P, R1, R2, RT, R3 = (f"17900000000000001{n:02d}" for n in range(5))


def read(name):
    return list(REGISTRY["twarc2"].read(FIX / name, Options()))


def of(item, kind):
    return [e for e in item.entities if isinstance(e, kind)]


def by_id(item, kind):
    return {e.platform_id: e for e in of(item, kind)}


def counts(item):
    return {(o.entity, o.platform_id, o.metric): o.value for o in of(item, ObservationRec)}


def test_one_item_per_page_with_its_raw_line_and_capture_time():
    out = read("thread.jsonl")
    assert [type(x) for x in out] == [Item, Item, Item]
    lines = (FIX / "thread.jsonl").read_bytes().split(b"\n")
    assert [x.raw for x in out] == lines[:3]
    assert [x.where for x in out] == ["line 1", "line 2", "line 3"]
    assert [x.captured_at for x in out] == [
        "2024-05-02T10:00:00Z", "2024-05-03T08:30:00Z", "2024-05-03T08:31:00Z"]


def test_reply_tree_parent_vs_root():
    page = read("thread.jsonl")[0]
    comments = by_id(page, CommentRec)
    assert set(comments) == {R1, R2}
    assert comments[R1].post_id == P and comments[R1].parent_id is None  # replied to the root
    assert comments[R2].post_id == P and comments[R2].parent_id == R1  # replied to a reply
    posts = by_id(page, PostRec)
    assert set(posts) == {P, RT}  # the root from includes.tweets, the retweet from data
    assert posts[P].source_id == "11" and posts[P].url == "https://x.com/newsroom_page/status/" + P
    assert posts[P].published_at == "2024-05-01T12:00:00Z"
    assert posts[RT].copy_of == P
    # parents come before their replies in the entity list
    order = [e.platform_id for e in page.entities if isinstance(e, CommentRec)]
    assert order == [R1, R2]


def test_authors_sources_and_followers():
    page = read("thread.jsonl")[0]
    comments = by_id(page, CommentRec)
    assert comments[R1].author.platform_id == "22"
    assert comments[R1].author.handle == "commenter_b" and comments[R1].author.display_name == "Б. Комментатор"
    sources = by_id(page, SourceRec)
    assert set(sources) == {"11", "44"}  # accounts that posted; commenters are authors only
    assert sources["11"].kind == "account" and sources["11"].handle == "newsroom_page"
    c = counts(page)
    assert c[("source", "11", "followers")] == 162
    assert c[("author", "22", "followers")] == 5
    assert c[("author", "33", "followers")] == 1200
    assert all(o.observed_at is None for o in of(page, ObservationRec))  # at retrieved_at


def test_tweet_metrics_become_observations():
    c = counts(read("thread.jsonl")[0])
    assert c[("post", P, "likes")] == 10
    assert c[("post", P, "comments")] == 2
    assert c[("post", P, "retweets")] == 1
    assert c[("post", P, "quotes")] == 0
    assert c[("post", P, "impressions")] == 500
    assert c[("comment", R1, "likes")] == 5
    assert ("comment", R1, "impressions") not in c  # impression_count 0 means "not counted"


def test_later_page_observes_again_with_its_own_capture_time():
    second = read("thread.jsonl")[1]
    assert second.captured_at == "2024-05-03T08:30:00Z"
    assert counts(second)[("post", P, "comments")] == 3
    assert by_id(second, CommentRec)[R3].parent_id is None


def test_note_tweet_text_and_html_escapes():
    page = read("thread.jsonl")[0]
    comments, posts = by_id(page, CommentRec), by_id(page, PostRec)
    assert comments[R2].text.startswith("Длинный ответ.") and len(comments[R2].text) > 300
    assert not comments[R2].text.endswith("…")
    assert comments[R1].text == "Свободу! Это позор & беззаконие"
    assert posts[P].text == "Мансур задержан <срочно>"


def test_tweet_in_data_and_includes_read_once():
    page = read("quoted_edit.jsonl")[0]
    assert [e.platform_id for e in of(page, CommentRec)] == ["1576995594388000768"]
    assert set(by_id(page, PostRec)) == {"1576994746135764992", "1576994789110992896"}
    comment = of(page, CommentRec)[0]
    assert comment.post_id == "1576994789110992896" and comment.parent_id is None
    assert len([o for o in of(page, ObservationRec) if o.platform_id == comment.platform_id]) == 4


def test_errors_only_page_is_kept_without_records():
    assert read("thread.jsonl")[2].entities == []


def test_real_pages_and_flattened_tweets_give_the_same_records():
    pages, flat = read("geo_tweets.jsonl"), read("flat_geo.jsonl")
    assert [x.captured_at for x in flat] == [x.captured_at for x in pages]
    assert [x.captured_at for x in flat] == ["2022-03-16T03:45:53Z", "2022-03-16T03:48:22Z"]
    for a, b in zip(pages, flat):
        assert sorted(map(repr, a.entities)) == sorted(map(repr, b.entities))
    reply = of(flat[1], CommentRec)[0]
    assert reply.platform_id == "1501963039859363843" and reply.post_id == "1501958949863661574"
    assert reply.author.handle == "IgorBrigadir"
    assert by_id(flat[1], PostRec)["1501958949863661574"].author.handle == "j2bryson"  # embedded referenced tweet


def test_bad_tweet_and_bad_line_are_skips_and_the_rest_comes_through():
    out = read("bad_records.jsonl")
    kinds = [(type(x).__name__, x.where) for x in out]
    assert kinds == [("Item", "line 1"), ("Skip", "line 1, data[0]"), ("Skip", "line 2"), ("Item", "line 3")]
    assert "'text'" in out[1].reason
    assert "invalid JSON" in out[2].reason
    assert set(by_id(out[0], CommentRec)) == {R1}
    assert set(by_id(out[3], CommentRec)) == {R3}


def test_truncated_file_is_bad_input_naming_line_and_column():
    with pytest.raises(BadInput) as e:
        read("truncated.jsonl")
    assert e.value.where == "line 1" and "column" in e.value.problem


def test_empty_and_foreign_json_lines(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(BadInput):
        list(REGISTRY["twarc2"].read(empty, Options()))
    other = tmp_path / "other.jsonl"
    other.write_text('{"cid": "1", "text": "hi"}\n')
    with pytest.raises(BadInput, match="neither an X API v2"):
        list(REGISTRY["twarc2"].read(other, Options()))


@pytest.mark.parametrize("name", ["thread.jsonl", "geo_tweets.jsonl", "flat_geo.jsonl", "quoted_edit.jsonl"])
def test_detected(name):
    assert detect(FIX / name).name == "twarc2"


def test_other_formats_score_zero(samples):
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "twitter" not in str(p)]
    others += list((FIX.parent / "crowdtangle").glob("*.csv")) + list((FIX.parent / "generic").glob("*"))
    for p in others:
        assert REGISTRY["twarc2"].sniff(read_head(p), p) == 0.0, p


def test_real_samples_read_without_skips(samples):
    files = sorted((samples / "twitter_api_v2").glob("*.jsonl"))
    assert files
    for p in files:
        assert not [x for x in REGISTRY["twarc2"].read(p, Options()) if isinstance(x, Skip)], p
