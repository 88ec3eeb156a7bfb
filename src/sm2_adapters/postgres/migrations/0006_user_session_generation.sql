-- Each access token carries its login's session generation; raising it (logout, a password
-- change, deactivation) ends every token issued before. Tokens issued before this migration
-- carry none and are refused: their holders sign in once more.
ALTER TABLE users ADD COLUMN session_generation integer NOT NULL DEFAULT 0
    CHECK (session_generation >= 0);
