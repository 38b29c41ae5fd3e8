-- One community per deployment (src/platform/community.ts): the tenants in ALLOWED_TENANT_IDS together, or each
-- tenant on its own when the list is empty. People's data is read within the reader's community.

-- A cluster has a lead in each community: the row is kept in the lead's tenant, and setting a lead removes any other
-- row in the same community's tenants (clusterRepository.setLeadPerson).
alter table fade_cluster_leads drop constraint fade_cluster_leads_pkey;
alter table fade_cluster_leads add primary key (cluster_id, tenant_id);

-- Members' notes are read by their community only, so each note carries its author's tenant. Older notes take it
-- from the author's user row, else from the tenant whose channel is linked to the cluster, else from the cluster's
-- latest report. A note none of these gives stays without a tenant and is read by nobody.
alter table fade_notes add column tenant_id text;
update fade_notes n set tenant_id = (select u.tenant_id from users u where u.user_id = n.author_id order by u.updated_at desc limit 1)
  where n.tenant_id is null;
update fade_notes n set tenant_id = (select c.tenant_id from fade_conversations c where c.cluster_id = n.cluster_id limit 1)
  where n.tenant_id is null;
update fade_notes n set tenant_id = (select r.tenant_id from fade_reports r where r.cluster_id = n.cluster_id order by r.updated_at desc limit 1)
  where n.tenant_id is null;
drop index fade_notes_cluster_idx;
create index fade_notes_cluster_idx on fade_notes (cluster_id, tenant_id, at);

-- Each community links its own channel to a cluster: one linked channel per cluster and tenant (the service unlinks
-- any other in the same community when a channel is linked).
drop index fade_conversations_cluster_idx;
create unique index fade_conversations_cluster_idx on fade_conversations (cluster_id, tenant_id) where cluster_id is not null;

-- The cluster plan's priorities are each community's own too: kept in the tenant of whoever set them (older rows
-- take the tenant of that person, else of the cluster's linked channel, and a row none gives is read by nobody).
alter table fade_cluster_priorities add column tenant_id text;
update fade_cluster_priorities p set tenant_id = (select u.tenant_id from users u where u.user_id = p.updated_by order by u.updated_at desc limit 1)
  where p.tenant_id is null;
update fade_cluster_priorities p set tenant_id = (select c.tenant_id from fade_conversations c where c.cluster_id = p.cluster_id limit 1)
  where p.tenant_id is null;
update fade_cluster_priorities set tenant_id = '' where tenant_id is null;
alter table fade_cluster_priorities alter column tenant_id set not null;
alter table fade_cluster_priorities drop constraint fade_cluster_priorities_pkey;
alter table fade_cluster_priorities add primary key (cluster_id, tenant_id);
