-- The fence looks each of its writers up by the primary key. The join of 0015 was planned as a hash join over a
-- sequential scan of writer_epochs, which holds a row for every partition and every grain that ever wrote: with 1,044
-- rows it cost a third of PostgreSQL's CPU per flush of single orders, and it grows with the table. A lateral lookup
-- per fenced writer is an index probe whatever the table's size. Each writer is locked FOR SHARE and checked as
-- before (a row updated meanwhile is re-checked at its new epoch, so a flush behind a takeover is refused), and the
-- flush is refused unless every writer it carries, repeats included, still holds its epoch.
CREATE OR REPLACE PROCEDURE fence_writers(writers text[], epochs bigint[], flush bigint)
LANGUAGE plpgsql AS $$
DECLARE
    matched integer;
BEGIN
    PERFORM 1
    FROM unnest(writers, epochs) AS f(writer, epoch),
        LATERAL (SELECT 1 FROM writer_epochs AS w WHERE w.writer = f.writer AND w.epoch = f.epoch FOR SHARE) AS held;
    GET DIAGNOSTICS matched = ROW_COUNT;
    IF matched <> cardinality(writers) THEN
        RAISE EXCEPTION 'a writer''s epoch has moved on: a newer activation owns it' USING ERRCODE = 'CC001';
    END IF;
END
$$;
