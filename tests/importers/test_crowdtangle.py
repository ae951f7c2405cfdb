import shutil
from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options, detect
from otklik.importers.base import read_head
from otklik.importers.crowdtangle import post_created
from otklik.model import AuthorRec, CommentRec, Item, ObservationRec, PostRec, Skip, SourceRec

FIX = Path(__file__).parent.parent / "fixtures" / "crowdtangle"


def read(path):
    return list(REGISTRY["crowdtangle"].read(path, Options()))


def one(item, kind):
    [rec] = [e for e in item.entities if isinstance(e, kind)]
    return rec


def counts(item):
    return {(o.entity, o.metric): (o.value, o.observed_at) for o in item.entities if isinstance(o, ObservationRec)}


def test_facebook_rows():
    out = read(FIX / "facebook.csv")
    assert [(type(x).__name__, x.where) for x in out] == [
        ("Item", "line 2"), ("Item", "line 4"), ("Skip", "line 5"), ("Skip", "line 6"), ("Item", "line 7")]
    first = out[0]
    source, post = one(first, SourceRec), one(first, PostRec)
    assert source == SourceRec("facebook", "100000000000001", "page", "examplepage", "Example Page",
                               "https://www.facebook.com/100000000000001")
    assert post.platform_id == "123456789" and post.source_id == "100000000000001"
    assert post.author == AuthorRec("facebook", "100000000000001", "examplepage", "Example Page")
    assert post.published_at == "2024-05-01T12:00:00Z"  # 08:00 EDT
    assert post.url == "https://www.facebook.com/examplepage/posts/123456789"
    assert not [e for e in first.entities if isinstance(e, CommentRec)]  # CrowdTangle has no comment text


def test_followers_at_posting_observed_at_post_time_and_thousands_separators():
    c = counts(read(FIX / "facebook.csv")[0])
    assert c[("source", "followers")] == (162, "2024-05-01T12:00:00Z")
    assert c[("source", "likes")] == (150000, "2024-05-01T12:00:00Z")
    assert c[("post", "interactions")] == (1234, None)
    assert c[("post", "likes")] == (1000, None)
    assert c[("post", "comments")] == (205, None)
    assert c[("post", "love")] == (10, None)


def test_not_applicable_counts_are_no_observation():
    second = read(FIX / "facebook.csv")[1]
    c = counts(second)
    assert ("post", "views") not in c and ("post", "love") not in c  # "N/A" and empty
    assert c[("post", "likes")] == (12, None)
    assert one(second, PostRec).platform_id == "987654321"  # trailing slash
    assert one(second, PostRec).published_at == "2024-05-02T17:30:00Z"  # MSK


def test_quoted_newline_stays_one_record_with_exact_raw_bytes():
    first = read(FIX / "facebook.csv")[0]
    lines = (FIX / "facebook.csv").read_bytes().split(b"\n")
    assert first.raw == lines[1] + b"\n" + lines[2]
    assert one(first, PostRec).text == 'Мансур задержан.\nПодробности: "суд", 21 мая'


def test_crlf_file_keeps_crlf_inside_the_cell(tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b"Page Name,User Name,Facebook Id,Post Created,URL,Message\r\n"
                     b'P,p,1,2024-05-01 08:00:00 UTC,https://www.facebook.com/p/posts/9,"a\r\nb"\r\n')
    [item] = read(path)
    assert item.raw == b'P,p,1,2024-05-01 08:00:00 UTC,https://www.facebook.com/p/posts/9,"a\r\nb"'
    assert one(item, PostRec).text == "a\r\nb"


def test_bad_rows_are_skips_naming_the_row():
    out = read(FIX / "facebook.csv")
    assert "'XYZ'" in out[2].reason and "Post Created" in out[2].reason
    assert "'URL'" in out[3].reason
    assert one(out[4], PostRec).platform_id == "555"  # permalink.php?story_fbid=555
    assert one(out[4], PostRec).text is None


