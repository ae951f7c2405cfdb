"""Read-side queries of the web workspace: the comments table, a comment's evidence, time series.

The comments table must stay fast at a million comments, so it reads `web_comment_facet`: one
row per comment of a case with the columns it filters and orders by (thread position, author,
language, stance, theme, coordinated), each filter backed by an index that ends in the table's
order, and pages are cut by keyset (never OFFSET). The facets are derived data, rebuilt from the
store and the analysis (`annotations_for_export`) whenever the case's imports or latest analysis
run change; the evidence itself is always read from `comment` and `raw_record`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ..analysis.pipeline import annotations_for_export
from ..store import StoreBusy, in_case, pg_comment_words, write_now
from ..store.sql import case_data_stamp
from ..store.evidence import comment_sightings, record_bytes
from .search import SearchError, fts_match, pg_tsquery

PAGE = 50
COUNT_CAP = 10_000
STANCE_VALUES = {"1": "supportive", "0": "neutral", "-1": "hostile", "none": "not about the case"}

# ------------------------------------------------------------------ facets


FACET_VERSION = 3  # 2: the author facet falls back to the display name; 3: the display name has its own column


def facet_stamp(conn: Connection, case_id: int) -> str:
    """Changes whenever the case's comments or its analysis change (store.sql.case_data_stamp)."""
    return ":".join(map(str, (FACET_VERSION, *case_data_stamp(conn, case_id))))


