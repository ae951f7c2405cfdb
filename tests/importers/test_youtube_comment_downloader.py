import json
from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options, detect
from otklik.importers.base import read_head
from otklik.importers.youtube_comment_downloader import video_id_in_name
from tests.importers.helpers import comments
from otklik.model import AuthorRec, CommentRec, Item, ObservationRec, Skip

FIX = Path(__file__).parent.parent / "fixtures" / "youtube_comment_downloader"
IMP = REGISTRY["youtube-comment-downloader"]
VIDEO = "AbCdEfGhIjk"
TOP = "UgzTop00000000000000001"


def read(path):
    return list(IMP.read(path, Options()))


def obs(out):
    return {(o.platform_id, o.metric): o.value for x in out if isinstance(x, Item)
            for o in x.entities if isinstance(o, ObservationRec)}


def test_jsonl_comments_and_replies():
    path = FIX / f"comments_{VIDEO}.jsonl"
    out = read(path)
    assert [x.where for x in out] == ["line 1", "line 2", "line 3", "line 4"]
    assert [x.raw for x in out] == path.read_bytes().splitlines()
    cs = comments(out)
    top, reply = cs[TOP], cs[TOP + ".9zReply0000001"]
    assert top == CommentRec("youtube", TOP, VIDEO, "Держись, Мансур",
                             AuthorRec("youtube", "UCauthor0000000000000001", "anna_k", "@anna_k"),
                             None, "2022-05-01T10:13:20Z", True, 1200)
    assert reply.parent_id == TOP and reply.post_id == VIDEO
    assert obs(out)[(TOP, "replies")] == 2 and obs(out)[(TOP, "likes")] == 1200  # votes "1.2K"


def test_approximate_times_are_flagged():
    cs = comments(read(FIX / f"comments_{VIDEO}.jsonl"))
    assert cs[TOP].published_approx and cs[TOP + ".9zReply0000001"].published_approx
    no_time = cs["UgzTop00000000000000003"]
    assert no_time.published_at is None and not no_time.published_approx
    assert no_time.likes == 3400  # "3,4 тыс."


def test_empty_text_and_author_without_channel():
    c = comments(read(FIX / f"comments_{VIDEO}.jsonl"))["UgzTop00000000000000002"]
    assert c.text == ""
    assert c.author == AuthorRec("youtube", "@Old Name", None, "Old Name")


def test_pretty_form():
    path = FIX / f"{VIDEO}.json"
    out = read(path)
    assert [x.where for x in out] == ["$.comments[0]", "$.comments[1]"]
    doc = json.loads(path.read_bytes())
    assert json.loads(out[1].raw) == doc["comments"][1] and out[1].raw in path.read_bytes()
    assert comments(out)[TOP + ".9zReply0000001"].parent_id == TOP


def test_post_id_without_video_id_in_the_name():
    assert {c.post_id for c in comments(read(FIX / "export.jsonl")).values()} == {"file:export"}


@pytest.mark.parametrize("name, video", [
    ("dQw4w9WgXcQ.jsonl", "dQw4w9WgXcQ"), ("comments_dQw4w9WgXcQ.json", "dQw4w9WgXcQ"),
    ("yt-D-lhorsDlUQ.json", "D-lhorsDlUQ"), ("comments.jsonl", None), ("my_comments_export.jsonl", None),
    ("youtube_comments_of_the_case.json", None), ("SYNTHETIC_comments.jsonl", None),
    ("comments_by_parent_paged_1.json", None),
])
def test_video_id_in_name(name, video):
    assert video_id_in_name(Path(name)) == video


def test_truncated_pretty_file(tmp_path):
    data = (FIX / f"{VIDEO}.json").read_bytes()
    path = tmp_path / f"{VIDEO}.json"
    path.write_bytes(data[: data.rindex(b",", 0, len(data) // 2) + 1])  # cut after a value
    with pytest.raises(BadInput) as e:
        read(path)
    assert e.value.where.startswith("line ") and ", column " in e.value.where
    assert "truncated" in e.value.problem


def test_bad_lines_are_skips_and_the_rest_come_through(tmp_path):
    lines = (FIX / f"comments_{VIDEO}.jsonl").read_text().splitlines()
    no_cid = json.loads(lines[2])
    del no_cid["cid"]
    path = tmp_path / f"{VIDEO}.jsonl"
    path.write_text("\n".join([lines[0], json.dumps(no_cid), lines[3], lines[1][:60]]) + "\n")
    out = read(path)
    assert [x for x in out if isinstance(x, Skip)][0] == Skip("line 2", "required field 'cid' is missing")
    assert [x.where for x in out if isinstance(x, Skip)] == ["line 2", "line 4"]  # line 4 is cut short
    assert sorted(comments(out)) == [TOP, "UgzTop00000000000000003"]


@pytest.mark.parametrize("name", sorted(p.name for p in FIX.iterdir()))
def test_detected(name):
    assert detect(FIX / name).name == "youtube-comment-downloader"


def test_synthetic_sample_and_other_samples(samples):
    sample = samples / "_synthetic" / "youtube_comment_downloader" / "SYNTHETIC_comments.jsonl"
    assert detect(sample).name == "youtube-comment-downloader"
    out = read(sample)
    assert len(comments(out)) == 3 and not [x for x in out if isinstance(x, Skip)]
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md"
              and "youtube_comment_downloader" not in p.parts]
    for path in others:
        assert IMP.sniff(read_head(path), path) == 0.0, path


def test_truncated_jsonl_is_bad_input(tmp_path):
    data = (FIX / f"comments_{VIDEO}.jsonl").read_bytes()
    path = tmp_path / f"{VIDEO}.jsonl"
    path.write_bytes(data[: data.index(b'"votes"', data.index(b"\n") + 1)])  # cut inside line 2
    with pytest.raises(BadInput) as e:
        read(path)
    assert e.value.where.startswith("line 2, column ") and "middle of a record" in e.value.problem
