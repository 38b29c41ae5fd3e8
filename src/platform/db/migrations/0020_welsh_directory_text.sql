-- Directory text in both languages. A cluster's Welsh name, and a strength's Welsh description and evidence,
-- sit beside the English; a reader sees their own language, and the other only where theirs is missing.
-- The demo generator writes both; rows it wrote before these columns existed are given their Welsh at start
-- (src/features/directory/seed.ts). A strength a school states in its own words stays in description, in
-- whichever language it was written.
alter table clusters add column name_cy text;
alter table school_strengths add column description_cy text;
alter table school_strengths add column evidence_cy text;
