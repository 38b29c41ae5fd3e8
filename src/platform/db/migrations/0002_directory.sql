-- School directory beyond 0001: clusters and what schools are good at.

-- A vertical cluster: a secondary school and its feeder primaries (5–12 schools).
create table clusters (
  id serial primary key,
  name text not null,
  la_code integer not null references local_authorities (code),
  -- the lead rotates and is not always the secondary head
  lead_school_id integer references schools (id) on delete set null,
  -- language the cluster works in, for its channel posts
  language text not null default 'both' check (language in ('cy', 'en', 'both')),
  -- true where the demo generator made the cluster; a real deployment removes these
  demo boolean not null default false,
  created_at timestamptz not null default now()
);
create index clusters_la_idx on clusters (la_code);

-- Each school belongs to at most one vertical cluster, so membership lives here only
-- (no schools.cluster_id to keep in step with it).
create table cluster_members (
  cluster_id integer not null references clusters (id) on delete cascade,
  school_id integer not null references schools (id) on delete cascade,
  joined_at timestamptz not null default now(),
  primary key (cluster_id, school_id),
  unique (school_id)
);

-- Strength in a specific area is what matching needs (not "a good school").
-- The area list is PRIORITY_AREAS in src/features/plans/priorities.ts; tests keep the two in step.
create table school_strengths (
  school_id integer not null references schools (id) on delete cascade,
  area text not null check (area in (
    'literacy', 'numeracy', 'welsh', 'science', 'moreAble', 'aln', 'attendance', 'transition',
    'assessment', 'curriculum', 'digital', 'leadership', 'wellbeing', 'fsm', 'lookedAfter', 'governors', 'other'
  )),
  description text not null,
  evidence text,
  -- who says so: the school itself, its adviser, or an inspection
  stated_by text not null default 'school' check (stated_by in ('school', 'adviser', 'inspection')),
  demo boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (school_id, area)
);
create index school_strengths_area_idx on school_strengths (area);
