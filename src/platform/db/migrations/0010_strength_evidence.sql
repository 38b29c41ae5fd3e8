-- Strength evidence: when an adviser or an inspection gave it, so reasons can say "verified by an adviser,
-- March 2026" and evidence older than the deployment allows counts as the school's own view. Who verified is
-- in the audit log (strength.verify), where a person's data is exported and erased with the rest.
alter table school_strengths add column verified_at timestamptz;
update school_strengths set verified_at = updated_at where stated_by <> 'school';
