-- What the user's messages said of the funds the ticket is about (coin,
-- network, address, TxID, amount), as JSON: shown on the ticket, searched
-- by TxID, exported with the tickets.
ALTER TABLE tickets ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
