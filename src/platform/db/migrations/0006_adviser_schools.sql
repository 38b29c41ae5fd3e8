-- An adviser (or reviewer) can be assigned to named schools as well as to a whole LA: consortia give each
-- challenge adviser a caseload of schools. A row has a school or an LA (or neither: every LA), never both.
alter table user_roles add column school_id integer references schools (id) on delete cascade;
alter table user_roles add constraint user_roles_school_or_la check (school_id is null or la_code is null);
drop index user_roles_unique_idx;
create unique index user_roles_unique_idx on user_roles (tenant_id, user_id, role, coalesce(la_code, 0), coalesce(school_id, 0));
create index user_roles_school_idx on user_roles (tenant_id, role, school_id) where school_id is not null;
