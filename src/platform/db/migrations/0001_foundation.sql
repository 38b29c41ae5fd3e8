-- Cydweithio foundation: directory, people, aide-memoire plans, bot state, scheduled notifications.

create table local_authorities (
  code integer primary key,
  name_en text not null,
  name_cy text not null,
  ons_code text,
  consortium text not null
);

create table schools (
  id integer primary key,                 -- Welsh Government school number
  name_en text not null,
  name_cy text,
  la_code integer not null references local_authorities (code),
  phase text not null check (phase in ('nursery', 'primary', 'middle', 'secondary', 'special', 'pru')),
  language_medium text not null check (language_medium in ('english', 'welsh', 'dual')),
  pupils integer,
  fsm_percent numeric(5, 1),
  family text,
  support_category text check (support_category in ('green', 'yellow', 'amber', 'red')),
  latitude double precision,
  longitude double precision,
  postcode text,
  capacity integer not null default 2 check (capacity >= 0),
  open_to_requests boolean not null default true,
  -- true where attributes the open data lacks came from the demo generator
  demo_attributes boolean not null default false,
  updated_at timestamptz not null default now()
);
create index schools_name_en_idx on schools (lower(name_en));
create index schools_la_idx on schools (la_code);

create table users (
  tenant_id text not null,
  user_id text not null,                  -- Teams aadObjectId
  display_name text,
  locale text check (locale in ('cy', 'en')),  -- null: follow the Teams client
  school_id integer references schools (id),
  school_role text check (school_role in ('headteacher', 'deputy', 'seniorLeader', 'other')),
  personal_conversation jsonb,            -- conversation reference for proactive messages
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);

create table plans (
  id uuid primary key,
  tenant_id text not null,
  owner_id text not null,
  school_id integer references schools (id),
  status text not null default 'planning'
    check (status in ('planning', 'supportUnderWay', 'evaluating', 'impactDue', 'complete')),
  answers jsonb not null default '{}'::jsonb,
  version integer not null default 1,
  -- plan version at which each field last changed: a card is stale only if its own field moved on
  field_versions jsonb not null default '{}'::jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  support_started_at timestamptz,
  support_ended_at timestamptz,
  action_plan_done_at timestamptz,
  impact_due_at timestamptz,
  completed_at timestamptz,
  foreign key (tenant_id, owner_id) references users (tenant_id, user_id)
);
create index plans_owner_idx on plans (tenant_id, owner_id, updated_at desc);

-- teams-ai turn state (conversation and user scopes), kept with everything else
create table bot_state (
  key text primary key,
  etag bigint not null default 1,
  doc jsonb not null,
  updated_at timestamptz not null default now()
);

-- Something to tell a person at a time: the impact nudge, later reminders.
create table scheduled_notifications (
  id uuid primary key,
  kind text not null,
  dedupe_key text not null unique,        -- one notification per subject and kind, ever
  tenant_id text not null,
  recipient_id text not null,
  subject_id text not null,
  due_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'queued', 'sent', 'cancelled', 'failed')),
  attempts integer not null default 0,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz not null default now()
);
create index scheduled_notifications_due_idx on scheduled_notifications (due_at) where status = 'pending';
