"""The web benchmark writes its large store by bulk SQL, beside the import service: it must
still write a store that the current schema accepts and `verify` passes."""

from otklik.store import open_store
from otklik.store.verify import verify_store
from otklik.web.bench import fill_store


def test_bench_store_is_a_valid_store(tmp_path):
    info = fill_store(tmp_path, 300, echo=lambda *_: None)
    engine = open_store(tmp_path)
    with engine.connect() as conn:
        result = verify_store(conn)
        n = conn.exec_driver_sql("SELECT count(*) FROM comment").scalar()
    assert result["ok"], result["mismatches"][:3]
    assert n == 300 and info
