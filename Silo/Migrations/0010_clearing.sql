-- Clearing cycles, the contract terms clearing reads, what a computed cycle stages, and corrections.

CREATE TABLE clearing_cycles (
    id          text        PRIMARY KEY,
    number      bigint      NOT NULL UNIQUE CHECK (number > 0),
    status      text        NOT NULL CHECK (status IN ('open', 'cutting_off', 'cut_off', 'computed', 'settled', 'failed')),
    opened_at   timestamptz NOT NULL,
    cut_at      timestamptz NULL,
    report      jsonb       NULL,
    steps       jsonb       NOT NULL DEFAULT '[]',
    failure     text        NULL,
    -- The settlement's entry on the evidence ledger, once appended (a settled cycle without one is appended again).
    ledger_seq  bigint      NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'open') = (cut_at IS NULL))
);

-- Exactly one cycle takes usage at a time.
CREATE UNIQUE INDEX clearing_cycles_one_open ON clearing_cycles ((true)) WHERE status = 'open';

INSERT INTO clearing_cycles (id, number, status, opened_at) VALUES ('c1', 1, 'open', now());
-- Usage counted before cycles existed belongs to the first one.
UPDATE contract_usage SET cycle_id = 'c1' WHERE cycle_id = 'open';
UPDATE usage_records SET cycle_id = 'c1' WHERE cycle_id = 'open';
-- A cycle's usage in contract order: compute reads it as a merge with the terms, no hash and no sort.
CREATE INDEX contract_usage_cycle ON contract_usage (cycle_id, contract_id);

-- Refuses a step on a cycle in the wrong status, inside the step's own transaction.
CREATE PROCEDURE clearing_require_status(cycle text, wanted text)
LANGUAGE plpgsql AS $$
DECLARE
    found text;
BEGIN
    SELECT status INTO found FROM clearing_cycles WHERE id = cycle FOR UPDATE;
    IF found IS DISTINCT FROM wanted THEN
        RAISE EXCEPTION 'cycle % is %, not %', cycle, coalesce(found, 'unknown'), wanted USING ERRCODE = 'CC002';
    END IF;
END
$$;

-- Contract terms clearing needs, caught up from the books' journals before each compute (the trading path writes
-- none of this); watermarks say how far each product's contracts are held.
CREATE TABLE clearing_contracts (
    contract_id       text        PRIMARY KEY,
    product           text        NOT NULL,
    buyer             text        NOT NULL,
    provider          text        NOT NULL,
    price_micros      bigint      NOT NULL CHECK (price_micros > 0),
    quota             bigint      NOT NULL CHECK (quota > 0),
    valid_to          timestamptz NOT NULL,
    fee_basis_points  integer     NOT NULL CHECK (fee_basis_points >= 0)
);

CREATE INDEX clearing_contracts_valid_to ON clearing_contracts (valid_to);

CREATE TABLE clearing_watermarks (
    product           text   PRIMARY KEY,
    through_contract  bigint NOT NULL CHECK (through_contract >= 0)
);

-- A cycle's settlement lines, packed: one row per buyer and provider, with one array element per contract (what it
-- used, its voucher part, its fee, the escrow it released) and one per share (the contract's index in the row, the
-- intermediary, the amount). The price is the contract's term (clearing_contracts), so gross = units × price, the
-- buyer paid gross − voucher, the provider received gross − fee − shares. A million contracts make a few thousand
-- rows, written at once by binary COPY into the cycle's own partition (which may be detached and archived whole);
-- a statement finds its rows by party and unpacks them.
CREATE TABLE settlement_lines (
    cycle_id         text     NOT NULL,
    buyer            text     NOT NULL,
    provider         text     NOT NULL,
    contract_ids     text[]   NOT NULL,
    units            bigint[] NOT NULL,
    voucher_micros   bigint[] NOT NULL,
    fee_micros       bigint[] NOT NULL,
    released_micros  bigint[] NOT NULL,
    share_index      int[]    NOT NULL,
    share_parties    text[]   NOT NULL,
    share_micros     bigint[] NOT NULL,
    CHECK (cardinality(units) = cardinality(contract_ids) AND cardinality(voucher_micros) = cardinality(contract_ids)
       AND cardinality(fee_micros) = cardinality(contract_ids) AND cardinality(released_micros) = cardinality(contract_ids)
       AND cardinality(share_parties) = cardinality(share_index) AND cardinality(share_micros) = cardinality(share_index))
) PARTITION BY LIST (cycle_id);

-- A computed cycle's postings, summed per kind and sub-account through the clearing account; settling copies them
-- into postings (whose unique transfer ids refuse a second settlement).
CREATE TABLE cycle_postings (
    cycle_id        text   NOT NULL,
    transfer_id     text   NOT NULL,
    account_id      text   NOT NULL,
    debit_account   text   NOT NULL,
    credit_account  text   NOT NULL CHECK (credit_account <> debit_account),
    amount_micros   bigint NOT NULL CHECK (amount_micros > 0),
    kind            text   NOT NULL,
    PRIMARY KEY (cycle_id, transfer_id)
);

-- Per cycle and account: the settlement's change, and the balances just before it (written when it settles).
CREATE TABLE cycle_accounts (
    cycle_id           text   NOT NULL,
    account_id         text   NOT NULL,
    delta_available    bigint NOT NULL,
    delta_escrow       bigint NOT NULL,
    delta_backing      bigint NOT NULL,
    opening_available  bigint NULL,
    opening_held       bigint NULL,
    opening_escrow     bigint NULL,
    opening_backing    bigint NULL,
    PRIMARY KEY (cycle_id, account_id)
);

-- What a cycle takes from each voucher (redeemed, or expired and returned to its issuer); only settled cycles count.
CREATE TABLE voucher_uses (
    cycle_id    text   NOT NULL,
    voucher_id  text   NOT NULL,
    holder      text   NOT NULL,
    issuer      text   NOT NULL,
    kind        text   NOT NULL CHECK (kind IN ('redeemed', 'expired')),
    micros      bigint NOT NULL CHECK (micros > 0),
    PRIMARY KEY (cycle_id, voucher_id, kind)
);

CREATE INDEX voucher_uses_voucher ON voucher_uses (voucher_id);
-- An account reads what settled cycles took from the vouchers it holds when it activates.
CREATE INDEX voucher_uses_holder ON voucher_uses (holder);

-- Corrections: recorded against a settled cycle, posted in the cycle open at the time. Never edited.
CREATE TABLE clearing_adjustments (
    id             text        PRIMARY KEY,
    against_cycle  text        NOT NULL REFERENCES clearing_cycles (id),
    posted_cycle   text        NOT NULL REFERENCES clearing_cycles (id),
    from_account   text        NOT NULL,
    to_account     text        NOT NULL CHECK (to_account <> from_account),
    amount_micros  bigint      NOT NULL CHECK (amount_micros > 0),
    reason         text        NOT NULL,
    contract_id    text        NULL,
    recorded_by    text        NOT NULL,
    at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX clearing_adjustments_against ON clearing_adjustments (against_cycle);
CREATE INDEX clearing_adjustments_posted ON clearing_adjustments (posted_cycle);
