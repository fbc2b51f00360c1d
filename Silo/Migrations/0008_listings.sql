-- Ledger entries listed by kind (GET /v1/ledger/entries?kind=) without walking the whole chain.
CREATE INDEX ledger_entries_kind ON ledger_entries (kind, seq);
