-- A rate-limit count is worth nothing after a crash (its window is a minute or an hour), so the table is not written
-- to the write-ahead log: counting a message then costs no disk flush at commit. PostgreSQL empties an unlogged
-- table after a crash and does not copy it to standbys; either way people start their windows afresh.
alter table rate_limits set unlogged;
