-- Strength evidence: when an adviser or an inspection gave it and who, so reasons can say "verified by an
-- adviser, March 2026" and evidence older than the deployment allows counts as the school's own view.
alter table school_strengths add column verified_at timestamptz;
alter table school_strengths add column verified_by text;
update school_strengths set verified_at = updated_at where stated_by <> 'school';
