-- Metered usage. Accepted records are packed per contract and flush (a few rows per flush, not one per
-- record); per-contract totals are ordinary rows; every batch part's first answer is kept for exactly-once.

-- One row per (producer, sequence, shard): the part of a batch a meter shard committed, and its answer.
CREATE TABLE usage_batches (
    producer      text        NOT NULL,
    sequence      bigint      NOT NULL CHECK (sequence >= 0),
    shard         integer     NOT NULL CHECK (shard >= 0),
    batch_digest  bytea       NOT NULL CHECK (length(batch_digest) = 32),
    answer        jsonb       NOT NULL,
    committed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (producer, sequence, shard)
);

-- Accepted calls, packed: `records` holds, per call, callId (u8 length + UTF-8), at (i64 µs since 1970 UTC),
-- units (u32), producer index (u16) into `producers`. Partitioned by cycle so settled cycles can be archived.
CREATE TABLE usage_records (
    cycle_id      text        NOT NULL,
    contract_id   text        NOT NULL,
    shard         integer     NOT NULL,
    first_at      timestamptz NOT NULL,
    last_at       timestamptz NOT NULL,
    record_count  integer     NOT NULL CHECK (record_count > 0),
    units         bigint      NOT NULL CHECK (units > 0),
    producers     text[]      NOT NULL,
    records       bytea       NOT NULL,
    committed_at  timestamptz NOT NULL DEFAULT now()
) PARTITION BY LIST (cycle_id);

CREATE TABLE usage_records_open PARTITION OF usage_records DEFAULT;

-- A dispute looks a call up by contract and time range, then unpacks the few rows that cover it.
CREATE INDEX usage_records_contract ON usage_records (contract_id, first_at, last_at);

CREATE TABLE contract_usage (
    contract_id  text   NOT NULL,
    cycle_id     text   NOT NULL,
    used         bigint NOT NULL CHECK (used >= 0),
    PRIMARY KEY (contract_id, cycle_id)
);
