-- Accounts, their postings and idempotency records, and the evidence ledger.

CREATE TABLE accounts (
    id               text        PRIMARY KEY,
    version          bigint      NOT NULL CHECK (version > 0),
    -- Copies of what the state holds, so the database itself refuses a negative balance and SQL can audit.
    available_micros bigint      NOT NULL CHECK (available_micros >= 0),
    held_micros      bigint      NOT NULL CHECK (held_micros >= 0),
    escrow_micros    bigint      NOT NULL CHECK (escrow_micros >= 0),
    state            jsonb       NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The first result of every idempotent operation (deposit:<reference>, hold:<id>, …), written with its change.
CREATE TABLE account_operations (
    account_id  text        NOT NULL,
    op_key      text        NOT NULL,
    result      jsonb       NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, op_key)
);

-- Balanced double-entry postings: amount leaves debit_account and enters credit_account.
CREATE TABLE postings (
    seq             bigserial   PRIMARY KEY,
    transfer_id     text        NOT NULL UNIQUE,
    account_id      text        NOT NULL,
    debit_account   text        NOT NULL,
    credit_account  text        NOT NULL CHECK (credit_account <> debit_account),
    amount_micros   bigint      NOT NULL CHECK (amount_micros > 0),
    kind            text        NOT NULL,
    reference       text        NOT NULL,
    cycle_id        text        NULL,
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX postings_account ON postings (account_id, seq);
CREATE INDEX postings_cycle ON postings (cycle_id, account_id) WHERE cycle_id IS NOT NULL;

-- The evidence ledger: hash = SHA-256(prev_hash ‖ canonical JSON of {at, eventId, kind, payload, seq, subject}).
CREATE TABLE ledger_entries (
    seq        bigint      PRIMARY KEY CHECK (seq > 0),
    event_id   text        NOT NULL UNIQUE,
    kind       text        NOT NULL,
    subject    text        NOT NULL,
    payload    jsonb       NOT NULL,
    prev_hash  text        NOT NULL CHECK (length(prev_hash) = 64),
    hash       text        NOT NULL CHECK (length(hash) = 64),
    at         timestamptz NOT NULL
);

CREATE INDEX ledger_entries_subject ON ledger_entries (subject, seq);
