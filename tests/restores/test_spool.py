"""The restore spool keeps an object's records on disk, in order, sealed."""

from restores.spool import Spool


def test_items_come_back_in_order_replaced_by_key_and_sealed_on_disk():
    spool = Spool()
    try:
        spool.put((f"001{n:015d}", {"Name": f"marker-{n}", "n": n}) for n in range(5))
        spool.put([("001000000000000002", {"Name": "marker-2 again", "n": 2})])

        batches = list(spool.items(2))
        assert [len(batch) for batch in batches] == [2, 2, 1]
        keys = [key for batch in batches for key, _ in batch]
        assert keys == [f"001{n:015d}" for n in range(5)]
        assert spool.get(["001000000000000002", "missing"]) == {
            "001000000000000002": {"Name": "marker-2 again", "n": 2}
        }
        stored = [body for (body,) in spool.db.execute("SELECT body FROM spool")]
        assert all(b"marker" not in bytes(body) for body in stored)
    finally:
        spool.close()
