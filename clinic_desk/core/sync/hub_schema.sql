-- ClinicDesk sync hub (issue 7). Applied by `clinic-desk hub init`; safe to run again.
-- Workstations reach the tables only through the functions below (SECURITY
-- DEFINER): their role has EXECUTE on those and no rights on any table.
CREATE SCHEMA IF NOT EXISTS clinicdesk;

CREATE TABLE IF NOT EXISTS clinicdesk.hub_info (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE IF NOT EXISTS clinicdesk.clinic (
    clinic_id     text PRIMARY KEY,
    next_seq      bigint NOT NULL DEFAULT 1,
    min_schema    integer NOT NULL DEFAULT 0,  -- pushes from older clients are refused
    trimmed_below bigint NOT NULL DEFAULT 1,   -- the log starts here (compaction)
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS clinicdesk.device (
    clinic_id   text NOT NULL REFERENCES clinicdesk.clinic,
    device_id   text NOT NULL,
    name        text NOT NULL,
    token_hash  bytea NOT NULL,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    last_seq    bigint NOT NULL DEFAULT 0,  -- the device's last pushed sequence number
    pulled_seq  bigint NOT NULL DEFAULT 0,  -- its cursor, as it last reported
    seen_at     timestamptz,
    PRIMARY KEY (clinic_id, device_id)
);

-- No foreign key to clinic: cd_push, the only writer, has checked the device
-- (whose row references the clinic) and holds the clinic row locked; a
-- per-row reference check was a quarter of the hub's time per operation.
CREATE TABLE IF NOT EXISTS clinicdesk.ops (
    clinic_id   text NOT NULL,
    server_seq  bigint NOT NULL,
    op_id       text NOT NULL UNIQUE,
    device_id   text NOT NULL,
    device_seq  bigint NOT NULL,
    hlc         bigint NOT NULL,
    schema      integer NOT NULL,
    key_id      text NOT NULL,
    nonce       bytea NOT NULL,
    ciphertext  bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (clinic_id, server_seq),
    UNIQUE (clinic_id, device_id, device_seq)
);

CREATE TABLE IF NOT EXISTS clinicdesk.pairing (
    code_id    text PRIMARY KEY,
    clinic_id  text NOT NULL REFERENCES clinicdesk.clinic,
    blob       bytea NOT NULL,
    made_by    text NOT NULL,
    expires_at timestamptz NOT NULL
);

INSERT INTO clinicdesk.hub_info (key, value) VALUES ('hub_schema', '1')
    ON CONFLICT (key) DO NOTHING;

ALTER TABLE clinicdesk.ops DROP CONSTRAINT IF EXISTS ops_clinic_id_fkey;  -- older hubs

-- The bell only: one NOTIFY per clinic per inserting statement (a per-row
-- trigger ran once for each of a push's thousand rows).
CREATE OR REPLACE FUNCTION clinicdesk.ops_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE c text;
BEGIN
    FOR c IN SELECT DISTINCT n.clinic_id FROM new_ops n LOOP
        PERFORM pg_notify('clinicdesk', c);
    END LOOP;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ops_notify ON clinicdesk.ops;
CREATE TRIGGER ops_notify AFTER INSERT ON clinicdesk.ops
    REFERENCING NEW TABLE AS new_ops
    FOR EACH STATEMENT EXECUTE FUNCTION clinicdesk.ops_notify();

CREATE OR REPLACE FUNCTION clinicdesk.cd_auth(p_clinic text, p_device text, p_token bytea)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
DECLARE d record;
BEGIN
    SELECT * INTO d FROM device WHERE clinic_id = p_clinic AND device_id = p_device;
    IF NOT FOUND OR d.token_hash <> sha256(p_token) THEN
        RAISE EXCEPTION 'this workstation is not enrolled in this clinic on this hub'
            USING ERRCODE = 'CD002';
    END IF;
    IF d.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'this workstation was removed from the clinic' USING ERRCODE = 'CD003';
    END IF;
    UPDATE device SET seen_at = now() WHERE clinic_id = p_clinic AND device_id = p_device;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_time() RETURNS timestamptz
LANGUAGE sql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
    SELECT clock_timestamp()
$$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_create_clinic(
    p_clinic text, p_device text, p_token bytea, p_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    -- Until its first push a clinic can be created again: enabling sync that
    -- failed on the workstation after the hub said yes can simply be retried.
    IF EXISTS (SELECT 1 FROM clinic WHERE clinic_id = p_clinic AND next_seq > 1) THEN
        RAISE EXCEPTION 'this clinic already syncs through this hub' USING ERRCODE = 'CD001';
    END IF;
    DELETE FROM pairing WHERE clinic_id = p_clinic;
    DELETE FROM device WHERE clinic_id = p_clinic;
    INSERT INTO clinic (clinic_id) VALUES (p_clinic) ON CONFLICT (clinic_id) DO NOTHING;
    INSERT INTO device (clinic_id, device_id, name, token_hash)
        VALUES (p_clinic, p_device, p_name, sha256(p_token));
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_register_device(
    p_clinic text, p_device text, p_token bytea,
    p_new_device text, p_new_token bytea, p_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    INSERT INTO device (clinic_id, device_id, name, token_hash)
        VALUES (p_clinic, p_new_device, p_name, sha256(p_new_token));
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_revoke_device(
    p_clinic text, p_device text, p_token bytea, p_target text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    UPDATE device SET revoked_at = now()
        WHERE clinic_id = p_clinic AND device_id = p_target AND revoked_at IS NULL;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_devices(p_clinic text, p_device text, p_token bytea)
RETURNS TABLE (device_id text, name text, enrolled_at timestamptz, revoked_at timestamptz,
               last_seq bigint, pulled_seq bigint, seen_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    RETURN QUERY SELECT d.device_id, d.name, d.enrolled_at, d.revoked_at, d.last_seq,
                        d.pulled_seq, d.seen_at
                 FROM device d WHERE d.clinic_id = p_clinic ORDER BY d.enrolled_at;
END $$;

-- Push: sequence numbers are handed out under a per-clinic advisory lock in
-- this transaction, so they commit in order (a plain sequence could commit 8
-- before 7 and let a puller's cursor skip 7). A repeated op_id returns the
-- number it already has: a push whose acknowledgement was lost is harmless.
CREATE OR REPLACE FUNCTION clinicdesk.cd_push(
    p_clinic text, p_device text, p_token bytea, p_client_schema integer,
    p_op_ids text[], p_seqs bigint[], p_hlcs bigint[], p_schemas integer[],
    p_key_ids text[], p_nonces bytea[], p_cts bytea[])
RETURNS TABLE (op_id text, server_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
DECLARE
    c record;
    last bigint;
    seq bigint;
    bad record;
    added bigint;
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    PERFORM pg_advisory_xact_lock(hashtextextended('clinicdesk:' || p_clinic, 0));
    SELECT * INTO c FROM clinic WHERE clinic_id = p_clinic FOR UPDATE;
    IF p_client_schema < c.min_schema THEN
        RAISE EXCEPTION 'this workstation runs an older ClinicDesk than the others (schema % < %)',
            p_client_schema, c.min_schema USING ERRCODE = 'CD004';
    END IF;
    SELECT d.last_seq INTO last FROM device d
        WHERE d.clinic_id = p_clinic AND d.device_id = p_device;
    seq := c.next_seq;
    -- One statement for the whole array, not a loop of them (bench/bench_sync.py).
    -- The new operations are those whose op_id the hub lacks, in the order sent;
    -- the n-th of them must be the device's operation last + n (no gap).
    SELECT n.dseq, n.rank INTO bad
        FROM (SELECT u.dseq, u.ord, row_number() OVER (ORDER BY u.ord) AS rank
              FROM unnest(p_op_ids, p_seqs) WITH ORDINALITY AS u(opid, dseq, ord)
              WHERE NOT EXISTS (SELECT 1 FROM ops o WHERE o.op_id = u.opid)) n
        WHERE n.dseq <> last + n.rank
        ORDER BY n.ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'operation % of this workstation arrived after % (a gap)',
            bad.dseq, last + bad.rank - 1 USING ERRCODE = 'CD006';
    END IF;
    INSERT INTO ops (clinic_id, server_seq, op_id, device_id, device_seq, hlc, schema,
                     key_id, nonce, ciphertext)
        SELECT p_clinic, seq + n.rank - 1, n.opid, p_device, n.dseq, n.hlc, n.sch, n.kid,
               n.nonce, n.ct
        FROM (SELECT u.*, row_number() OVER (ORDER BY u.ord) AS rank
              FROM unnest(p_op_ids, p_seqs, p_hlcs, p_schemas, p_key_ids, p_nonces, p_cts)
                   WITH ORDINALITY AS u(opid, dseq, hlc, sch, kid, nonce, ct, ord)
              WHERE NOT EXISTS (SELECT 1 FROM ops o WHERE o.op_id = u.opid)) n
        ORDER BY n.rank;
    GET DIAGNOSTICS added = ROW_COUNT;
    UPDATE clinic SET next_seq = seq + added,
                      min_schema = greatest(min_schema, p_client_schema)
        WHERE clinic_id = p_clinic;
    UPDATE device d SET last_seq = last + added
        WHERE d.clinic_id = p_clinic AND d.device_id = p_device;
    -- A repeated op_id returns the number it already has.
    RETURN QUERY SELECT u.opid, o.server_seq
        FROM unnest(p_op_ids) WITH ORDINALITY AS u(opid, ord)
        JOIN ops o ON o.op_id = u.opid
        ORDER BY u.ord;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_pull(
    p_clinic text, p_device text, p_token bytea, p_after bigint, p_limit integer)
RETURNS TABLE (server_seq bigint, op_id text, device_id text, device_seq bigint, hlc bigint,
               schema integer, key_id text, nonce bytea, ciphertext bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
DECLARE horizon bigint;
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    SELECT c.trimmed_below INTO horizon FROM clinic c WHERE c.clinic_id = p_clinic;
    IF p_after + 1 < horizon THEN
        RAISE EXCEPTION 'this workstation was away longer than the hub keeps its log'
            USING ERRCODE = 'CD007';
    END IF;
    UPDATE device d SET pulled_seq = p_after WHERE d.clinic_id = p_clinic
        AND d.device_id = p_device;
    RETURN QUERY SELECT o.server_seq, o.op_id, o.device_id, o.device_seq, o.hlc, o.schema,
                        o.key_id, o.nonce, o.ciphertext
                 FROM ops o WHERE o.clinic_id = p_clinic AND o.server_seq > p_after
                 ORDER BY o.server_seq LIMIT p_limit;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_pairing_put(
    p_clinic text, p_device text, p_token bytea, p_code_id text, p_blob bytea,
    p_minutes integer)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    DELETE FROM pairing WHERE expires_at < now();
    INSERT INTO pairing (code_id, clinic_id, blob, made_by, expires_at)
        VALUES (p_code_id, p_clinic, p_blob, p_device, now() + make_interval(mins => p_minutes));
END $$;

-- Taken once: the row is gone after the first read, used or not.
CREATE OR REPLACE FUNCTION clinicdesk.cd_pairing_take(p_code_id text)
RETURNS TABLE (clinic_id text, blob bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    RETURN QUERY DELETE FROM pairing p WHERE p.code_id = p_code_id AND p.expires_at >= now()
        RETURNING p.clinic_id, p.blob;
END $$;

-- Snapshots (compaction): an enrolled workstation uploads its whole copy as it
-- stood at hub sequence upto_seq, sealed in chunks; once complete, the log below
-- every active workstation's cursor (and the snapshot) can go. A workstation
-- not seen for p_inactive_days no longer holds the log back: if it returns
-- behind the horizon it must resync in full from the snapshot.
CREATE TABLE IF NOT EXISTS clinicdesk.snapshot (
    clinic_id   text NOT NULL REFERENCES clinicdesk.clinic,
    snapshot_id text NOT NULL,
    upto_seq    bigint NOT NULL,
    made_by     text NOT NULL,
    made_at     timestamptz NOT NULL DEFAULT now(),
    chunks      integer,
    complete    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (clinic_id, snapshot_id)
);

CREATE TABLE IF NOT EXISTS clinicdesk.snapshot_chunk (
    clinic_id   text NOT NULL,
    snapshot_id text NOT NULL,
    chunk_no    integer NOT NULL,
    key_id      text NOT NULL,
    nonce       bytea NOT NULL,
    ciphertext  bytea NOT NULL,
    PRIMARY KEY (clinic_id, snapshot_id, chunk_no),
    FOREIGN KEY (clinic_id, snapshot_id) REFERENCES clinicdesk.snapshot ON DELETE CASCADE
);

CREATE OR REPLACE FUNCTION clinicdesk.cd_snapshot_chunk_put(
    p_clinic text, p_device text, p_token bytea, p_snapshot text, p_upto bigint,
    p_chunk integer, p_key_id text, p_nonce bytea, p_ct bytea)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    INSERT INTO snapshot (clinic_id, snapshot_id, upto_seq, made_by)
        VALUES (p_clinic, p_snapshot, p_upto, p_device) ON CONFLICT DO NOTHING;
    INSERT INTO snapshot_chunk (clinic_id, snapshot_id, chunk_no, key_id, nonce, ciphertext)
        VALUES (p_clinic, p_snapshot, p_chunk, p_key_id, p_nonce, p_ct)
        ON CONFLICT (clinic_id, snapshot_id, chunk_no) DO UPDATE
        SET key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext;
END $$;

-- Completes a snapshot and trims the log; returns the new horizon (first kept seq).
CREATE OR REPLACE FUNCTION clinicdesk.cd_snapshot_finish(
    p_clinic text, p_device text, p_token bytea, p_snapshot text, p_chunks integer,
    p_inactive_days integer)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
DECLARE
    s record;
    horizon bigint;
    have integer;
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    PERFORM pg_advisory_xact_lock(hashtextextended('clinicdesk:' || p_clinic, 0));
    SELECT * INTO s FROM snapshot WHERE clinic_id = p_clinic AND snapshot_id = p_snapshot;
    SELECT count(*) INTO have FROM snapshot_chunk
        WHERE clinic_id = p_clinic AND snapshot_id = p_snapshot;
    IF s IS NULL OR have <> p_chunks THEN
        RAISE EXCEPTION 'the snapshot is incomplete (% of % parts)', have, p_chunks
            USING ERRCODE = 'CD008';
    END IF;
    UPDATE snapshot SET complete = true, chunks = p_chunks
        WHERE clinic_id = p_clinic AND snapshot_id = p_snapshot;
    -- Keep what any active workstation has not applied yet.
    SELECT least(s.upto_seq, coalesce(min(d.pulled_seq), s.upto_seq)) + 1 INTO horizon
        FROM device d
        WHERE d.clinic_id = p_clinic AND d.revoked_at IS NULL
          AND d.device_id <> p_device
          AND d.enrolled_at < now() - make_interval(mins => 1)
          AND coalesce(d.seen_at, d.enrolled_at) > now() - make_interval(days => p_inactive_days);
    horizon := greatest(horizon, (SELECT trimmed_below FROM clinic WHERE clinic_id = p_clinic));
    DELETE FROM ops WHERE clinic_id = p_clinic AND server_seq < horizon;
    UPDATE clinic SET trimmed_below = horizon WHERE clinic_id = p_clinic;
    DELETE FROM snapshot WHERE clinic_id = p_clinic AND snapshot_id <> p_snapshot;
    RETURN horizon;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_snapshot_latest(
    p_clinic text, p_device text, p_token bytea)
RETURNS TABLE (snapshot_id text, upto_seq bigint, chunks integer, trimmed_below bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    RETURN QUERY SELECT s.snapshot_id, s.upto_seq, s.chunks, c.trimmed_below
        FROM snapshot s JOIN clinic c USING (clinic_id)
        WHERE s.clinic_id = p_clinic AND s.complete ORDER BY s.made_at DESC LIMIT 1;
END $$;

CREATE OR REPLACE FUNCTION clinicdesk.cd_snapshot_chunk(
    p_clinic text, p_device text, p_token bytea, p_snapshot text, p_chunk integer)
RETURNS TABLE (key_id text, nonce bytea, ciphertext bytea)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = clinicdesk, pg_temp AS $$
BEGIN
    PERFORM cd_auth(p_clinic, p_device, p_token);
    RETURN QUERY SELECT c.key_id, c.nonce, c.ciphertext FROM snapshot_chunk c
        WHERE c.clinic_id = p_clinic AND c.snapshot_id = p_snapshot AND c.chunk_no = p_chunk;
END $$;

REVOKE ALL ON ALL TABLES IN SCHEMA clinicdesk FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA clinicdesk FROM PUBLIC;
