-- Per-person counts of new plans, support requests and messages in fixed windows, shared by every instance of the
-- bot (one atomic upsert per action), so one person cannot flood the others. Old windows are deleted as people act.
create table rate_limits (
  tenant_id text not null,
  user_id text not null,
  action text not null,
  window_start timestamptz not null,
  count integer not null,
  primary key (tenant_id, user_id, action, window_start)
);
