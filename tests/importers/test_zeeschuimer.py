"""Zeeschuimer NDJSON importer: TikTok comments and posts, Instagram posts, X posts and replies.

Fixtures in tests/fixtures/zeeschuimer/ are invented (ids, names and texts made up for these tests).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from otklik.importers import REGISTRY, BadInput, Options, detect
from otklik.model import CommentRec, Item, ObservationRec, PostRec, Skip, SourceRec

FIX = Path(__file__).parent.parent / "fixtures" / "zeeschuimer"
TT_COMMENTS = FIX / "zeeschuimer-export-tiktok-comments-2024-05-01T132640.ndjson"
TT_POSTS = FIX / "zeeschuimer-export-tiktok.com-2024-05-01T120000.ndjson"
INSTAGRAM = FIX / "zeeschuimer-export-instagram.com-2024-05-01T120000.ndjson"
TWITTER = FIX / "zeeschuimer-export-twitter.com-2024-05-01T120000.ndjson"


def read(path: Path) -> list:
    return list(REGISTRY["zeeschuimer"].read(path, Options()))


def items(path: Path) -> list[Item]:
    out = read(path)
    assert all(isinstance(x, Item) for x in out), [x for x in out if not isinstance(x, Item)]
    return out


def of(item: Item, cls) -> list:
    return [e for e in item.entities if isinstance(e, cls)]


def obs(item: Item) -> dict:
    return {(o.entity, o.platform_id, o.metric): o.value for o in of(item, ObservationRec)}


# ---------------------------------------------------------------- tiktok-comments


def test_tiktok_comments_records_and_raw_lines():
    out = read(TT_COMMENTS)
    lines = TT_COMMENTS.read_bytes().split(b"\n")
    top, reply = out[0], out[1]
    assert top.raw == lines[0] and top.where == "line 1"
    assert top.captured_at == "2024-05-01T13:26:40Z"  # timestamp_collected, ms
    [c] = of(top, CommentRec)
    assert (c.platform, c.platform_id, c.post_id, c.parent_id) == ("tiktok", "7400000000000000101",
                                                                   "7400000000000000000", None)
    assert c.text == "Держись, брат" and c.published_at == "2024-05-01T12:03:20Z" and c.likes == 12
    assert (c.author.platform_id, c.author.handle, c.author.display_name) == ("680000000000000001", "aslan_k", "Аслан")
    assert obs(top) == {("comment", "7400000000000000101", "likes"): 12}
    [post] = of(top, PostRec)  # share_info: URL without the query, title = caption
    assert post.platform_id == "7400000000000000000" and post.text == "Свободу ему"
    assert post.url == "https://www.tiktok.com/@free_case/video/7400000000000000000"
    [r] = of(reply, CommentRec)
    assert r.parent_id == "7400000000000000101" and r.post_id == "7400000000000000000"
    assert not of(reply, PostRec)  # the post is emitted once per file


def test_same_comment_seen_twice_gives_two_items_with_their_own_capture_times():
    out = [x for x in read(TT_COMMENTS) if isinstance(x, Item)]
    sightings = [x for x in out if of(x, CommentRec)[0].platform_id == "7400000000000000101"]
    assert [x.captured_at for x in sightings] == ["2024-05-01T13:26:40Z", "2024-05-02T13:26:40Z"]
    assert [of(x, CommentRec)[0].likes for x in sightings] == [12, 15]


def test_missing_field_is_a_skip_naming_the_line_and_others_still_come():
    out = read(TT_COMMENTS)
    skips = [x for x in out if isinstance(x, Skip)]
    assert skips == [Skip("line 4", "required field 'cid' is missing")]
    assert [x.where for x in out if isinstance(x, Item)] == ["line 1", "line 2", "line 3", "line 5"]
    assert of(out[-1], CommentRec)[0].text == ""  # an empty (sticker-only) comment is kept


def test_4cat_flattened_download_reads_like_the_envelope():
    flat = items(FIX / "tiktok_comments_4cat.ndjson")
    env = [x for x in read(TT_COMMENTS) if isinstance(x, Item)][:2]
    assert [x.entities for x in flat] == [x.entities for x in env]
    assert [x.captured_at for x in flat] == [x.captured_at for x in env]
    assert [x.entities for x in items(FIX / "twitter_4cat.ndjson")] == [x.entities for x in items(TWITTER)]


def test_synthetic_sample_imports_without_skips(samples):
    path = samples / "_synthetic/tiktok_comments_zeeschuimer/SYNTHETIC_zeeschuimer-export-tiktok-comments.ndjson"
    assert detect(path).name == "zeeschuimer"
    out = items(path)
    assert [of(x, CommentRec)[0].parent_id for x in out] == [None, "7360000000000000101"]


# ---------------------------------------------------------------- tiktok.com posts


def test_tiktok_posts_with_follower_and_post_counts():
    api, embedded = items(TT_POSTS)
    [src] = of(api, SourceRec)
    assert (src.platform_id, src.handle, src.url) == ("6800000000000000099", "free_case", "https://www.tiktok.com/@free_case")
    [post] = of(api, PostRec)
    assert post.source_id == "6800000000000000099" and post.text == "Свободу ему #justice"
    assert post.published_at == "2024-04-30T18:00:00Z"
    assert post.url == "https://www.tiktok.com/@free_case/video/7400000000000000000"
    pid = "7400000000000000000"
    assert obs(api) == {("source", "6800000000000000099", "followers"): 162, ("post", pid, "likes"): 340,
                        ("post", pid, "comments"): 205, ("post", pid, "shares"): 17, ("post", pid, "views"): 12000,
                        ("post", pid, "saves"): 9}
    # embedded-JSON shape: author as a string, counts as strings in statsV2
    [post2] = of(embedded, PostRec)
    assert post2.source_id == "6800000000000000099" and post2.author.handle == "free_case"
    assert obs(embedded)[("post", "7400000000000000001", "likes")] == 1200


# ---------------------------------------------------------------- instagram.com posts


def test_instagram_item_list_polaris_and_graph_shapes_ads_left_out():
    item, hidden, polaris, graph = items(INSTAGRAM)  # the 5th line is an ad: not content
    [post] = of(item, PostRec)
    assert (post.platform_id, post.url) == ("C6abcDEFghi", "https://www.instagram.com/p/C6abcDEFghi/")
    assert post.text == "Мансур задержан 10 мая" and post.published_at == "2024-04-29T14:13:20Z"
    assert post.source_id == "5500000001" and post.author.handle == "free_case_page"
    assert of(item, SourceRec)[0].handle == "free_case_page"
    assert obs(item) == {("post", "C6abcDEFghi", "likes"): 88, ("post", "C6abcDEFghi", "comments"): 205}
    assert obs(hidden) == {("post", "C6hiddenXYZ", "comments"): 205}  # like counts hidden
    [p] = of(polaris, PostRec)
    assert p.text == "grid post" and p.published_at is None and obs(polaris) == {}
    [g] = of(graph, PostRec)
    assert (g.platform_id, g.text, g.published_at, g.source_id) == ("B1graphOLD1", "legacy caption",
                                                                     "2020-09-13T12:26:40Z", "5500000002")
    assert obs(graph) == {("post", "B1graphOLD1", "likes"): 7, ("post", "B1graphOLD1", "comments"): 2}


# ---------------------------------------------------------------- twitter.com (X)


def test_x_root_post_replies_and_retweet():
    root, reply, reply2, retweet = items(TWITTER)
    [post] = of(root, PostRec)
    assert post.platform_id == "1790000000000000000" and post.source_id == "1000"
    assert post.text == "The long text of the post about the case"  # note_tweet beats full_text
    assert post.published_at == "2024-05-01T10:00:00Z" and post.url == "https://x.com/case_news/status/1790000000000000000"
    assert obs(root)[("source", "1000", "followers")] == 5400
    assert obs(root)[("post", "1790000000000000000", "views")] == 1500
    [c1] = of(reply, CommentRec)
    assert (c1.post_id, c1.parent_id, c1.likes) == ("1790000000000000000", None, 5)  # replies to the root
    assert c1.author.handle == "reader1" and obs(reply)[("author", "2000", "followers")] == 12
    [c2] = of(reply2, CommentRec)  # TweetWithVisibilityResults, user fields in result.core
    assert (c2.platform_id, c2.post_id, c2.parent_id) == ("1790000000000000002", "1790000000000000000",
                                                          "1790000000000000001")
    assert (c2.author.handle, c2.author.display_name) == ("reader2", "Reader Two")
    assert c2.published_at == "2024-05-01T11:30:00Z" and obs(reply2)[("author", "3000", "followers")] == 7
    [rt] = of(retweet, PostRec)  # a retweet is read as the tweet it retweets
    assert (rt.platform_id, rt.text, rt.author.handle) == ("1780000000000000000", "original", "orig_author")


# ---------------------------------------------------------------- detection and bad input


def test_detection(samples):
    for path in (TT_COMMENTS, TT_POSTS, INSTAGRAM, TWITTER, FIX / "tiktok_comments_4cat.ndjson"):
        assert detect(path).name == "zeeschuimer", path
    imp = REGISTRY["zeeschuimer"]
    others = [p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md" and "zeeschuimer" not in str(p)]
    assert others
    for path in others:
        assert imp.sniff(path.read_bytes()[:65536], path) == 0.0, path


def test_truncated_file_is_bad_input_naming_line_and_column():
    with pytest.raises(BadInput) as e:
        read(FIX / "zeeschuimer-export-tiktok-comments-truncated.ndjson")
    assert e.value.where == "line 3, column 201"
    assert "ends in the middle of a record" in e.value.problem


def test_unsupported_platform_is_a_skip():
    out = read(FIX / "zeeschuimer-export-mixed.ndjson")
    assert isinstance(out[0], Item)
    assert isinstance(out[1], Skip) and out[1].where == "line 2" and "linkedin.com" in out[1].reason


def test_invalid_line_in_the_middle_is_a_skip(tmp_path):
    lines = TT_COMMENTS.read_bytes().split(b"\n")
    path = tmp_path / "z.ndjson"
    path.write_bytes(lines[0] + b"\n{oops\n" + lines[1] + b"\n{\"a\" 1}")
    out = read(path)  # a garbled (not cut short) last line is a Skip too
    assert [type(x) for x in out] == [Item, Skip, Item, Skip]
    assert [out[1].where, out[3].where] == ["line 2", "line 4"]


def test_not_zeeschuimer_or_empty_is_bad_input(tmp_path):
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": "1", "text": "hello"}\n')
    with pytest.raises(BadInput, match="not a Zeeschuimer export"):
        read(other)
    empty = tmp_path / "empty.ndjson"
    empty.write_text("\n")
    with pytest.raises(BadInput, match="empty"):
        read(empty)
