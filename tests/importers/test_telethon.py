import json
from pathlib import Path

import pytest

from otklik.importers import BadInput, Options, detect
from otklik.importers.base import REGISTRY, read_head
from otklik.model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec

FIX = Path(__file__).parent.parent / "fixtures" / "telethon"
IMP = REGISTRY["telethon"]
G, C = "2222222222", "1111111111"


def read(path):
    return list(IMP.read(path, Options()))


def records(out, cls):
    return [e for x in out if isinstance(x, Item) for e in x.entities if isinstance(e, cls)]


def by_id(out, cls):
    return {r.platform_id: r for r in records(out, cls)}


def test_channel_post_copy_and_comments():
    out = read(FIX / "channel_comments.jsonl")
    posts, comments = by_id(out, PostRec), by_id(out, CommentRec)
    post = posts[f"{C}/5000"]
    assert post.source_id == C and post.copy_of is None and post.published_at == "2024-05-01T12:00:00Z"
    assert post.author == AuthorRec("telegram", f"channel{C}")  # no from_id: the channel itself
    obs = {(o.platform_id, o.metric): o.value for o in records(out, ObservationRec)}
    assert obs[(f"{C}/5000", "views")] == 12000
    assert obs[(f"{C}/5000", "shares")] == 30
    assert obs[(f"{C}/5000", "comments")] == 4
    assert obs[(f"{C}/5000", "likes")] == 120
    assert obs[(f"{G}/71", "likes")] == 3
    copy = posts[f"{G}/70"]
    assert copy.copy_of == f"{C}/5000" and copy.source_id == G
    assert copy.author.platform_id == f"channel{C}"
    # direct reply to the copy (no reply_to_top_id), reply to a comment, reply to a reply
    assert (comments[f"{G}/71"].post_id, comments[f"{G}/71"].parent_id) == (f"{G}/70", None)
    assert (comments[f"{G}/72"].post_id, comments[f"{G}/72"].parent_id) == (f"{G}/70", f"{G}/71")
    assert (comments[f"{G}/73"].post_id, comments[f"{G}/73"].parent_id) == (f"{G}/70", f"{G}/72")
    c = comments[f"{G}/71"]
    assert c.text == "Опять закрыли!" and c.published_at == "2024-05-01T12:05:00Z"
    assert c.author == AuthorRec("telegram", "333333333")
    # the thread root is not in the file: the comment points at it all the same
    assert (comments[f"{G}/92"].post_id, comments[f"{G}/92"].parent_id) == (f"{G}/90", f"{G}/91")
    # ordinary group messages belong to the synthetic chat post
    assert (comments[f"{G}/80"].post_id, comments[f"{G}/80"].parent_id) == (f"{G}/chat", None)
    assert (comments[f"{G}/81"].post_id, comments[f"{G}/81"].parent_id) == (f"{G}/chat", f"{G}/80")
    assert set(posts) == {f"{C}/5000", f"{G}/70", f"{G}/chat"}
    sources = records(out, SourceRec)
    assert [(s.platform_id, s.kind) for s in sources] == [(C, "channel"), (G, "group")]
    assert not [x for x in out if isinstance(x, Complete)]


def test_service_message_not_yielded_and_missing_id_skipped():
    out = read(FIX / "channel_comments.jsonl")
    wheres = [x.where for x in out]
    assert "line 6" not in wheres  # MessageService
    assert [x for x in out if isinstance(x, Skip)] == [Skip("line 7", "required field 'id' is missing")]
    assert wheres[-1] == "line 10"  # the records after it still come through
    lines = (FIX / "channel_comments.jsonl").read_bytes().splitlines()
    item = next(x for x in out if isinstance(x, Item) and x.where == "line 3")
    assert item.raw == lines[2]


