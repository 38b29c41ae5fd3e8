-- When a submitted FADE report was sent to a reviewer or adviser. Null while submitted means nobody
-- could be asked (the cluster's local authority had no reviewer): the first one granted later gets it.
alter table fade_reports add column review_asked_at timestamptz;
