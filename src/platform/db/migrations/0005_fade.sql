-- FADE cycles: cluster channels, cycles and rounds, reports, members' parts and notes,
-- reviews, reminder posts (to update in place) and delivery failures admins can see.
-- Reminders themselves are scheduled_notifications of kind 'fadeReminder' (dedupe: once ever).

-- Every team, channel or group chat the bot has been added to; a channel can be linked to one cluster.
create table fade_conversations (
  conversation_id text primary key,          -- without any ";messageid=…" suffix
  tenant_id text not null,
  team_id text,
  kind text not null,                        -- channel, groupChat, personal
  name text,
  reference jsonb not null,                  -- conversation reference for proactive posts
  cluster_id integer references clusters (id) on delete set null,
  active boolean not null default true,
  inactive_reason text,
  linked_by text,
  linked_at timestamptz,
  updated_at timestamptz not null default now()
);
create unique index fade_conversations_cluster_idx on fade_conversations (cluster_id) where cluster_id is not null;
create index fade_conversations_team_idx on fade_conversations (team_id);

-- The person who currently leads a cluster, when it is not the head of the lead school.
create table fade_cluster_leads (
  cluster_id integer primary key references clusters (id) on delete cascade,
  tenant_id text not null,
  user_id text not null,
  set_by text not null,
  set_at timestamptz not null
);

-- The cluster improvement plan's priorities, the starting point of every report's Focus.
create table fade_cluster_priorities (
  cluster_id integer primary key references clusters (id) on delete cascade,
  priorities jsonb not null default '[]'::jsonb,
  updated_by text,
  updated_at timestamptz not null default now()
);

create table fade_cycles (
  id uuid primary key,
  tenant_id text not null,
  name text not null,
  offsets jsonb not null,                    -- working days from the deadline, e.g. [-14,-3,0,5]
  send_time text not null default '09:00' check (send_time ~ '^\d{2}:\d{2}$'),
  created_by text not null,
  created_at timestamptz not null,
  unique (tenant_id, name)
);

create table fade_cycle_clusters (
  cycle_id uuid not null references fade_cycles (id) on delete cascade,
  cluster_id integer not null references clusters (id) on delete cascade,
  primary key (cycle_id, cluster_id)
);

-- Dates are Europe/London calendar dates kept as text: no driver turns them into instants.
create table fade_rounds (
  id uuid primary key,
  cycle_id uuid not null references fade_cycles (id) on delete cascade,
  seq integer not null,
  name text not null,
  deadline text not null check (deadline ~ '^\d{4}-\d{2}-\d{2}$'),
  unique (cycle_id, seq)
);

create table fade_holidays (
  tenant_id text not null,
  day text not null check (day ~ '^\d{4}-\d{2}-\d{2}$'),
  name text,
  primary key (tenant_id, day)
);

create table fade_reports (
  id uuid primary key,
  round_id uuid not null references fade_rounds (id) on delete cascade,
  cluster_id integer not null references clusters (id) on delete cascade,
  tenant_id text not null,
  status text not null default 'notStarted' check (status in ('notStarted', 'drafted', 'submitted', 'reviewed')),
  sections jsonb not null default '{}'::jsonb,
  self_judgement text check (self_judgement in ('limited', 'satisfactory', 'strong', 'veryGood')),
  version integer not null default 0,
  drafted_by text,
  submitted_by text,
  submitted_at timestamptz,
  review_judgement text check (review_judgement in ('limited', 'satisfactory', 'strong', 'veryGood')),
  review_feedback text,
  reviewed_by text,
  reviewed_at timestamptz,
  updated_at timestamptz not null,
  unique (round_id, cluster_id)
);

-- Each member school's part in a round (no row: not started).
create table fade_parts (
  round_id uuid not null references fade_rounds (id) on delete cascade,
  cluster_id integer not null references clusters (id) on delete cascade,
  school_id integer not null references schools (id) on delete cascade,
  status text not null check (status in ('notStarted', 'drafted', 'submitted')),
  updated_by text not null,
  updated_at timestamptz not null,
  primary key (round_id, school_id)
);

-- Notes member heads add during the term; they flow into the next draft.
create table fade_notes (
  id bigserial primary key,
  cluster_id integer not null references clusters (id) on delete cascade,
  school_id integer references schools (id) on delete set null,
  author_id text not null,
  author_name text,
  text text not null,
  at timestamptz not null
);
create index fade_notes_cluster_idx on fade_notes (cluster_id, at);

-- The reminder card last posted in a cluster's channel for a round, to update it in place.
create table fade_posts (
  round_id uuid not null references fade_rounds (id) on delete cascade,
  cluster_id integer not null references clusters (id) on delete cascade,
  conversation_id text not null,
  activity_id text not null,
  reminder_key text not null,
  posted_at timestamptz not null,
  primary key (round_id, cluster_id)
);

-- What happened to each reminder: sent, dropped as stale, skipped (submitted, no channel), failed.
create table fade_reminder_log (
  round_id uuid not null references fade_rounds (id) on delete cascade,
  cluster_id integer not null references clusters (id) on delete cascade,
  reminder_key text not null,
  outcome text not null check (outcome in ('sent', 'dropped', 'skipped', 'failed')),
  reason text,
  at timestamptz not null,
  primary key (round_id, cluster_id, reminder_key)
);

-- Every failed delivery, where an admin can see it (fade status).
create table fade_delivery_failures (
  id bigserial primary key,
  at timestamptz not null,
  tenant_id text not null,
  cluster_id integer references clusters (id) on delete set null,
  conversation_id text,
  what text not null,
  status integer,
  error text not null,
  attempts integer not null default 1
);
create index fade_delivery_failures_idx on fade_delivery_failures (tenant_id, at desc);

-- Develop/Do items turned into next steps for the cluster plan.
create table fade_next_steps (
  id bigserial primary key,
  cluster_id integer not null references clusters (id) on delete cascade,
  round_id uuid references fade_rounds (id) on delete set null,
  text text not null,
  created_by text not null,
  created_at timestamptz not null
);
