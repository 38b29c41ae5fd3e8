-- Who may do what beyond being a headteacher: set by admins; the first admin comes from configuration.
create table user_roles (
  tenant_id text not null,
  user_id text not null,                  -- Teams aadObjectId
  role text not null check (role in ('admin', 'adviser', 'reviewer')),
  -- an adviser or reviewer is responsible for schools in these LAs (null: every LA in the tenant)
  la_code integer references local_authorities (code),
  granted_by text,
  granted_at timestamptz not null default now()
);
create unique index user_roles_unique_idx on user_roles (tenant_id, user_id, role, coalesce(la_code, 0));
create index user_roles_la_idx on user_roles (tenant_id, role, la_code);

-- Who did what, when, from which card version: every decision on requests, reviews and roles.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null,
  tenant_id text not null,
  actor_id text not null,
  action text not null,
  subject_type text not null,
  subject_id text not null,
  card_version integer,
  details jsonb not null default '{}'::jsonb
);
create index audit_log_subject_idx on audit_log (subject_type, subject_id, at);
