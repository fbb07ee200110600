-- The language the user wrote in when handed off, so what kefu tells them
-- later ("Alice has joined") is in that language.
ALTER TABLE tickets ADD COLUMN locale TEXT;