def test_4cat_variant():
    out = read(FIX / "4cat_channel.ndjson")
    posts = by_id(out, PostRec)
    assert set(posts) == {f"{C}/5000", f"{C}/5001"}
    p = posts[f"{C}/5000"]
    assert p.published_at == "2024-05-01T12:00:00Z"  # unix float
    assert p.url == "https://t.me/novosti_goroda/5000"
    assert p.author == AuthorRec("telegram", f"channel{C}", handle="novosti_goroda", display_name="Новости Города")
    assert records(out, SourceRec) == [SourceRec("telegram", C, kind="channel", handle="novosti_goroda",
                                                 title="Новости Города")]
    obs = {(o.platform_id, o.metric): o.value for o in records(out, ObservationRec)}
    assert obs == {(f"{C}/5000", "views"): 12000, (f"{C}/5000", "shares"): 30, (f"{C}/5001", "views"): 900}


def test_messages_document_with_channel_post_only_copy():
    out = read(FIX / "messages.json")
    # the raw result's users and chats lists are not read
    assert [x.where for x in out] == ["$.messages[0]", "$.messages[1]", "$.messages[2]"]
    posts, comments = by_id(out, PostRec), by_id(out, CommentRec)
    assert posts[f"{G}/200"].copy_of == f"{C}/6000"
    assert comments[f"{G}/201"].post_id == f"{G}/200" and comments[f"{G}/201"].parent_id is None
    assert comments[f"{G}/202"].post_id == f"{G}/chat"  # a user's own forward is not a copy
    text = (FIX / "messages.json").read_bytes()
    assert all(x.raw in text and json.loads(x.raw)["_"] == "Message" for x in out)


def test_plain_list_and_post_flag_absent(tmp_path):
    lines = (FIX / "channel_comments.jsonl").read_text().splitlines()
    msgs = [json.loads(line) for line in lines[:4]]
    del msgs[0]["post"]  # a channel message replying to nothing: a post
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(msgs, indent=2))
    out = read(path)
    assert [x.where for x in out] == ["$[0]", "$[1]", "$[2]", "$[3]"]
    assert set(by_id(out, PostRec)) == {f"{C}/5000", f"{G}/70"}
    assert set(by_id(out, CommentRec)) == {f"{G}/71", f"{G}/72"}


def test_synthetic_sample(samples):
    out = read(samples / "_synthetic" / "telethon" / "SYNTHETIC_telethon_to_dict_channel_and_comments.json")
    assert not [x for x in out if isinstance(x, Skip)]
    assert [x.where for x in out] == ["$.channel_post", "$.discussion_group_messages[0]",
                                      "$.discussion_group_messages[1]", "$.discussion_group_messages[2]"]
    comments = by_id(out, CommentRec)
    assert comments[f"{G}/72"].post_id == f"{G}/70" and comments[f"{G}/72"].parent_id == f"{G}/71"


def test_truncated_json(tmp_path):
    data = (FIX / "messages.json").read_bytes()
    path = tmp_path / "dump.json"
    path.write_bytes(data[: data.index(b'"id": 202')])
    with pytest.raises(BadInput) as e:
        read(path)
    assert "line" in e.value.where and "column" in e.value.where


def test_truncated_jsonl_last_line_skipped(tmp_path):
    data = (FIX / "channel_comments.jsonl").read_bytes()
    path = tmp_path / "dump.jsonl"
    path.write_bytes(data[:-40])
    out = read(path)
    skips = [x for x in out if isinstance(x, Skip)]
    assert skips[-1].where == "line 10" and "invalid JSON" in skips[-1].reason
    assert f"{G}/81" in by_id(out, CommentRec)


def test_no_messages(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"users": [{"_": "User", "id": 1}]}')
    with pytest.raises(BadInput, match="no Telethon message"):
        read(path)


def test_detection(samples):
    for name in ("channel_comments.jsonl", "4cat_channel.ndjson", "messages.json"):
        assert detect(FIX / name).name == "telethon"
    sample = samples / "_synthetic" / "telethon" / "SYNTHETIC_telethon_to_dict_channel_and_comments.json"
    assert detect(sample).name == "telethon"


def test_other_formats_score_zero(samples):
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "telethon" not in p.parts]
    others += list((FIX.parent / "telegram_desktop").glob("*.json"))
    assert others
    for path in others:
        assert IMP.sniff(read_head(path), path) == 0.0, path


def test_empty_jsonl(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text("\n")
    with pytest.raises(BadInput, match="empty"):
        read(path)
