-- A flush's fence locks its writers' rows FOR SHARE instead of updating them: flushes carrying the same writer (the
-- clearing settlement and a flush with an item of the clearing grain's partition, say) no longer queue behind each
-- other's row update, and no row version is written per fenced writer. A newer activation's or a takeover's epoch
-- bump is an UPDATE: it waits for the flushes that hold the row FOR SHARE, and a flush checking after it sees the
-- new epoch (READ COMMITTED re-checks a row updated meanwhile) and is refused, as before.
CREATE OR REPLACE PROCEDURE fence_writers(writers text[], epochs bigint[], flush bigint)
LANGUAGE plpgsql AS $$
DECLARE
    matched integer;
BEGIN
    PERFORM 1
    FROM writer_epochs AS w
    JOIN (SELECT DISTINCT f.writer, f.epoch FROM unnest(writers, epochs) AS f(writer, epoch)) AS f
        ON w.writer = f.writer AND w.epoch = f.epoch
    FOR SHARE OF w;
    GET DIAGNOSTICS matched = ROW_COUNT;
    IF matched <> (SELECT count(DISTINCT (f.writer, f.epoch)) FROM unnest(writers, epochs) AS f(writer, epoch)) THEN
        RAISE EXCEPTION 'a writer''s epoch has moved on: a newer activation owns it' USING ERRCODE = 'CC001';
    END IF;
END
$$;
