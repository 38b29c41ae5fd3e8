-- Which process is delivering a claimed (queued) notification, through which pg-boss job, and until when its lease
-- holds. The process renews its leases every few seconds while it works; a lease that runs out is work a dead
-- process left, handed back to the job queue at once instead of after pg-boss's 15-minute expiry.
alter table scheduled_notifications add column lease_owner text;
alter table scheduled_notifications add column lease_job text;
alter table scheduled_notifications add column lease_until timestamptz;
-- Only the rows of a batch being delivered hold a lease (a batch clears its leases when it is done): a small index.
create index scheduled_notifications_leased_idx on scheduled_notifications (lease_until) where lease_owner is not null;
