import json
from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options, detect
from otklik.importers.base import read_head
from otklik.model import AuthorRec, CommentRec, PostRec, Skip, SourceRec
from tests.importers.helpers import entities, comments, obs

FIX = Path(__file__).parent.parent / "fixtures" / "youtube_api"
IMP = REGISTRY["youtube-api"]
A = "UgxThreadA000000000000001"
VIDEO = "AbCdEfGhIjk"


def read(path):
    return list(IMP.read(path, Options()))


# ---------------------------------------------------------------- commentThreads


def test_threads_top_level_and_inline_replies():
    path = FIX / "threads.json"
    out = read(path)
    assert [x.where for x in out] == ["$.items[0]", "$.items[0].replies.comments[0]", "$.items[1]", "$.items[2]"]
    data, doc = path.read_bytes(), json.loads(path.read_bytes())
    assert json.loads(out[0].raw) == doc["items"][0] and out[0].raw in data
    assert json.loads(out[1].raw) == doc["items"][0]["replies"]["comments"][0] and out[1].raw in data
    assert all(x.captured_at is None for x in out)
    cs = comments(out)
    top, reply = cs[A], cs[A + ".r1"]
    assert top == CommentRec("youtube", A, VIDEO, "Свободу Мансуру!",
                             AuthorRec("youtube", "UCauthor0000000000000001", None, "Anna K"),
                             None, "2024-05-01T10:00:00Z", False, 12)
    assert reply.parent_id == A and reply.post_id == VIDEO and reply.published_at == "2024-05-01T11:00:00Z"
    assert reply.author == AuthorRec("youtube", "UCauthor0000000000000002", "boris_b", "@boris_b")
    counts = obs(out)
    assert counts[("comment", A, "replies")] == 3  # totalReplyCount: more than the inline subset
    assert counts[("comment", A, "likes")] == 12 and counts[("comment", A + ".r1", "likes")] == 1


def test_text_display_fallback_and_author_without_channel_id():
    c = comments(read(FIX / "threads.json"))["UgxThreadB000000000000002"]
    assert c.text == "Tom & Jerry\nsecond line"  # HTML textDisplay turned into text
    assert c.author == AuthorRec("youtube", "@no_channel", "no_channel", "@no_channel")


def test_channel_discussion_comment_belongs_to_the_channel():
    c = comments(read(FIX / "threads.json"))["UgxThreadC000000000000003"]
    assert c.post_id == "channel:UCowner00000000000000001" and c.parent_id is None


def test_single_thread_object():
    path = FIX / "thread.json"
    out = read(path)
    assert [x.where for x in out] == ["$", "$.replies.comments[0]"]
    assert out[0].raw == path.read_bytes().strip()
    assert comments(out)[A + ".r1"].parent_id == A


# ---------------------------------------------------------------- comments.list reply pages


def test_jsonl_pages_give_replies_their_video():
    out = read(FIX / "pages.jsonl")
    assert [x.where for x in out] == ["line 1, $.items[0]", "line 2, $.items[0]", "line 2, $.items[1]",
                                      "line 3, $.items[0]"]
    lines = (FIX / "pages.jsonl").read_bytes().split(b"\n")
    assert out[1].raw in lines[1]
    cs = comments(out)
    assert sorted(cs) == [A, A + ".r1", A + ".r2", A + ".r3"]
    for rid in (".r1", ".r2", ".r3"):
        assert cs[A + rid].parent_id == A and cs[A + rid].post_id == VIDEO
    assert cs[A + ".r3"].likes == 5  # "5" as a string


def test_json_list_of_responses(tmp_path):
    pages = [json.loads(line) for line in (FIX / "pages.jsonl").read_text().splitlines()]
    pages.insert(0, json.loads((FIX / "videos.json").read_text()))
    path = tmp_path / "all.json"
    path.write_text(json.dumps(list(reversed(pages)), indent=1))  # replies before their thread
    out = read(path)
    assert out[0].where == "$[0].items[0]" and out[-1].where == "$[3].items[0]"
    assert {c.post_id for c in comments(out).values()} == {VIDEO}
    assert [p.platform_id for p in entities(out, PostRec)] == [VIDEO]


def test_reply_page_with_the_video_in_the_file_name():
    cs = comments(read(FIX / f"replies_{VIDEO}.json"))
    assert {c.post_id for c in cs.values()} == {VIDEO}


def test_reply_page_alone_leaves_the_post_to_the_parent():
    out = read(FIX / "replies.json")
    assert [x.where for x in out] == ["$.items[0]", "$.items[1]"]
    replies = entities(out, CommentRec)
    assert [(r.post_id, r.parent_id) for r in replies] == [(None, A), (None, A)]


