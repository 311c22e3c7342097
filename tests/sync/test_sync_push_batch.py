"""The hub's cd_push as one statement per array (issue 7; issue 12's "sync 10,000 ops").

cd_push used to loop over the array row by row; it now inserts the whole array
at once. These check that the guarantees did not move: a repeated op_id gets the
number it already has (a lost acknowledgement is harmless), new operations are
numbered in the order sent, a gap in a device's sequence is refused, and a hub
made by the previous release upgrades with ``hub init`` while workstations keep
syncing across it (and loses its per-row NOTIFY trigger and per-row reference check).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import psycopg
import pytest

from clinic_desk.core.services import patients
from clinic_desk.core.sync import hub
from clinic_desk.core.sync.engine import SyncEngine
from clinic_desk.core.sync.envelope import Sealer
from tests.sync.conftest import make_first, make_joiner
from tests.sync.helpers.ops import make_ops
from tests.sync.helpers.stations import difference, dump

# cd_push as the previous release created it (a loop of single-row statements):
# what `hub init` finds on a hub made before this change.
PREVIOUS_CD_PUSH = """
CREATE OR REPLACE FUNCTION clinicdesk.cd_push(
    p_clinic text, p_device text, p_token bytea, p_client_schema integer,
    p_op_ids text[], p_seqs bigint[], p_hlcs bigint[], p_schemas integer[],
    p_key_ids text[], p_nonces bytea[], p_cts bytea[])
