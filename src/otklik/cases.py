"""Service functions over cases: create, list, show, search. The CLI and web call these."""

from __future__ import annotations

import json
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from .store import custody
from .store import case_post, cases, comment, in_case, observation, of_case, pg_comment_words, pg_search_query, post, source


class CaseError(Exception):
    pass


# A case name becomes a URL path segment and a folder name: letters (any script), digits, "_", "-" and
# inner dots, 1-64 characters. One rule for the CLI and the web.
_CASE_NAME = re.compile(r"[^\W_][\w.-]{0,63}")


def check_case_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise CaseError("a case needs a name")
    if not _CASE_NAME.fullmatch(name) or ".." in name:
        raise CaseError(f"case name {name[:80]!r} is not allowed: use 1-64 letters, digits, '_', '-' or '.', "
                        "starting with a letter or digit (no '/', spaces or markup)")
    return name


def create_case(conn: Connection, name: str, subject: str, aliases: list[str] | None = None,
                tz: str = "Europe/Moscow", langs: list[str] | None = None, actor: str | None = None) -> dict:
    name = check_case_name(name)
    if not subject.strip():
        raise CaseError("a case needs a subject (--subject \"Full Name\")")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CaseError(f"unknown time zone {tz!r} (use an IANA name such as Europe/Moscow)") from None
    if conn.execute(select(cases.c.id).where(cases.c.name == name)).first():
        raise CaseError(f"case {name!r} already exists")
    row = {"name": name, "subject": subject.strip(), "aliases": json.dumps(aliases or [], ensure_ascii=False),
           "tz": tz, "langs": json.dumps(langs or ["ru"]), "created_at": custody.now_utc()}
    cid = conn.execute(cases.insert().values(**row)).inserted_primary_key[0]
    custody.append(conn, "case-new", actor=actor, case_id=cid, details={k: row[k] for k in ("name", "subject", "aliases", "tz", "langs")})
    return get_case(conn, name)


def _case_dict(row) -> dict:
    d = dict(row._mapping)
    d["aliases"] = json.loads(d["aliases"])
    d["langs"] = json.loads(d["langs"])
    return d


def get_case(conn: Connection, name: str) -> dict:
    row = conn.execute(select(cases).where(cases.c.name == name)).first()
    if row is None:
        known = [r[0] for r in conn.execute(select(cases.c.name).order_by(cases.c.name))]
        hint = f"; known cases: {', '.join(known)}" if known else "; create it with `otklik case new`"
        raise CaseError(f"no case named {name!r}{hint}")
    return _case_dict(row)


def list_cases(conn: Connection) -> list[dict]:
    out = []
    for row in conn.execute(select(cases).order_by(cases.c.name)):
        d = _case_dict(row)
        d["posts"], d["comments"] = _case_counts(conn, d["id"])
        out.append(d)
    return out


def _case_counts(conn: Connection, case_id: int) -> tuple[int, int]:
    posts = conn.execute(select(func.count()).select_from(case_post.join(post, post.c.id == case_post.c.post_id)).where(
        case_post.c.case_id == case_id, post.c.copy_of_id.is_(None))).scalar()  # a forwarded copy is not a post of its own
    comments = conn.execute(select(func.count()).select_from(comment).where(
        of_case(case_id))).scalar()
    return posts, comments


def latest_observations(conn: Connection, etype: str, eid: int) -> dict:
    """The latest observation of each metric of an entity: {metric: {value, observed_at, basis}}."""
    rows = conn.execute(select(observation.c.metric, observation.c.value, observation.c.observed_at,
                               observation.c.basis)
                        .where(observation.c.entity_type == etype, observation.c.entity_id == eid)
                        .order_by(observation.c.observed_at))
    latest = {}
    for m, v, t, b in rows:
        latest[m] = {"value": int(v) if float(v).is_integer() else v, "observed_at": t, "basis": b}
    return latest


