-- The plan a person last had open, so "continue" resumes it. It was kept in the conversation's turn state (bot_state),
-- which cost a read on every turn; the person's row is read on every turn anyway. Plans are personal, so one per person.
-- No foreign key: a deleted plan leaves a stale id, and "continue" then says the plan is gone.
alter table users add column last_plan_id uuid;
