-- The fence locks its writers in one order, the writers' names compared byte by byte (COLLATE "C"), and so do the
-- takeovers that bump several partitions' epochs in one statement (PostgresPartitionOwnership). Before, the fence took
-- its row locks in the flush's order and a takeover in its own: a flush holding partition/2 and waiting for
-- partition/10 while a takeover held partition/10 and waited for partition/2 was a deadlock, which PostgreSQL ended
-- after deadlock_timeout by aborting one of them (a failed flush, whose writers all reload). Otherwise as 0016.
CREATE OR REPLACE PROCEDURE fence_writers(writers text[], epochs bigint[], flush bigint)
LANGUAGE plpgsql AS $$
DECLARE
    matched integer;
BEGIN
    PERFORM 1
    FROM (SELECT * FROM unnest(writers, epochs) AS u(writer, epoch) ORDER BY writer COLLATE "C") AS f,
        LATERAL (SELECT 1 FROM writer_epochs AS w WHERE w.writer = f.writer AND w.epoch = f.epoch FOR SHARE) AS held;
    GET DIAGNOSTICS matched = ROW_COUNT;
    IF matched <> cardinality(writers) THEN
        RAISE EXCEPTION 'a writer''s epoch has moved on: a newer activation owns it' USING ERRCODE = 'CC001';
    END IF;
END
$$;
