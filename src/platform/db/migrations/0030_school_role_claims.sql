-- A person's school and role are claimed, then confirmed by someone who knows (the school's head, its adviser,
-- an admin). users.school_id / school_role hold only the confirmed role, written when a claim is confirmed.
create table school_role_claims (
  id bigserial primary key,
  tenant_id text not null,
  user_id text not null,
  school_id integer not null references schools (id) on delete cascade,
  role text not null check (role in ('headteacher', 'deputy', 'seniorLeader', 'other')),
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'rejected', 'ended')),
  -- who was asked to confirm: { "kind": "headteacher" | "adviser" | "admin" | "auto", "names": [...] }
  asked jsonb not null default '{}'::jsonb,
  decided_by text,
  reason text,
  created_at timestamptz not null,
  decided_at timestamptz,
  ended_at timestamptz,
  foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade
);
-- A school has at most one confirmed headteacher (in a tenant: in an open multi-tenant app each tenant is its own
-- community); a person at most one confirmed role and one pending claim.
create unique index school_role_claims_one_head_idx on school_role_claims (tenant_id, school_id) where status = 'confirmed' and role = 'headteacher';
create unique index school_role_claims_one_confirmed_idx on school_role_claims (tenant_id, user_id) where status = 'confirmed';
create unique index school_role_claims_one_pending_idx on school_role_claims (tenant_id, user_id) where status = 'pending';
create index school_role_claims_school_idx on school_role_claims (school_id, status);

-- Registrations made before this were only ever claimed: they become pending claims, and grant nothing until confirmed.
insert into school_role_claims (tenant_id, user_id, school_id, role, status, created_at)
  select tenant_id, user_id, school_id, school_role, 'pending', now() from users where school_id is not null and school_role is not null;
update users set school_id = null, school_role = null where school_id is not null;

-- A plan feeds its cluster's FADE draft unless its owner leaves it out.
alter table plans add column in_cluster_report boolean not null default true;