@pytest.mark.parametrize("value,utc", [
    ("2024-01-15 09:00:00 UTC", "2024-01-15T09:00:00Z"),
    ("2024-01-15 09:00:00 EST", "2024-01-15T14:00:00Z"),
    ("2024-07-15 09:00:00 EDT", "2024-07-15T13:00:00Z"),
    ("2024-01-15 09:00:00 PST", "2024-01-15T17:00:00Z"),
    ("2024-07-15 09:00:00 PDT", "2024-07-15T16:00:00Z"),
    ("2024-01-15 09:00:00 CET", "2024-01-15T08:00:00Z"),
    ("2024-07-15 09:00:00 CEST", "2024-07-15T07:00:00Z"),
    ("2024-01-15 09:00:00 MSK", "2024-01-15T06:00:00Z"),
    ("2022-03-01 10:00:00 EET", "2022-03-01T08:00:00Z"),
    ("2024-01-01 01:00:00 EST", "2024-01-01T06:00:00Z"),
    ("2023-12-31 23:30:00 MSK", "2023-12-31T20:30:00Z"),
])
def test_zone_abbreviations(value, utc):
    assert post_created(value) == utc


@pytest.mark.parametrize("value", ["2024-01-15 09:00:00 CST", "2024-01-15 09:00:00", "15/01/2024 09:00 UTC"])
def test_ambiguous_or_missing_zone_is_an_error(value):
    with pytest.raises(ValueError):
        post_created(value)


def test_instagram_variant():
    out = read(FIX / "instagram.csv")
    assert [type(x) for x in out] == [Item, Item]
    source, post = one(out[0], SourceRec), one(out[0], PostRec)
    assert source == SourceRec("instagram", "@free_mansur_movlaev", "account", "free_mansur_movlaev", "Free Mansur",
                               "https://www.instagram.com/free_mansur_movlaev/")
    assert post.platform == "instagram" and post.platform_id == "C6abcDEFghi"
    assert post.author.platform_id == "@free_mansur_movlaev"
    assert post.text == "Мансур Мовлаев задержан"
    assert post.published_at == "2024-05-01T20:20:00Z"
    c = counts(out[0])
    assert c[("source", "followers")] == (162, "2024-05-01T20:20:00Z")
    assert c[("post", "likes")] == (1205, None) and c[("post", "comments")] == (205, None)
    second = out[1]
    assert one(second, PostRec).platform_id == "C6xyz" and one(second, PostRec).text == "Суд"  # Title
    assert counts(second)[("post", "views")] == (1500, None)


def test_file_name_gives_capture_time(tmp_path):
    named = tmp_path / "2024-05-04-09-15-00-EDT-Historical-Report-free-mansur.csv"
    shutil.copy(FIX / "instagram.csv", named)
    imp = REGISTRY["crowdtangle"]
    assert imp.file_captured_at(named) == "2024-05-04T13:15:00Z"
    assert imp.file_captured_at(FIX / "instagram.csv") is None


def test_truncated_file_is_bad_input_naming_the_line():
    with pytest.raises(BadInput) as e:
        read(FIX / "truncated.csv")
    assert e.value.where == "line 2" and "truncated" in e.value.problem


def test_row_with_wrong_cell_count_is_a_skip(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("Page Name,User Name,Facebook Id,Post Created,URL,Message\n"
                    "P,p,1,2024-05-01 08:00:00 UTC\n"
                    "P,p,1,2024-05-01 08:00:00 UTC,https://www.facebook.com/p/posts/9,ok\n")
    out = read(path)
    assert isinstance(out[0], Skip) and out[0].where == "line 2" and "4 cells" in out[0].reason
    assert isinstance(out[1], Item)


def test_header_without_required_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Page Name,Facebook Id,Message\nP,1,hi\n")
    with pytest.raises(BadInput, match="Post Created"):
        read(path)


@pytest.mark.parametrize("name", ["facebook.csv", "instagram.csv"])
def test_detected(name):
    assert detect(FIX / name).name == "crowdtangle"


def test_synthetic_sample_reads_and_others_score_zero(samples):
    [item] = read(samples / "_synthetic/crowdtangle/SYNTHETIC_facebook_historical_export.csv")
    assert one(item, PostRec).published_at == "2022-03-01T08:00:00Z"
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "crowdtangle" not in str(p)]
    others += list((FIX.parent / "generic").glob("*"))
    for p in others:
        assert REGISTRY["crowdtangle"].sniff(read_head(p), p) == 0.0, p
