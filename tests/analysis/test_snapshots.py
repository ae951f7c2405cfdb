"""The analysis' case-wide snapshots: what they hold equals what the annotations say, and a
snapshot that no longer describes the store is not used."""

from sqlalchemy import text

from otklik.analysis import snapshots
from otklik.store import open_store
from tests.conftest import copy_workspace


def test_proposing_snapshot_equals_the_annotations_and_a_stale_one_is_ignored(analysed_demo, tmp_path):
    engine = open_store(copy_workspace(analysed_demo, tmp_path / "ws"))
    with engine.begin() as conn:
        cid = conn.execute(text("SELECT id FROM cases WHERE name = 'demo'")).scalar()
        from_annotations = snapshots.proposing_from_annotations(conn, cid)
        assert len(from_annotations) >= 5  # the demo's commenters propose countries
        assert snapshots.read(conn, cid, snapshots.PROPOSING) is not None
        assert snapshots.proposing(conn, cid) == from_annotations
        # a comment's entities re-annotated by a later run: the snapshot's key no longer matches
        conn.execute(text("UPDATE annotation SET run_id = run_id + 100 WHERE stage = 'entities' AND comment_id = "
                          "(SELECT min(comment_id) FROM annotation WHERE stage = 'entities')"))
        assert snapshots.read(conn, cid, snapshots.PROPOSING) is None
        assert snapshots.proposing(conn, cid) == from_annotations
    engine.dispose()