def test_reply_page_imported_after_its_thread_gets_the_threads_video(otk, home):
    import json
    import sqlite3

    otk("case", "new", "yt", "--subject", "X")
    res = otk("import", "--case", "yt", FIX / "replies.json", ok=False)
    assert res.exit_code == 2 and A in res.output and "parent" in res.output
    otk("import", "--case", "yt", FIX / "threads.json")
    s = json.loads(otk("import", "--case", "yt", FIX / "replies.json", "--json").output)
    assert s["comments"]["new"] + s["comments"]["existing"] == 2
    con = sqlite3.connect(home / "otklik.sqlite")
    posts = {r[0] for r in con.execute(
        "SELECT p.platform_id FROM comment c JOIN post p ON p.id=c.post_id WHERE c.parent_platform_id=?", (A,))}
    assert posts == {VIDEO}


# ---------------------------------------------------------------- videos and channels


def test_video_with_string_counts():
    out = read(FIX / "videos.json")
    [post] = entities(out, PostRec)
    assert post == PostRec("youtube", VIDEO, "UCowner00000000000000001",
                           AuthorRec("youtube", "UCowner00000000000000001", None, "Example News"),
                           "Суд над Мансуром\n\nРепортаж из зала суда.", "2024-04-30T18:00:00Z",
                           f"https://www.youtube.com/watch?v={VIDEO}")
    assert entities(out, SourceRec)[0].platform_id == "UCowner00000000000000001"
    assert obs(out) == {("post", VIDEO, "views"): 15234, ("post", VIDEO, "likes"): 901,
                        ("post", VIDEO, "comments"): 212}


def test_channels_and_hidden_subscribers():
    out = read(FIX / "channels.json")
    assert entities(out, SourceRec)[0] == SourceRec(
        "youtube", "UCowner00000000000000001", "channel", "examplenews", "Example News",
        "https://www.youtube.com/channel/UCowner00000000000000001")
    counts = obs(out)
    assert counts[("source", "UCowner00000000000000001", "subscribers")] == 12300
    assert ("source", "UChidden0000000000000001", "subscribers") not in counts
    assert counts[("source", "UChidden0000000000000001", "views")] == 500


# ---------------------------------------------------------------- bad input


def test_truncated_file(tmp_path):
    data = (FIX / "threads.json").read_bytes()
    path = tmp_path / "threads.json"
    path.write_bytes(data[: data.rindex(b",", 0, len(data) // 2) + 1])  # cut after a value
    with pytest.raises(BadInput) as e:
        read(path)
    assert e.value.where.startswith("line ") and ", column " in e.value.where
    assert "truncated" in e.value.problem


def test_comment_without_id_is_a_skip_and_the_rest_come_through(tmp_path):
    doc = json.loads((FIX / "threads.json").read_text())
    del doc["items"][1]["snippet"]["topLevelComment"]["id"]
    path = tmp_path / "threads.json"
    path.write_text(json.dumps(doc))
    out = read(path)
    assert [x for x in out if isinstance(x, Skip)] == [Skip("$.items[1]", "required field 'id' is missing")]
    assert sorted(comments(out)) == [A, A + ".r1", "UgxThreadC000000000000003"]


def test_bad_jsonl_line_is_a_skip(tmp_path):
    lines = (FIX / "pages.jsonl").read_text().splitlines()
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join([lines[0], lines[1][:100], lines[2]]) + "\n")
    out = read(path)
    assert [x.where for x in out if isinstance(x, Skip)] == ["line 2"]
    assert sorted(comments(out)) == [A, A + ".r1"]


def test_other_api_response_kind_is_bad_input(tmp_path):
    path = tmp_path / "playlist.json"
    path.write_text('{"kind": "youtube#playlistItemListResponse", "items": []}')
    with pytest.raises(BadInput, match="playlistItemListResponse"):
        read(path)


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize("name", sorted(p.name for p in FIX.iterdir()))
def test_detected(name):
    assert detect(FIX / name).name == "youtube-api"


def test_other_samples_score_zero(samples):
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "youtube_data_api" not in p.parts]
    assert others
    for path in others:
        assert IMP.sniff(read_head(path), path) == 0.0, path


def test_real_samples(samples):
    found = {}
    for path in sorted((samples / "youtube_data_api").glob("*.json")):
        assert detect(path).name == "youtube-api"
        out = read(path)
        found[path.name] = out
        if "comments_by_parent" not in path.name:  # reply pages alone: their video is unknown
            assert not [x for x in out if isinstance(x, Skip)], path
    assert obs(found["apidata__channels__info_multiple.json"])[
        ("source", "UCK8sQmJBp8GCxrOtXWBpyEA", "subscribers")] == 10700000
    assert obs(found["modeldata__videos__video_api_response.json"])[("post", "D-lhorsDlUQ", "comments")] == 32


def test_truncated_jsonl_is_bad_input(tmp_path):
    data = (FIX / "pages.jsonl").read_bytes()
    path = tmp_path / "pages.jsonl"
    path.write_bytes(data[: len(data) - 40])
    with pytest.raises(BadInput) as e:
        read(path)
    assert e.value.where.startswith("line 3, column ") and "middle of a record" in e.value.problem
