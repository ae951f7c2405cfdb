import json
import lzma
import shutil
from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options, detect
from otklik.importers.base import read_head
from otklik.model import AuthorRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec
from tests.importers.helpers import entities, comments

FIX = Path(__file__).parent.parent / "fixtures" / "instaloader"
IMP = REGISTRY["instaloader"]
PREFIX = "2024-05-01_12-00-00_UTC"


def read(path):
    return list(IMP.read(path, Options()))


# ---------------------------------------------------------------- post and profile metadata


def test_graphql_post():
    path = FIX / "graphql" / f"{PREFIX}.json"
    out = read(path)
    assert len(out) == 1 and out[0].where == "$"
    assert out[0].raw == path.read_bytes()
    assert out[0].captured_at is None
    owner = AuthorRec("instagram", "1000001", "example_ngo", "Example NGO")
    assert entities(out, PostRec) == [PostRec(
        "instagram", "C3AAAAAAAAA", source_id="1000001", author=owner,
        text="Тестовий пост #свобода — synthetic", published_at="2024-05-01T12:00:00Z",
        url="https://www.instagram.com/p/C3AAAAAAAAA/")]
    assert entities(out, SourceRec) == [SourceRec("instagram", "1000001", "account", "example_ngo", "Example NGO",
                                                  "https://www.instagram.com/example_ngo/")]
    obs = {(o.entity, o.platform_id, o.metric): o.value for o in entities(out, ObservationRec)}
    assert obs == {("source", "1000001", "followers"): 12345, ("post", "C3AAAAAAAAA", "likes"): 42,
                   ("post", "C3AAAAAAAAA", "comments"): 6, ("post", "C3AAAAAAAAA", "views"): 900}


def test_json_and_json_xz_give_the_same_records():
    plain = read(FIX / "graphql" / f"{PREFIX}.json")
    xz_path = FIX / "compressed" / f"{PREFIX}.json.xz"
    packed = read(xz_path)
    assert [x.entities for x in packed] == [x.entities for x in plain]
    assert packed[0].raw == lzma.decompress(xz_path.read_bytes())  # decompressed bytes as read


def test_iphone_fallback_post():
    out = read(FIX / "iphone" / "2024-06-02_08-30-00_UTC.json")
    [post] = entities(out, PostRec)
    assert post.platform_id == "C3BBBBBBBBB"
    assert post.source_id == "1000001"  # int pk -> str
    assert post.author == AuthorRec("instagram", "1000001", "example_ngo", "Example NGO")
    assert post.text == "iPhone-API post"
    assert post.published_at == "2024-06-02T08:30:00Z"
    obs = {o.metric: o.value for o in entities(out, ObservationRec) if o.entity == "post"}
    assert obs == {"likes": 7, "comments": 2}


def test_iphone_struct_fills_what_the_node_lacks(tmp_path):
    doc = json.loads((FIX / "iphone" / "2024-06-02_08-30-00_UTC.json").read_text())
    for key in ("owner", "date", "edge_media_preview_like", "comments"):
        del doc["node"][key]
    path = tmp_path / "post.json"
    path.write_text(json.dumps(doc))
    out = read(path)
    [post] = entities(out, PostRec)
    assert post.author.platform_id == "1000001" and post.author.handle == "example_ngo"
    assert post.published_at == "2024-06-02T08:30:00Z"
    assert {o.metric: o.value for o in entities(out, ObservationRec)} == {"likes": 7, "comments": 2}


def test_v3_bare_node():
    path = FIX / "v3" / "2017-08-01_10-00-00_UTC.json"
    assert detect(path).name == "instaloader"
    out = read(path)
    [post] = entities(out, PostRec)
    assert (post.platform_id, post.source_id, post.text, post.published_at) == (
        "BXAAAAAAAAA", "1000001", "v3 post", "2017-08-01T10:00:00Z")
    assert post.author == AuthorRec("instagram", "1000001", None, None)


def test_profile():
    path = FIX / "profile" / "example_ngo_1000001.json"
    out = read(path)
    assert len(out) == 1 and out[0].raw == path.read_bytes()
    assert out[0].entities == [
        SourceRec("instagram", "1000001", "account", "example_ngo", "Example NGO",
                  "https://www.instagram.com/example_ngo/"),
        ObservationRec("source", "instagram", "1000001", "followers", 12345)]


def test_story_item_is_not_content():
    assert read(FIX / "profile" / f"{PREFIX}_story.json") == []


def test_post_without_shortcode_is_a_skip(tmp_path):
    doc = json.loads((FIX / "graphql" / f"{PREFIX}.json").read_text())
    del doc["node"]["shortcode"]
    path = tmp_path / "post.json"
    path.write_text(json.dumps(doc))
    assert read(path) == [Skip("$", "required field 'shortcode' is missing")]


# ---------------------------------------------------------------- comments


