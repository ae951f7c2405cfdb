import json
from pathlib import Path

import pytest

from otklik.importers import BadInput, Options, detect
from otklik.importers.base import REGISTRY, read_head
from otklik.model import AuthorRec, CommentRec, Complete, Item, ObservationRec, PostRec, Skip, SourceRec

FIX = Path(__file__).parent.parent / "fixtures" / "telegram_desktop"
IMP = REGISTRY["telegram-desktop"]


def read(path, **opts):
    return list(IMP.read(path, Options(**opts)))


def records(out, cls):
    return [e for x in out if isinstance(x, Item) for e in x.entities if isinstance(e, cls)]


def by_id(out, cls):
    return {r.platform_id: r for r in records(out, cls)}


def test_channel_posts():
    out = read(FIX / "channel.json")
    items = [x for x in out if isinstance(x, Item)]
    # the service message ($.messages[0]) is not yielded
    assert [x.where for x in items] == ["$.messages[1]", "$.messages[2]"]
    assert not [x for x in out if isinstance(x, (Skip, Complete))]  # no comments in a channel export
    assert records(out, SourceRec) == [
        SourceRec("telegram", "1111111111", kind="channel", title="Новости Города")]
    posts = by_id(out, PostRec)
    p = posts["1111111111/5000"]
    assert p.text == "Мост закрыт на ремонт до июня. Подробнее"  # entity list -> plain text
    assert p.published_at == "2024-05-01T12:00:00Z"  # date_unixtime, not the local `date`
    assert p.source_id == "1111111111" and p.copy_hint is None
    assert p.author == AuthorRec("telegram", "channel1111111111", display_name="Новости Города")
    assert posts["1111111111/5001"].text == "Второй пост без реакций"
    assert records(out, ObservationRec) == [
        ObservationRec("post", "telegram", "1111111111/5000", "likes", 120)]
    assert not records(out, CommentRec)


def test_raw_is_exact_span():
    out = read(FIX / "channel.json")
    text = (FIX / "channel.json").read_bytes()
    for item in (x for x in out if isinstance(x, Item)):
        assert item.raw in text
        assert json.loads(item.raw)["type"] == "message"
        assert item.captured_at is None


def test_discussion_group_threads():
    out = read(FIX / "discussion_group.json")
    g = "2222222222"
    posts, comments = by_id(out, PostRec), by_id(out, CommentRec)
    copy = posts[f"{g}/70"]
    assert copy.source_id == g and copy.copy_of is None
    assert copy.copy_hint == {"source_title": "Новости Города", "source_id": "1111111111",
                              "published_at": "2024-05-01T12:00:02Z",
                              "text": "Мост закрыт на ремонт до июня. Подробнее"}
    assert posts[f"{g}/76"].copy_hint["source_id"] == "1111111111"  # from forwarded_from_id
    # the thread: 71 replies to the copy, 72 to 71, 73 to 72
    assert (comments[f"{g}/71"].post_id, comments[f"{g}/71"].parent_id) == (f"{g}/70", None)
    assert (comments[f"{g}/72"].post_id, comments[f"{g}/72"].parent_id) == (f"{g}/70", f"{g}/71")
    assert (comments[f"{g}/73"].post_id, comments[f"{g}/73"].parent_id) == (f"{g}/70", f"{g}/72")
    c = comments[f"{g}/71"]
    assert c.author == AuthorRec("telegram", "333333333", display_name="Иван Петров")
    assert c.text == "Опять закрыли!" and c.published_at == "2024-05-01T12:05:00Z"
    assert ObservationRec("comment", "telegram", f"{g}/71", "likes", 3) in records(out, ObservationRec)
    # messages in no channel post's thread belong to the synthetic chat post
    chat = posts[f"{g}/chat"]
    assert chat.source_id == g and chat.text is None
    assert (comments[f"{g}/74"].post_id, comments[f"{g}/74"].parent_id) == (f"{g}/chat", None)
    assert (comments[f"{g}/75"].post_id, comments[f"{g}/75"].parent_id) == (f"{g}/chat", f"{g}/74")
    assert comments[f"{g}/77"].post_id == f"{g}/chat"  # a user's forward is not a copy
    # a reply to a service message has no parent
    assert (comments[f"{g}/78"].post_id, comments[f"{g}/78"].parent_id) == (f"{g}/chat", None)
    assert set(posts) == {f"{g}/70", f"{g}/76", f"{g}/chat"}
    assert [x for x in out if isinstance(x, Complete)] == [
        Complete("telegram", f"{g}/70"), Complete("telegram", f"{g}/chat"), Complete("telegram", f"{g}/76")]
    wheres = [x.where for x in out if isinstance(x, Item)]
    assert "$.messages[0]" not in wheres and "$.messages[10]" not in wheres  # service messages
    assert len(wheres) == 9
    assert records(out, SourceRec) == [
        SourceRec("telegram", g, kind="group", title="Новости Города — обсуждение")]


