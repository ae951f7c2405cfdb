import hashlib
from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options
from otklik.importers.base import read_head
from otklik.importers.generic import parse_mapping
from otklik.model import AuthorRec, CommentRec, ObservationRec, PostRec

FIX = Path(__file__).parent.parent / "fixtures" / "generic"
CSV_MAP = ("id=id,text=body,author=user,author_id=user_id,time=date,likes=likes,parent=reply_to,"
           "post=post,url=post_url")
JSONL_MAP = ("id=cid,text=message,author=user.name,author_id=user.id,time=ts,parent=parent,post=post,"
             "likes=reactions.likes")


def read(name_or_path, spec=None, **opts):
    path = name_or_path if isinstance(name_or_path, Path) else FIX / name_or_path
    mapping = parse_mapping(spec) if spec else None
    return list(REGISTRY["generic"].read(path, Options(mapping=mapping, **opts)))


def one(item, kind):
    [rec] = [e for e in item.entities if isinstance(e, kind)]
    return rec


def test_parse_mapping():
    assert parse_mapping(" text = body , author=user name") == {"text": "body", "author": "user name"}
    assert parse_mapping("text=a=b") == {"text": "a=b"}


@pytest.mark.parametrize("spec,message", [
    ("", "empty"), ("text", "FIELD=COLUMN"), ("text=", "FIELD=COLUMN"), ("=body", "FIELD=COLUMN"),
    ("text=body,,author=u", "FIELD=COLUMN"), ("txt=body", "unknown field 'txt'"),
    ("text=a,text=b", "mapped twice"),
])
def test_parse_mapping_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_mapping(spec)


def test_csv_with_mapping():
    out = read("comments.csv", CSV_MAP, platform="vk")
    assert [(type(x).__name__, x.where) for x in out] == [
        ("Item", "line 2"), ("Item", "line 4"), ("Skip", "line 5"), ("Item", "line 6")]
    first = out[0]
    c = one(first, CommentRec)
    assert c == CommentRec("vk", "k1", "P1", "Свободу Мансуру!\nПозор; суду", AuthorRec("vk", "101", "ivan_k"),
                           None, "2024-05-01T12:05:00Z")
    assert one(first, PostRec) == PostRec("vk", "P1", url="https://example.invalid/p/P1")
    assert one(first, ObservationRec) == ObservationRec("comment", "vk", "k1", "likes", 1234)
    reply = one(out[1], CommentRec)
    assert reply.parent_id == "k1" and reply.published_at == "2024-05-01T09:07:00Z"
    last = one(out[3], CommentRec)
    assert last.post_id == "P2" and last.parent_id is None  # parent == post: top level
    assert last.published_at == "2024-05-01T12:20:00Z"  # Unix seconds
    assert not [e for e in out[3].entities if isinstance(e, (PostRec, ObservationRec))]  # no url, no likes


def test_csv_quoted_newline_is_one_record_with_exact_raw_bytes():
    first = read("comments.csv", CSV_MAP)[0]
    lines = (FIX / "comments.csv").read_bytes().split(b"\n")
    assert first.raw == lines[1] + b"\n" + lines[2]


def test_row_without_text_is_a_skip_naming_the_row():
    skip = read("comments.csv", CSV_MAP)[2]
    assert skip.where == "line 5" and "'body'" in skip.reason


def test_local_time_zone_for_times_without_offset():
    out = read("comments.csv", CSV_MAP, local_tz="Europe/Moscow")
    assert one(out[0], CommentRec).published_at == "2024-05-01T09:05:00Z"
    assert one(out[1], CommentRec).published_at == "2024-05-01T09:07:00Z"  # had its own offset
    assert one(out[3], CommentRec).published_at == "2024-05-01T12:20:00Z"  # Unix time
    with pytest.raises(BadInput, match="time zone"):
        read("comments.csv", CSV_MAP, local_tz="Mars/Olympus")


def test_jsonl_with_mapping_and_dotted_paths():
    out = read("comments.jsonl", JSONL_MAP, platform="youtube")
    assert [(type(x).__name__, x.where) for x in out] == [
        ("Item", "line 1"), ("Item", "line 2"), ("Skip", "line 3"), ("Skip", "line 4"), ("Item", "line 5")]
    c1, c2 = one(out[0], CommentRec), one(out[1], CommentRec)
    assert c1 == CommentRec("youtube", "c1", "v9", "Свободу!", AuthorRec("youtube", "101", "ivan_k"),
                            None, "2024-05-01T12:05:00Z")
    assert c2.parent_id == "c1"
    assert one(out[0], ObservationRec).value == 4
    assert out[0].raw == (FIX / "comments.jsonl").read_bytes().split(b"\n")[0]
    assert "invalid JSON" in out[3].reason
    assert one(out[4], CommentRec).text == "42"


def test_without_id_or_post_columns():
    out = read("nopost.csv", "text=text,author=author,time=time")
    comments = [one(x, CommentRec) for x in out]
    assert [c.post_id for c in comments] == ["file:nopost", "file:nopost"]
    assert comments[0].author == AuthorRec("other", "@ivan_k", "ivan_k")
    expected = hashlib.sha256("ivan_k\x1f2024-05-01T12:00:00Z\x1fСвободу!".encode()).hexdigest()[:16]
    assert comments[0].platform_id == expected
    assert comments[1].text == "Да, свободу"
    assert read("nopost.csv", "text=text,author=author,time=time")[0].entities[0].platform_id == expected  # stable


def test_tab_separated(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("who\tsaid\nanna\tпривет, мир\n")
    [item] = read(path, "text=said,author=who")
    assert one(item, CommentRec).text == "привет, мир"


def test_missing_mapping_lists_the_columns_and_syntax():
    with pytest.raises(BadInput) as e:
        read("comments.csv")
    assert "--map text=COLUMN" in e.value.problem
    assert "'body'" in e.value.problem and "'post_url'" in e.value.problem
    with pytest.raises(BadInput, match="'message'"):
        read("comments.jsonl")
    with pytest.raises(BadInput, match="--map"):  # text is required
        read("comments.csv", "author=user")


def test_unknown_mapped_column_is_named():
    with pytest.raises(BadInput) as e:
        read("comments.csv", "text=body,author=username")
    assert "'username'" in e.value.problem and "author" in e.value.problem
    with pytest.raises(BadInput, match="'user.login'"):
        read("comments.jsonl", "text=message,author=user.login")


def test_unknown_platform():
    with pytest.raises(BadInput, match="platform"):
        read("comments.csv", CSV_MAP, platform="myspace")


def test_bad_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(BadInput, match="empty"):
        read(empty, "text=a")
    cut = tmp_path / "cut.csv"
    cut.write_text('a,text\n1,"no end\n')
    with pytest.raises(BadInput) as e:
        read(cut, "text=text")
    assert e.value.where == "line 2"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text\nпривет\n".encode("cp1251"))
    with pytest.raises(BadInput, match="UTF-8"):
        read(latin, "text=text")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "a"\n')
    with pytest.raises(BadInput) as e:
        read(broken, "text=text")
    assert e.value.where == "line 1"


def test_never_sniffed():
    for p in FIX.glob("*"):
        assert REGISTRY["generic"].sniff(read_head(p), p) == 0.0