def show_case(conn: Connection, name: str) -> dict:
    """Sources, posts with their comment counts and latest observations."""
    c = get_case(conn, name)
    posts = conn.execute(
        select(post, source.c.platform_id.label("source_pid"), source.c.title.label("source_title"),
               source.c.handle.label("source_handle"), source.c.id.label("sid"))
        .select_from(post.join(case_post, case_post.c.post_id == post.c.id).outerjoin(source, source.c.id == post.c.source_id))
        .where(case_post.c.case_id == c["id"], post.c.copy_of_id.is_(None)).order_by(post.c.published_at, post.c.id)
    ).mappings().all()
    srcs, out_posts = {}, []
    for p in posts:
        n = conn.execute(select(func.count(), func.count(comment.c.parent_id), func.count(func.distinct(comment.c.author_id)),
                                func.count(comment.c.not_seen_since))
                         .where(comment.c.post_id == p["id"])).one()
        if p["sid"] is not None and p["sid"] not in srcs:
            srcs[p["sid"]] = {"platform": p["platform"], "platform_id": p["source_pid"], "title": p["source_title"],
                              "handle": p["source_handle"], "latest": latest_observations(conn, "source", p["sid"])}
        out_posts.append({
            "id": p["id"], "platform": p["platform"], "platform_id": p["platform_id"], "url": p["url"],
            "published_at": p["published_at"], "text": (p["text"] or "")[:200],
            "source": p["source_title"] or p["source_handle"] or p["source_pid"],
            "comments_stored": n[0], "replies_stored": n[1], "authors": n[2], "not_seen_since": n[3],
            "latest": latest_observations(conn, "post", p["id"])})
    posts_n, comments_n = _case_counts(conn, c["id"])
    authors_n = conn.execute(select(func.count(func.distinct(comment.c.author_id))).where(
        of_case(c["id"]))).scalar()
    return {"case": c, "sources": list(srcs.values()), "posts": out_posts,
            "totals": {"posts": posts_n, "comments": comments_n, "authors": authors_n}}


_PLAIN_QUERY = re.compile(r"[\w\s-]+")
_YO = re.compile("[её]", re.I)


def fts_query(query: str) -> str:
    """The FTS5 query for what a user typed. Plain words (no FTS5 syntax) match both spellings
    of е/ё, which Russian writers use interchangeably and FTS5's unicode61 tokenizer keeps
    apart: «еще» finds «ещё» and the other way round. A query with FTS5 syntax (quotes, *,
    parentheses, column filters) is passed as it is."""
    if not _PLAIN_QUERY.fullmatch(query) or re.search(r"\b(?:AND|OR|NOT|NEAR)\b", query):
        return query
    terms = []
    for word in query.split():
        spots = [m.start() for m in _YO.finditer(word)]
        variants = {word, word.replace("ё", "е").replace("Ё", "Е")}
        if 0 < len(spots) <= 3:  # every е may be an ё: at most 8 spellings
            for mask in range(1 << len(spots)):
                chars = list(word)
                for bit, i in enumerate(spots):
                    yo = mask >> bit & 1
                    chars[i] = ("ё" if yo else "е") if chars[i] in "её" else ("Ё" if yo else "Е")
                variants.add("".join(chars))
        alts = " OR ".join(f'"{v}"' for v in sorted(variants))
        terms.append(f"({alts})" if len(variants) > 1 else alts)
    return " ".join(terms)


def search(conn: Connection, name: str, query: str, limit: int = 50) -> list[dict]:
    """Full-text search over the case's comments, best matches first. SQLite: FTS5 syntax, plain
    words match both spellings of е/ё (see `fts_query`). PostgreSQL: web-search syntax
    (words, "a phrase", or, -word), ё read as е."""
    c = get_case(conn, name)
    cols = "c.id, c.platform, c.platform_id, c.author_handle, c.published_at, c.text"
    if conn.dialect.name == "postgresql":
        vec = pg_comment_words("c.text")
        sql = (f"SELECT {cols}, ts_headline('simple', c.text, q, 'StartSel=[, StopSel=], MaxWords=12, MinWords=4') "
               f"AS snippet FROM comment c, {pg_search_query()} q "
               f"WHERE {vec} @@ q AND {in_case()} ORDER BY ts_rank({vec}, q) DESC, c.id LIMIT :lim")
        q = query
    else:
        sql = (f"SELECT {cols}, snippet(comment_fts, 0, '[', ']', '…', 12) AS snippet "
               f"FROM comment_fts JOIN comment c ON c.id = comment_fts.rowid "
               f"WHERE comment_fts MATCH :q AND {in_case()} ORDER BY rank LIMIT :lim")
        q = fts_query(query)
    try:
        rows = conn.execute(text(sql), {"q": q, "cid": c["id"], "lim": limit}).mappings().all()
    except Exception as e:  # FTS5 syntax errors come back as OperationalError
        raise CaseError(f"cannot search for {query!r}: {getattr(e, 'orig', e)}") from None
    return [dict(r) for r in rows]