RETURNS TABLE (op_id text, server_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
DECLARE
    c record; last bigint; seq bigint; existing bigint; i integer;
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    PERFORM pg_advisory_xact_lock(hashtextextended('clinicdesk:' || p_clinic, 0));
    SELECT * INTO c FROM clinic WHERE clinic_id = p_clinic FOR UPDATE;
    IF p_client_schema < c.min_schema THEN
        RAISE EXCEPTION 'older (schema % < %)', p_client_schema, c.min_schema
            USING ERRCODE = 'CD004';
    END IF;
    SELECT d.last_seq INTO last FROM device d
        WHERE d.clinic_id = p_clinic AND d.device_id = p_device;
    seq := c.next_seq;
    FOR i IN 1 .. coalesce(array_length(p_op_ids, 1), 0) LOOP
        SELECT o.server_seq INTO existing FROM ops o WHERE o.op_id = p_op_ids[i];
        IF FOUND THEN
            op_id := p_op_ids[i]; server_seq := existing; RETURN NEXT;
            CONTINUE;
        END IF;
        IF p_seqs[i] <> last + 1 THEN
            RAISE EXCEPTION 'operation % of this workstation arrived after % (a gap)',
                p_seqs[i], last USING ERRCODE = 'CD006';
        END IF;
        INSERT INTO ops (clinic_id, server_seq, op_id, device_id, device_seq, hlc, schema,
                         key_id, nonce, ciphertext)
            VALUES (p_clinic, seq, p_op_ids[i], p_device, p_seqs[i], p_hlcs[i], p_schemas[i],
                    p_key_ids[i], p_nonces[i], p_cts[i]);
        op_id := p_op_ids[i]; server_seq := seq; RETURN NEXT;
        last := p_seqs[i];
        seq := seq + 1;
    END LOOP;
    UPDATE clinic SET next_seq = seq, min_schema = greatest(min_schema, p_client_schema)
        WHERE clinic_id = p_clinic;
    UPDATE device d SET last_seq = last WHERE d.clinic_id = p_clinic AND d.device_id = p_device;
END $$;
"""


class LostAck(Exception):
    pass


def _round(station: Any) -> None:
    eng = SyncEngine(station.clinic)
    try:
        eng.run_round()
    finally:
        eng.close()


def _hub_ops(url: str, device: str) -> list[tuple[int, int]]:
    """(server_seq, device_seq) of the device's operations on the hub, in server order."""
    with psycopg.connect(url) as conn:
        return [
            (int(r[0]), int(r[1]))
            for r in conn.execute(
                "SELECT server_seq, device_seq FROM clinicdesk.ops WHERE device_id = %s "
                "ORDER BY server_seq",
                (device,),
            )
        ]


@pytest.fixture
def desk(tmp_path: Any, hub_url: str) -> Any:
    station = make_first(tmp_path, hub_url)
    _round(station)
    patients.register_patient(
        station.clinic, station.director, family_name="林", given_name="测", sex="F"
    )
    yield station
    station.clinic.close()


def test_a_repeated_push_keeps_its_numbers_and_new_ones_follow_in_order(
    desk: Any, hub_url: str
) -> None:
    """Issue 7: idempotent op_id, per-device order; a mixed array (old + new) in one call."""
    eng = SyncEngine(desk.clinic)
    device = eng.state.device_id
    _round(desk)  # the patient
    before = _hub_ops(hub_url, device)
    make_ops(desk.clinic, 5, tag="a")

    def lose_ack(step: str) -> None:
        if step == "pushed":
            raise LostAck()

    eng.fault = lose_ack
    with pytest.raises(LostAck):
        eng.push()  # the hub has the five; the desk still holds them
    first = _hub_ops(hub_url, device)
    assert len(first) == len(before) + 5
    make_ops(desk.clinic, 3, tag="b")
    eng.fault = lambda step: None
    assert eng.push() == 8  # the five again (same numbers) and three new
    eng.close()
    after = _hub_ops(hub_url, device)
    assert after[: len(first)] == first
    assert len(after) == len(first) + 3
    device_seqs = [d for _, d in after]
    assert device_seqs == list(range(1, len(after) + 1))
    server = [s for s, _ in after]
    assert server == sorted(server) and len(set(server)) == len(server)
    with psycopg.connect(hub_url) as conn:
        row = conn.execute(
            "SELECT last_seq FROM clinicdesk.device WHERE device_id = %s", (device,)
        ).fetchone()
        assert row is not None and int(row[0]) == len(after)


def test_a_gap_in_a_device_sequence_is_refused_and_nothing_is_stored(
    desk: Any, hub_url: str
) -> None:
    """Issue 7: per-device sequence gap detection at the hub (CD006), all or nothing."""
    make_ops(desk.clinic, 3, tag="g")
    eng = SyncEngine(desk.clinic)
    device = eng.state.device_id
    rows = desk.clinic.store.read_rows(
        "SELECT seq, op_id, hlc, payload FROM sync_outbox ORDER BY seq"
    )
    sealer = Sealer(eng.state.sync_key)
    envelopes = [
        sealer.seal(
            clinic_id=eng.state.creds.clinic_id,
            op_id=op_id,
            device_id=device,
            device_seq=int(seq),
            hlc=int(hlc),
            schema=eng.schema,
            payload=bytes(payload),
        )
        for seq, op_id, hlc, payload in rows
    ]
    held = _hub_ops(hub_url, device)
    last = held[-1][1] if held else 0
    skipped = [envelopes[0], *(dataclasses.replace(e, op_id=e.op_id + "x") for e in envelopes[2:])]
    with pytest.raises(hub.SequenceGap) as caught:
        eng.hub.push(eng.state.creds, eng.schema, skipped)
    assert f"arrived after {envelopes[0].device_seq}" in str(caught.value)
    assert envelopes[0].device_seq == last + 1
    assert _hub_ops(hub_url, device) == held  # the first one was not kept either
    assert eng.push() == len(envelopes)  # in order, all is well
    eng.close()


# The previous release's bell (a NOTIFY per inserted row) and its reference from
# every operation row to its clinic (a check per row): `hub init` replaces both.
PREVIOUS_NOTIFY = """
ALTER TABLE clinicdesk.ops ADD CONSTRAINT ops_clinic_id_fkey
    FOREIGN KEY (clinic_id) REFERENCES clinicdesk.clinic;
CREATE OR REPLACE FUNCTION clinicdesk.ops_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clinicdesk', NEW.clinic_id);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS ops_notify ON clinicdesk.ops;
CREATE TRIGGER ops_notify AFTER INSERT ON clinicdesk.ops
    FOR EACH ROW EXECUTE FUNCTION clinicdesk.ops_notify();
"""


def _ops_trigger_and_keys(url: str) -> tuple[bool, list[str]]:
    """(the bell fires per row, the foreign keys of clinicdesk.ops)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT tgtype FROM pg_trigger WHERE tgname = 'ops_notify' "
            "AND tgrelid = 'clinicdesk.ops'::regclass"
        ).fetchone()
        assert row is not None, "the hub lost its bell"
        keys = [
            r[0]
            for r in conn.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid = 'clinicdesk.ops'::regclass"
            )
        ]
    return bool(int(row[0]) & 1), keys  # tgtype bit 0: FOR EACH ROW


def test_hub_init_upgrades_a_hub_made_by_the_previous_release(
    tmp_path: Any, desk: Any, hub_url: str
) -> None:
    """Issue 7: `hub init` on an existing hub replaces cd_push, the per-row bell and the
    per-row reference check; sync goes on across it."""
    with psycopg.connect(hub_url, autocommit=True) as conn:
        conn.execute(PREVIOUS_CD_PUSH)
        conn.execute(PREVIOUS_NOTIFY)
    assert _ops_trigger_and_keys(hub_url) == (True, ["ops_clinic_id_fkey"])
    room = make_joiner(tmp_path, desk, "room", name="Dr Wang's room")
    try:
        make_ops(desk.clinic, 7, tag="old")
        _round(desk)  # through the previous cd_push
        hub.init_hub(hub_url)  # the upgrade, on a hub holding operations
        with psycopg.connect(hub_url) as conn:
            body = conn.execute(
                "SELECT prosrc FROM pg_proc WHERE proname = 'cd_push'"
            ).fetchone()
            assert body is not None and "WITH ORDINALITY" in body[0]
        # One bell per pushing statement, no per-row reference check (bench/bench_sync.py).
        assert _ops_trigger_and_keys(hub_url) == (False, [])
        make_ops(desk.clinic, 9, tag="new")
        _round(desk)
        _round(room)
        a, b = dump(desk.clinic), dump(room.clinic)
        assert a == b, difference(a, b)
        eng = SyncEngine(desk.clinic)
        seqs = [d for _, d in _hub_ops(hub_url, eng.state.device_id)]
        eng.close()
        assert seqs == list(range(1, len(seqs) + 1))
    finally:
        room.clinic.close()
