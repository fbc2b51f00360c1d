-- The shared commit log's fences; order books as journals of packed batches; accounts as O(1) totals.

-- Every writer on the commit log (a book, an account, a meter shard, the ledger) claims a new epoch when it is
-- activated; every flush locks and checks the epochs of the writers it carries (fence_writers), so once a newer
-- activation has claimed a writer, nothing an older one still holds in memory can commit.
CREATE TABLE writer_epochs (
    writer   text   PRIMARY KEY,
    epoch    bigint NOT NULL CHECK (epoch > 0),
    -- The last flush that carried the writer's changes; setting it is what locks the row.
    flushed  bigint NOT NULL DEFAULT 0
);

CREATE PROCEDURE fence_writers(writers text[], epochs bigint[], flush bigint)
LANGUAGE plpgsql AS $$
DECLARE
    matched integer;
BEGIN
    UPDATE writer_epochs AS w SET flushed = flush
    FROM unnest(writers, epochs) AS f(writer, epoch)
    WHERE w.writer = f.writer AND w.epoch = f.epoch;
    GET DIAGNOSTICS matched = ROW_COUNT;
    IF matched <> cardinality(writers) THEN
        RAISE EXCEPTION 'a writer''s epoch has moved on: a newer activation owns it' USING ERRCODE = 'CC001';
    END IF;
END
$$;

-- An order book's journal: per flush, one row per book with its events packed (docs/TRADING.md gives the format).
-- A book is its latest snapshot plus the rows after it. Order and contract numbers grow with the batch, so the row
-- holding order n is the first whose last_order reaches n (NULL when the batch placed none).
CREATE TABLE book_batches (
    product         text        NOT NULL,
    batch           bigint      NOT NULL CHECK (batch > 0),
    last_item       bigint      NOT NULL CHECK (last_item >= batch),
    first_order     bigint      NULL,
    last_order      bigint      NULL CHECK (last_order >= first_order),
    first_contract  bigint      NULL,
    last_contract   bigint      NULL CHECK (last_contract >= first_contract),
    events          bytea       NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product, batch)
);

-- Rows are large (a batch of 1,000 orders is ~120 kB) and go to TOAST: lz4 compresses several times faster than the
-- default pglz, and the flush waits for it.
ALTER TABLE book_batches ALTER COLUMN events SET COMPRESSION lz4;

CREATE INDEX book_batches_orders ON book_batches (product, last_order) WHERE last_order IS NOT NULL;
CREATE INDEX book_batches_contracts ON book_batches (product, last_contract) WHERE last_contract IS NOT NULL;

-- A book's open orders and counters as of item `through`; older snapshots are dropped when a new one lands.
CREATE TABLE book_snapshots (
    product  text        NOT NULL,
    through  bigint      NOT NULL,
    state    bytea       NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product, through)
);

ALTER TABLE book_snapshots ALTER COLUMN state SET COMPRESSION lz4;

-- Per participant, product and journal row: what the participant placed (with client order ids), which of its
-- orders closed, which contracts it is a party to. One row per participant a flush touches, not per order: it
-- finds a member's orders and contracts, and rebuilds its recent client order ids after a restart.
CREATE TABLE trading_activity (
    participant       text        NOT NULL,
    product           text        NOT NULL,
    batch             bigint      NOT NULL,
    at                timestamptz NOT NULL DEFAULT now(),
    placed            bigint[]    NOT NULL,
    client_order_ids  text[]      NOT NULL CHECK (cardinality(client_order_ids) = cardinality(placed)),
    closed            bigint[]    NOT NULL,
    contracts         bigint[]    NOT NULL,
    PRIMARY KEY (participant, product, batch)
);

ALTER TABLE trading_activity
    ALTER COLUMN placed SET COMPRESSION lz4, ALTER COLUMN client_order_ids SET COMPRESSION lz4,
    ALTER COLUMN closed SET COMPRESSION lz4, ALTER COLUMN contracts SET COMPRESSION lz4;

CREATE INDEX trading_activity_recent ON trading_activity (participant, at);

-- Ledger entries that stand for a range (a batch of contracts under one Merkle root) say which, so the entry
-- holding contract n of a product is found by index.
ALTER TABLE ledger_entries ADD COLUMN range_first bigint NULL, ADD COLUMN range_last bigint NULL;
CREATE INDEX ledger_entries_ranges ON ledger_entries (subject, kind, range_last) WHERE range_last IS NOT NULL;

-- Orders and contracts move from a row each into the journal above. There is no conversion: a database that
-- already traded must be started afresh.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM contracts) THEN
        RAISE EXCEPTION 'this database holds orders from before the order-book journal (migration 7); start ClearingCluster on a fresh database';
    END IF;
END
$$;
DROP TABLE contracts;
DROP TABLE orders;
