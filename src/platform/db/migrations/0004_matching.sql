-- Partner matching: support requests from a plan to a supporting school, directly or brokered by an adviser.

create table support_requests (
  id uuid primary key,
  tenant_id text not null,
  plan_id uuid not null references plans (id) on delete cascade,
  requester_id text not null,             -- the plan's owner (Teams aadObjectId)
  asking_school_id integer not null references schools (id),
  -- direct: a head asks another head (self-generated); brokered: the LA's advisers choose the partner
  kind text not null check (kind in ('direct', 'brokered')),
  state text not null check (state in ('awaitingAdviser', 'awaitingSchool', 'accepted', 'declined', 'withdrawn', 'done')),
  -- the school asked now (null while the advisers decide)
  chosen_school_id integer references schools (id),
  look_further boolean not null default false,
  -- goes up by one on every change; cards carry the version they were drawn from
  version integer not null default 1,
  -- one more each time a school is asked: reminders are keyed by it, so an old one never fires for a new ask
  ask_seq integer not null default 0,
  decided_by text,                        -- who made the last decision (adviser, head or requester)
  decision_reason text,                   -- why it was declined
  declined_by text check (declined_by in ('adviser', 'school')),
  adviser_ids jsonb not null default '[]'::jsonb, -- advisers the brokered request went to (card refresh list)
  created_at timestamptz not null,
  updated_at timestamptz not null,
  state_changed_at timestamptz not null,
  accepted_at timestamptz,
  done_at timestamptz
);
create index support_requests_plan_idx on support_requests (plan_id, created_at desc);
create index support_requests_chosen_idx on support_requests (chosen_school_id) where state = 'accepted';
-- a plan has at most one request under way at a time
create unique index support_requests_open_idx on support_requests (plan_id) where state in ('awaitingAdviser', 'awaitingSchool');

-- Every time a school was asked to support someone: the fairness part of the ranking reads these.
create table support_asks (
  request_id uuid not null references support_requests (id) on delete cascade,
  seq integer not null,
  school_id integer not null references schools (id),
  asked_at timestamptz not null,
  asked_by text not null,
  outcome text not null default 'pending' check (outcome in ('pending', 'accepted', 'declined', 'redirected', 'withdrawn', 'moved')),
  primary key (request_id, seq)
);
create index support_asks_school_idx on support_asks (school_id, asked_at);