def test_comments_nested_answers_and_ids():
    path = FIX / "graphql" / f"{PREFIX}_comments.json"
    out = read(path)
    assert [x.where for x in out if isinstance(x, Item)] == ["$[0]", "$[1]", "$[1].answers[0]", "$[1].answers[1]"]
    assert out[-1] == Complete("instagram", "C3AAAAAAAAA")  # shortcode read from the sibling .json
    cs = comments(out)
    assert set(cs) == {"18000000000000005", "18000000000000001", "18000000000000004", "18000000000000002"}
    assert all(c.post_id == "C3AAAAAAAAA" for c in cs.values())
    top, answer = cs["18000000000000001"], cs["18000000000000002"]  # int id / str id
    assert top.parent_id is None and cs["18000000000000005"].parent_id is None
    assert answer.parent_id == "18000000000000001" and cs["18000000000000004"].parent_id == "18000000000000001"
    assert top.text == "Перший коментар" and top.published_at == "2024-05-01T12:03:20Z" and top.likes == 5
    # iPhone owner shape (int id, full_name) and GraphQL owner shape
    assert top.author == AuthorRec("instagram", "2000001", "commenter_a", "Коментатор А")
    assert answer.author == AuthorRec("instagram", "2000003", "commenter_c", None)
    assert cs["18000000000000004"].author.display_name is None  # empty full_name
    likes = {o.platform_id: o.value for o in entities(out, ObservationRec)}
    assert likes == {"18000000000000005": 0, "18000000000000001": 5, "18000000000000004": 0, "18000000000000002": 1}
    assert all(o.entity == "comment" and o.metric == "likes" for o in entities(out, ObservationRec))


def test_comment_raw_is_the_exact_span():
    path = FIX / "graphql" / f"{PREFIX}_comments.json"
    data = path.read_bytes()
    items = {x.where: x for x in read(path) if isinstance(x, Item)}
    for item in items.values():
        assert item.raw in data
        assert item.raw.startswith(b"{") and item.raw.endswith(b"}")
    doc = json.loads(data)
    assert json.loads(items["$[1]"].raw) == doc[1]
    assert json.loads(items["$[1].answers[1]"].raw) == doc[1]["answers"][1]


def test_comments_beside_a_json_xz_post(tmp_path):
    shutil.copy(FIX / "compressed" / f"{PREFIX}.json.xz", tmp_path)
    shutil.copy(FIX / "graphql" / f"{PREFIX}_comments.json", tmp_path)
    out = read(tmp_path / f"{PREFIX}_comments.json")
    assert out[-1] == Complete("instagram", "C3AAAAAAAAA")
    assert {c.post_id for c in comments(out).values()} == {"C3AAAAAAAAA"}


def test_comments_without_sibling_post():
    out = read(FIX / "orphan" / "2024-07-01_00-00-00_UTC_comments.json")
    [c] = comments(out).values()
    assert c.post_id == "file:orphan/2024-07-01_00-00-00_UTC"
    assert out[-1] == Complete("instagram", "file:orphan/2024-07-01_00-00-00_UTC")


def test_comments_missing_id_or_text_are_skips_and_the_rest_come_through():
    out = read(FIX / "bad" / "2024-08-01_00-00-00_UTC_comments.json")
    skips = [x for x in out if isinstance(x, Skip)]
    assert skips == [
        Skip("$[1]", "required field 'id' is missing"),
        Skip("$[1].answers[0]", "its parent comment $[1] has no id"),
        Skip("$[2].answers[0]", "required field 'id' is missing"),
        Skip("$[3]", "required field 'text' is missing"),
    ]
    cs = comments(out)
    assert sorted(cs) == ["1", "4", "6", "8"]
    assert cs["6"].parent_id == "4"
    assert out[-1] == Complete("instagram", "file:bad/2024-08-01_00-00-00_UTC")


def test_truncated_comments_file(tmp_path):
    data = (FIX / "graphql" / f"{PREFIX}_comments.json").read_bytes()
    path = tmp_path / f"{PREFIX}_comments.json"
    path.write_bytes(b"\n".join(data.splitlines()[:20]))  # cut after a complete line
    with pytest.raises(BadInput) as e:
        read(path)
    assert e.value.where.startswith("line ") and ", column " in e.value.where
    assert "truncated" in e.value.problem
    path.write_bytes(data[: len(data) // 2])  # cut inside a string
    with pytest.raises(BadInput) as e:
        read(path)
    assert e.value.where.startswith("line ") and ", column " in e.value.where


def test_empty_comments_list_is_complete(tmp_path):
    shutil.copy(FIX / "graphql" / f"{PREFIX}.json", tmp_path)
    path = tmp_path / f"{PREFIX}_comments.json"
    path.write_text("[]")
    assert detect(path).name == "instaloader"
    assert read(path) == [Complete("instagram", "C3AAAAAAAAA")]


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize("rel", [
    f"graphql/{PREFIX}.json", f"graphql/{PREFIX}_comments.json", f"compressed/{PREFIX}.json.xz",
    "iphone/2024-06-02_08-30-00_UTC.json", "iphone/2024-06-02_08-30-00_UTC_comments.json",
    "profile/example_ngo_1000001.json", f"profile/{PREFIX}_story.json",
    "orphan/2024-07-01_00-00-00_UTC_comments.json", "bad/2024-08-01_00-00-00_UTC_comments.json",
])
def test_detected(rel):
    assert detect(FIX / rel).name == "instaloader"


def test_big_compact_xz_is_detected_by_its_head(tmp_path):
    doc = json.loads((FIX / "graphql" / f"{PREFIX}.json").read_text())
    doc["node"]["iphone_struct"] = {"padding": "x" * 100_000}  # "instaloader" key beyond the 64 KB head
    path = tmp_path / f"{PREFIX}.json.xz"
    with lzma.open(path, "wt") as f:
        json.dump({"node": doc["node"], "instaloader": doc["instaloader"]}, f, separators=(",", ":"))
    assert IMP.sniff(read_head(path), path) > 0
    assert entities(read(path), PostRec)[0].platform_id == "C3AAAAAAAAA"


def test_other_formats_score_zero():
    for path in sorted((FIX / "other").iterdir()):
        assert IMP.sniff(read_head(path), path) == 0.0, path


def test_other_samples_score_zero(samples):
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "instaloader" not in p.parts]
    assert others
    for path in others:
        assert IMP.sniff(read_head(path), path) == 0.0, path