_LOCKS: dict[tuple[str, int], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _rebuild_lock(engine: Engine, case_id: int) -> threading.Lock:
    """One rebuild of a case's facets at a time in this process (the page reads and the jobs)."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((str(engine.url), case_id), threading.Lock())


def _stamps(conn: Connection, case_id: int) -> tuple[str, str | None]:
    """(the stamp the facets should have, the stamp they have; None: never built)"""
    have = conn.execute(text("SELECT stamp FROM web_facet_state WHERE case_id=:c"), {"c": case_id}).scalar()
    return facet_stamp(conn, case_id), have


def refresh_facets(engine: Engine, case_id: int, force: bool = False, reader: Engine | None = None) -> bool:
    """Rebuild the case's facet rows if its stamp moved (waiting for the store's write lock, and
    for a rebuild under way); True when rebuilt."""
    with _rebuild_lock(engine, case_id):
        with (reader or engine).connect() as conn:
            stamp, have = _stamps(conn, case_id)
        if have == stamp and not force:
            return False
        with engine.begin() as conn:
            _rebuild(conn, case_id)
    return True


def facets_for_page(engine: Engine, reader: Engine, case_id: int) -> bool:
    """Make the case's facets fit for a page read without making the page wait for a writer:
    rebuilt here when their stamp moved, unless another request is rebuilding them or an import
    or analysis holds the store's write lock; then the page is served from the facets as they
    were (the comments committed before the change) and a later request rebuilds them.
    Facets never built are built here, waiting as long as it takes. True when current."""
    with reader.connect() as conn:
        stamp, have = _stamps(conn, case_id)
        if have is None and conn.execute(text("SELECT count(*) FROM import_run WHERE case_id=:c"),
                                         {"c": case_id}).scalar() == 0:
            return True  # nothing imported (committed) yet: the page is empty, no facets to build
    if have == stamp:
        return True
    if have is None:
        refresh_facets(engine, case_id, reader=reader)
        return True
    lock = _rebuild_lock(engine, case_id)
    if not lock.acquire(blocking=False):
        return False  # another request or job is rebuilding them
    try:
        with reader.connect() as conn:
            stamp, have = _stamps(conn, case_id)
        if have == stamp:
            return True
        with write_now(engine) as conn:
            _rebuild(conn, case_id)
        return True
    except StoreBusy:
        return False
    finally:
        lock.release()


def _rebuild(conn: Connection, case_id: int) -> None:
    """Replace the case's facet rows (in the caller's write transaction)."""
    stamp = facet_stamp(conn, case_id)
    extra = annotations_for_export(conn, case_id)  # the same per-comment analysis columns as `otklik export`
    conn.execute(text("DELETE FROM web_comment_facet WHERE case_id=:c"), {"c": case_id})
    conn.execute(text(
        "INSERT INTO web_comment_facet(case_id, comment_id, thread_at, root_id, published_at, is_reply, author, "
        "author_name) "
        "SELECT :c, c.id, COALESCE(r.published_at, c.published_at, ''), COALESCE(c.root_id, c.id), "
        "COALESCE(c.published_at, ''), CAST(c.parent_id IS NOT NULL OR c.parent_platform_id IS NOT NULL AS INTEGER), "
        "COALESCE(NULLIF(c.author_handle, ''), c.author_name), c.author_name "
        "FROM comment c LEFT JOIN comment r ON r.id = c.root_id "
        f"WHERE {in_case(param='c')}"), {"c": case_id})
    rows = [(d.get("lang"), _stance_key(d.get("stance")), d.get("theme"), int(bool(d.get("coordinated"))), case_id, cid)
            for cid, d in extra.items()]
    raw = conn.connection.dbapi_connection  # straight to the driver: a million rows at most
    m = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    raw.cursor().executemany(f"UPDATE web_comment_facet SET lang={m}, stance={m}, theme={m}, coordinated={m} "
                             f"WHERE case_id={m} AND comment_id={m}", rows)
    conn.execute(text("INSERT INTO web_facet_state(case_id, stamp) VALUES (:c, :s) "
                      "ON CONFLICT (case_id) DO UPDATE SET stamp = excluded.stamp"), {"c": case_id, "s": stamp})
    conn.exec_driver_sql("ANALYZE web_comment_facet")


def _stance_key(v) -> str | None:
    if v is None:
        return None
    return "none" if v == "not_about_case" else str(int(v))


# ------------------------------------------------------------------ the comments table

@dataclass
class Filters:
    theme: str = ""
    stance: str = ""
    lang: str = ""
    author: str = ""
    coordinated: bool = False
    date_from: str = ""
    date_to: str = ""
    q: str = ""

    @classmethod
    def from_params(cls, p) -> "Filters":
        f = cls(**{k: (p.get(k) or "").strip()[:200] for k in ("theme", "stance", "lang", "author", "date_from", "date_to", "q")})
        f.coordinated = p.get("coordinated") in ("1", "on", "true")
        if f.stance not in STANCE_VALUES:
            f.stance = ""
        return f

    def params(self) -> dict:
        d = {k: v for k, v in vars(self).items() if v}
        if self.coordinated:
            d["coordinated"] = "1"
        return d

    @property
    def any(self) -> bool:
        return bool(self.params())


THREAD_KEY = ("thread_at", "root_id", "published_at", "comment_id")
TIME_KEY = ("published_at", "comment_id")
FTS_KEY = ("comment_id",)


def _order(f: Filters) -> tuple[str, ...]:
    if f.q:
        return FTS_KEY  # FTS5 yields matches in rowid order: cheap to page through
    if f.date_from or f.date_to:
        return TIME_KEY
    return THREAD_KEY


def encode_cursor(row: dict, key: tuple[str, ...]) -> str:
    return json.dumps([row[k] for k in key], ensure_ascii=False, separators=(",", ":"))


def _decode_cursor(s: str, key: tuple[str, ...]) -> list | None:
    try:
        v = json.loads(s)
    except ValueError:
        return None
    if not isinstance(v, list) or len(v) != len(key):
        return None
    types = {"thread_at": str, "published_at": str, "root_id": int, "comment_id": int}
    return v if all(isinstance(x, types[k]) for x, k in zip(v, key)) else None


def _where(f: Filters, case_id: int) -> tuple[list[str], dict]:
    where, args = ["f.case_id = :cid"], {"cid": case_id}
    if f.author:
        where.append(_author_match(f.author, args))
    for col in ("theme", "stance", "lang"):
        if getattr(f, col):
            where.append(f"f.{col} = :{col}")
            args[col] = getattr(f, col)
    if f.coordinated:
        where.append("f.coordinated = 1")
    if f.date_from:
        where.append("f.published_at >= :date_from")
        args["date_from"] = f.date_from
    if f.date_to:  # inclusive of the whole day
        where.append("f.published_at < :date_to_next")
        args["date_to_next"] = f.date_to + "\uffff"
    return where, args


_TOP = "\U0010ffff"  # sorts after every character: [p, p + _TOP) is "starts with p"


def _author_match(typed: str, args: dict) -> str:
    """Authors whose handle or display name starts with what was typed, in any letter case (the
    spellings tried: as typed, lower, upper, capitalised, title case; ranges use the indexes)."""
    typed = typed.lstrip("@")
    variants = sorted({typed, typed.lower(), typed.upper(), typed.capitalize(), typed.title()})
    own = []
    for i, v in enumerate(variants):
        args[f"a{i}"], args[f"a{i}_end"] = v, v + _TOP
        own.append(f"(f.author >= :a{i} AND f.author < :a{i}_end)")
        own.append(f"(f.author_name >= :a{i} AND f.author_name < :a{i}_end)")
    # the cursor condition is the only one that starts with "(" (see comment_page's count)
    return f"f.author IS NOT NULL AND ({' OR '.join(own)})"


def comment_page(conn: Connection, case_id: int, f: Filters, after: str = "", before: str = "",
                 page: int = PAGE) -> dict:
    """One page of the comments table: {rows, next, prev, count, count_capped, order}."""
    key = _order(f)
    where, args = _where(f, case_id)
    cols = ", ".join(f"f.{k}" for k in key)
    cursor, backwards = None, False
    if before:
        cursor, backwards = _decode_cursor(before, key), True
    elif after:
        cursor = _decode_cursor(after, key)
    if cursor is not None:
        marks = ", ".join(f":k{i}" for i in range(len(key)))
        where.append(f"({cols}) {'<' if backwards else '>'} ({marks})")
        args.update({f"k{i}": v for i, v in enumerate(cursor)})
    direction = "DESC" if backwards else "ASC"
    order_by = ", ".join(f"f.{k} {direction}" for k in key)
    base = "FROM web_comment_facet f"
    if f.q and conn.dialect.name == "sqlite":
        base = "FROM comment_fts JOIN web_comment_facet f ON f.case_id = :cid AND f.comment_id = comment_fts.rowid"
        where.append("comment_fts MATCH :q")
        args["q"] = fts_match(f.q)  # SearchError in words for what cannot be searched
        order_by = f"comment_fts.rowid {direction}"
    elif f.q:  # PostgreSQL: its text search over the comment (see cases.search)
        base = "FROM web_comment_facet f JOIN comment s ON s.id = f.comment_id"
        where.append(f"{pg_comment_words('s.text')} @@ to_tsquery('simple', :q)")
        args["q"] = pg_tsquery(f.q)  # the same word forms as SQLite's (search.py)
    sql = (f"SELECT f.comment_id, f.thread_at, f.root_id, f.published_at, f.is_reply, f.author, f.lang, f.stance, "
           f"f.theme, f.coordinated, c.text, c.platform_id, c.parent_id, c.likes, c.not_seen_since "
           f"{base} JOIN comment c ON c.id = f.comment_id WHERE {' AND '.join(where)} ORDER BY {order_by} LIMIT {page + 1}")
    try:
        rows = [dict(r) for r in conn.execute(text(sql), args).mappings()]
        count_args = {k: v for k, v in args.items() if not k.startswith("k")}
        count_where = [w for w in where if not w.startswith("(")]
        count = conn.execute(text(f"SELECT count(*) FROM (SELECT 1 {base} WHERE {' AND '.join(count_where)} "
                                  f"LIMIT {COUNT_CAP + 1}) AS x"), count_args).scalar()
    except Exception:  # FTS5 syntax errors come back as OperationalError
        if f.q:
            raise SearchError(f"cannot search for {f.q[:80]!r}: use words, \"a phrase\", word* or OR") from None
        raise
    more = len(rows) > page
    rows = rows[:page]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_prev = (cursor is not None) if not backwards else more
    return {"rows": rows, "order": key,
            "next": encode_cursor(rows[-1], key) if rows and has_next else None,
            "prev": encode_cursor(rows[0], key) if rows and has_prev else None,
            "count": min(count, COUNT_CAP), "count_capped": count > COUNT_CAP}


def facet_options(conn: Connection, case_id: int) -> dict:
    """Values for the filter drop-downs (languages present; themes come from the summary)."""
    langs = [r[0] for r in conn.execute(text(
        "SELECT DISTINCT lang FROM web_comment_facet WHERE case_id=:c AND lang IS NOT NULL ORDER BY lang"), {"c": case_id})]
    return {"langs": langs}


def pending_labels(conn: Connection, case_id: int, ids: list[int]) -> dict[int, dict]:
    """Editor labels of these comments (they take effect on the next analysis run)."""
    if not ids or not conn.dialect.has_table(conn, "editor_label"):
        return {}
    marks = ",".join(str(int(i)) for i in ids)
    out: dict[int, dict] = {}
    for cid, fld, val, user, at in conn.execute(text(
            f"SELECT comment_id, field, value, user, at FROM editor_label WHERE case_id=:c AND comment_id IN ({marks})"),
            {"c": case_id}):
        out.setdefault(cid, {})[fld] = {"value": json.loads(val), "user": user, "at": at}
    return out


# ------------------------------------------------------------------ one comment

def comment_in_case(conn: Connection, case_id: int, comment_id: int) -> dict | None:
    row = conn.execute(text(
        "SELECT c.*, p.platform_id AS post_platform_id, p.url AS post_url FROM comment c JOIN post p ON p.id = c.post_id "
        f"WHERE c.id = :id AND {in_case(param='c')}"),
        {"id": comment_id, "c": case_id}).mappings().first()
    return dict(row) if row else None


def evidence(conn: Connection, comment_row: dict) -> dict:
    """The raw record exactly as stored, its hash, the import that brought it, every sighting."""
    raw, data = record_bytes(conn, comment_row["raw_id"])
    try:
        shown = data.decode("utf-8")
    except UnicodeDecodeError:
        shown = data.decode("utf-8", "replace")
    imp = conn.execute(text("SELECT * FROM import_run WHERE id = :id"), {"id": raw["import_id"]}).mappings().first()
    sightings = comment_sightings(conn, comment_row["id"])
    versions, seen = [], {raw["sha256"]}
    for x in sightings:  # other bytes the comment was seen as (an edit, a change in likes)
        sha = x["sha256"]
        if sha not in seen:
            seen.add(sha)
            versions.append({"id": x["raw_id"], "sha256": sha, "size": x["size"], "where": x["where"],
                             "captured_at": x["captured_at"]})
    return {"raw_text": shown, "sha256": raw["sha256"], "size": raw["size"], "where": raw["where"],
            "import": dict(imp) if imp else None, "sightings": sightings, "versions": versions}


def annotations(conn: Connection, comment_id: int) -> list[dict]:
    """Every annotation of the comment with its provenance (stage, backend, version, params, run)."""
    if not conn.dialect.has_table(conn, "annotation"):
        return []
    return [dict(r) for r in conn.execute(text(
        "SELECT a.stage, a.value, a.backend, a.version, a.params, a.input_hash, a.run_id, r.started_at, r.code_version "
        "FROM annotation a LEFT JOIN analysis_run r ON r.id = a.run_id WHERE a.comment_id = :id ORDER BY a.stage"),
        {"id": comment_id}).mappings()]


def model_stance(anns: list[dict]) -> dict | None:
    """The machine's stance from the comment's annotations: {key (as the forms spell it), confidence}."""
    for a in anns:
        if a["stage"] == "stance":
            v = json.loads(a["value"]) if isinstance(a["value"], str) else a["value"]
            return {"key": _stance_key(v.get("label")) or "none", "confidence": float(v.get("confidence") or 0)}
    return None


def thread(conn: Connection, case_id: int, root_id: int, limit: int = 500) -> list[dict]:
    """The thread a comment belongs to: its top-level comment and replies, in time order."""
    rows = [dict(r) for r in conn.execute(text(
        "SELECT c.id, c.parent_id, c.author_handle, c.author_name, c.published_at, c.text, c.platform_id FROM comment c "
        f"WHERE (c.id = :r OR c.root_id = :r) AND {in_case(param='c')} "
        "ORDER BY c.id = :r DESC, c.published_at, c.id LIMIT :lim"), {"r": root_id, "c": case_id, "lim": limit}).mappings()]
    depth = {}
    for r in rows:
        depth[r["id"]] = 0 if r["id"] == root_id else depth.get(r["parent_id"], 0) + 1
        r["depth"] = min(depth[r["id"]], 6)
    return rows


# ------------------------------------------------------------------ counts over time

def observation_series(conn: Connection, case_id: int) -> list[dict]:
    """Follower counts of the case's sources and comment counts of its posts, as dated series."""
    out = []
    for etype, sql in (
            ("source", "SELECT DISTINCT s.id, s.platform, COALESCE(s.handle, s.title, s.platform_id) FROM source s "
                       "JOIN post p ON p.source_id = s.id JOIN case_post cp ON cp.post_id = p.id WHERE cp.case_id = :c"),
            ("post", "SELECT p.id, p.platform, p.platform_id FROM post p JOIN case_post cp ON cp.post_id = p.id "
                     "WHERE cp.case_id = :c AND p.copy_of_id IS NULL")):
        for eid, platform, name in conn.execute(text(sql), {"c": case_id}).all():
            by_metric: dict[str, list] = {}
            for m, v, t in conn.execute(text(
                    "SELECT metric, value, observed_at FROM observation WHERE entity_type=:t AND entity_id=:id "
                    "ORDER BY observed_at"), {"t": etype, "id": eid}):
                by_metric.setdefault(m, []).append((t, v))
            for m, pts in by_metric.items():
                if m in ("followers", "members", "subscribers", "comments"):
                    out.append({"label": f"{platform}:{name} {m}", "entity": etype, "metric": m, "points": pts})
    return out