def test_old_local_date_read_in_local_tz():
    path = FIX / "channel_old_localtime.json"
    assert records(read(path), PostRec)[0].published_at == "2019-03-10T15:00:00Z"  # UTC when no tz given
    post = records(read(path, local_tz="Europe/Moscow"), PostRec)[0]
    assert post.published_at == "2019-03-10T12:00:00Z"
    # old exports write from_id as a bare number
    assert post.author == AuthorRec("telegram", "3333333333", display_name="Старый канал")
    # date_unixtime wins over `date` whatever the time zone
    post = records(read(FIX / "channel.json", local_tz="Asia/Tokyo"), PostRec)[0]
    assert post.published_at == "2024-05-01T12:00:00Z"


def test_unknown_time_zone():
    with pytest.raises(BadInput, match="time zone"):
        read(FIX / "channel_old_localtime.json", local_tz="Mars/Olympus")


def test_account_export_several_chats():
    out = read(FIX / "account_2020-01_trimmed.json", local_tz="Asia/Tashkent")
    assert [s.platform_id for s in records(out, SourceRec)] == ["8123123123", "9777777777"]
    assert {s.kind for s in records(out, SourceRec)} == {"group"}  # private_group and personal_chat
    comments = by_id(out, CommentRec)
    assert set(comments) == {"8123123123/4730", "8123123123/10415", "8123123123/39739", "8123123123/39740",
                             "9777777777/36302", "9777777777/36970"}
    assert comments["8123123123/4730"].published_at == "2016-11-08T19:36:45Z"  # 00:36:45 in UTC+5
    assert comments["8123123123/10415"].text.startswith("девиз Вольво:\nhttp://cs5.pikabu.ru/")
    assert comments["8123123123/10415"].text.endswith(".jpgгыгы")  # strings and entities concatenated
    assert comments["9777777777/36970"].text == "https://vk.com/video11487496_456239071"
    assert comments["8123123123/39740"].parent_id == "8123123123/39739"
    assert comments["8123123123/4730"].author == AuthorRec("telegram", "44444444", display_name="Eeeee Eeeeeeeeee")
    wheres = [x.where for x in out if isinstance(x, Item)]
    assert wheres[0] == "$.chats.list[0].messages[1]" and wheres[-1] == "$.chats.list[1].messages[1]"
    assert [x for x in out if isinstance(x, Complete)] == [
        Complete("telegram", "8123123123/chat"), Complete("telegram", "9777777777/chat")]


def test_new_format_group_and_cross_chat_reply():
    out = read(FIX / "group_2023-01.json")
    (c,) = records(out, CommentRec)
    assert c.platform_id == "123123123/111111" and c.published_at == "2016-11-17T12:57:40Z"
    assert c.text == "this contains a lot of stuff: 😁http://mylink.org/HIDE ME"
    out = read(FIX / "personal_2024-01.json")
    (c,) = records(out, CommentRec)
    assert c.parent_id is None  # it replies to a post in another chat (reply_to_peer_id)
    assert c.author.platform_id == "11111111"


def test_left_chats_are_read(tmp_path):
    doc = json.loads((FIX / "personal_2024-01.json").read_text())
    doc["left_chats"] = {"about": "", "list": [json.loads((FIX / "channel.json").read_text())]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    out = read(path)
    assert "1111111111/5000" in by_id(out, PostRec)
    assert "$.left_chats.list[0].messages[1]" in [x.where for x in out if isinstance(x, Item)]


def test_truncated_file(tmp_path):
    data = (FIX / "discussion_group.json").read_bytes()
    path = tmp_path / "result.json"
    path.write_bytes(data[: data.index(b'"id": 74')])  # cut off mid-export
    with pytest.raises(BadInput) as e:
        read(path)
    assert "line" in e.value.where and "column" in e.value.where
    assert "truncated" in e.value.problem


def test_message_missing_id_is_skipped(tmp_path):
    doc = json.loads((FIX / "channel.json").read_text())
    del doc["messages"][1]["id"]
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    out = read(path)
    assert [x for x in out if isinstance(x, Skip)] == [Skip("$.messages[1]", "required field 'id' is missing")]
    assert list(by_id(out, PostRec)) == ["1111111111/5001"]
    # the chat's source still comes through, with the next message read
    assert records(out, SourceRec)[0].platform_id == "1111111111"


def test_chat_without_id_is_skipped(samples):
    out = read(samples / "telegram_desktop" / "chat-miner_test_single_export.json")
    assert [x.where for x in out] == ["$.messages[0]", "$.messages[1]"]
    assert all(isinstance(x, Skip) for x in out)


def test_not_an_export(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"about": "nothing here"}')
    with pytest.raises(BadInput, match="not a Telegram Desktop export"):
        read(path)


def test_detection(samples):
    for name in ("channel.json", "discussion_group.json", "channel_old_localtime.json",
                 "account_2020-01_trimmed.json", "group_2023-01.json", "personal_2024-01.json"):
        assert detect(FIX / name).name == "telegram-desktop"
    for path in sorted(samples.glob("telegram_desktop/*.json")):
        assert detect(path).name == "telegram-desktop"


def test_other_formats_score_zero(samples):
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "telegram_desktop" not in p.parts]
    others += list((FIX.parent / "telethon").glob("*.*json*"))
    assert others
    for path in others:
        assert IMP.sniff(read_head(path), path) == 0.0, path
