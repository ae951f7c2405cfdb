import json
from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options, detect
from otklik.importers.base import read_head
from otklik.model import AuthorRec, CommentRec, PostRec, Skip, SourceRec
from tests.importers.helpers import entities, comments, obs

FIX = Path(__file__).parent.parent / "fixtures" / "vk"
IMP = REGISTRY["vk"]
IVAN = AuthorRec("vk", "2001", "ivan_p", "Иван Петров")
CLUB = AuthorRec("vk", "-1000", "free_mansur", "Свобода Мансуру")


def read(path):
    return list(IMP.read(path, Options()))


def test_wall_get_posts_groups_and_counts():
    path = FIX / "wall.get.json"
    out = read(path)
    assert [x.where for x in out] == ["$.response.groups[0]", "$.response.groups[1]",
                                      "$.response.items[0]", "$.response.items[1]"]
    assert json.loads(out[2].raw) == json.loads(path.read_bytes())["response"]["items"][0]
    assert out[2].raw in path.read_bytes()
    posts = {p.platform_id: p for p in entities(out, PostRec)}
    assert posts["-1000_101"] == PostRec("vk", "-1000_101", "-1000", CLUB, "Суд над Мансуром перенесли",
                                         "2024-05-01T12:00:00Z", "https://vk.com/wall-1000_101")
    assert posts["-1000_102"].author == IVAN  # a member's post on the community wall
    assert entities(out, SourceRec) == [
        SourceRec("vk", "-1000", "page", "free_mansur", "Свобода Мансуру", "https://vk.com/free_mansur"),
        SourceRec("vk", "-3000", "group", None, "Closed group", "https://vk.com/club3000")]
    counts = obs(out)
    assert counts[("source", "-1000", "members")] == 15000
    assert ("source", "-3000", "members") not in counts
    assert {k[2]: v for k, v in counts.items() if k[1] == "-1000_101"} == {
        "likes": 17, "comments": 3, "shares": 3, "views": 950}


def test_wall_get_comments_threads_and_parents():
    out = read(FIX / "wall.getComments.json")
    assert [x.where for x in out] == [
        "$.response.groups[0]", "$.response.items[0]", "$.response.items[0].thread.items[0]",
        "$.response.items[0].thread.items[1]", "$.response.items[1]", "$.response.items[1].thread.items[0]",
        "$.response.items[2]"]
    cs = comments(out)
    assert cs["-1000_501"] == CommentRec("vk", "-1000_501", "-1000_101", "Держись!", IVAN, None,
                                         "2024-05-01T12:05:00Z", False, 4)
    assert cs["-1000_502"].parent_id == "-1000_501" and cs["-1000_502"].author == CLUB  # negative from_id
    # reply to a reply; owner_id and post_id taken from its thread comment
    assert cs["-1000_503"].parent_id == "-1000_502" and cs["-1000_503"].post_id == "-1000_101"
    assert cs["-1000_503"].author == AuthorRec("vk", "2002", "id2002", "Мария С.")
    assert cs["-1000_505"].parent_id == "-1000_504"  # parents_stack only
    assert obs(out)[("comment", "-1000_501", "replies")] == 2


def test_deleted_comment_is_kept_with_empty_text():
    c = comments(read(FIX / "wall.getComments.json"))["-1000_504"]
    assert c.text == "" and c.author is None and c.published_at == "2024-05-01T12:10:00Z"


def test_response_without_wrapper(tmp_path):
    doc = json.loads((FIX / "wall.getComments.json").read_text())
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(doc["response"], ensure_ascii=False))
    out = read(path)
    assert out[1].where == "$.items[0]" and len(comments(out)) == 6


def test_comment_without_id_is_a_skip_and_the_rest_come_through(tmp_path):
    doc = json.loads((FIX / "wall.getComments.json").read_text())
    del doc["response"]["items"][0]["thread"]["items"][0]["id"]
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    out = read(path)
    assert [x for x in out if isinstance(x, Skip)] == [
        Skip("$.response.items[0].thread.items[0]", "required field 'id' is missing")]
    assert sorted(comments(out)) == ["-1000_501", "-1000_503", "-1000_504", "-1000_505", "-1000_506"]


def test_truncated_file(tmp_path):
    data = (FIX / "wall.get.json").read_bytes()
    path = tmp_path / "wall.get.json"
    path.write_bytes(data[: data.rindex(b",", 0, len(data) // 2) + 1])  # cut after a value
    with pytest.raises(BadInput) as e:
        read(path)
    assert e.value.where.startswith("line ") and ", column " in e.value.where
    assert "truncated" in e.value.problem


def test_api_error_is_bad_input(tmp_path):
    path = tmp_path / "err.json"
    path.write_text('{"error": {"error_code": 15, "error_msg": "Access denied"}}')
    with pytest.raises(BadInput, match="Access denied"):
        read(path)


@pytest.mark.parametrize("name", ["wall.get.json", "wall.getComments.json"])
def test_detected(name):
    assert detect(FIX / name).name == "vk"


def test_synthetic_samples_and_other_samples(samples):
    for path in sorted((samples / "_synthetic" / "vk_api").glob("*.json")):
        assert detect(path).name == "vk"
        out = read(path)
        assert out and not [x for x in out if isinstance(x, Skip)]
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "vk_api" not in p.parts]
    for path in others:
        assert IMP.sniff(read_head(path), path) == 0.0, path


def test_comment_without_post_id_is_a_skip(tmp_path):
    doc = json.loads((FIX / "wall.getComments.json").read_text())
    del doc["response"]["items"][2]["post_id"]
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    skips = [x for x in read(path) if isinstance(x, Skip)]
    assert skips == [Skip("$.response.items[2]", "required field 'post_id' is missing")]
