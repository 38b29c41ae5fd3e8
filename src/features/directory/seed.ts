import type { Database, Sql } from '../../platform/db/db';
import { readDirectorySeedData, type LocalAuthoritySeed, type SchoolSeed } from './csv';
import { demoWelshByEnglish, generateDemoDirectory, type DemoDirectory, type DemoSchoolInput } from './demo';
import type { LanguageMedium, Phase, SupportCategory } from './repository';

export interface DirectorySeedOptions {
  /** Add generated FSM shares, families, capacity, strengths and clusters (never for a real deployment). */
  demo: boolean;
  /** Seed for the demo generator; the same seed gives the same demo. */
  seed?: number;
}

export interface DemoCounts {
  schools: number;
  strengths: number;
  clusters: number;
  clusterMembers: number;
}

export interface DirectorySeedCounts {
  localAuthorities: number;
  maintainedSchools: number;
  pupilReferralUnits: number;
  demo: DemoCounts | null;
}

export const DEFAULT_DEMO_SEED = 20180410; // the address list's date

/** Keeps two instances starting together from both loading (migrate uses 724201). */
const SEED_LOCK = 724202;

/**
 * First start only: loads the 22 LAs, the maintained schools and the PRUs from the shipped
 * open data, then the demo attributes if asked. Returns null once schools has rows, having only
 * given Welsh to any demo rows written before the generator wrote Welsh.
 */
export async function loadDirectorySeed(db: Database, options: DirectorySeedOptions): Promise<DirectorySeedCounts | null> {
  if (await hasSchools(db)) {
    await addWelshToDemo(db);
    return null;
  }
  const data = readDirectorySeedData();
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [SEED_LOCK]);
    if (await hasSchools(tx)) return null; // another instance got there first
    const localAuthorities = await insertLocalAuthorities(tx, data.localAuthorities);
    const maintainedSchools = await insertSchools(tx, data.maintainedSchools);
    const pupilReferralUnits = await insertSchools(tx, data.pupilReferralUnits);
    const demo = options.demo ? await applyDemoDirectory(tx, options.seed ?? DEFAULT_DEMO_SEED) : null;
    return { localAuthorities, maintainedSchools, pupilReferralUnits, demo };
  });
}

async function hasSchools(sql: Sql): Promise<boolean> {
  const rows = await sql.query<{ present: boolean }>('select exists (select 1 from schools) as present');
  return rows[0]?.present === true;
}

/** Adds LAs not already present; returns how many were added. */
export async function insertLocalAuthorities(sql: Sql, authorities: readonly LocalAuthoritySeed[]): Promise<number> {
  if (authorities.length === 0) return 0;
  const rows = await sql.query(
    `insert into local_authorities (code, name_en, name_cy, ons_code, consortium)
     select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])
     on conflict (code) do nothing
     returning code`,
    [
      authorities.map((a) => a.code),
      authorities.map((a) => a.nameEn),
      authorities.map((a) => a.nameCy),
      authorities.map((a) => a.onsCode),
      authorities.map((a) => a.consortium),
    ],
  );
  return rows.length;
}

/** Inserts schools in one statement (one array per column); fails on a school number already present. */
export async function insertSchools(sql: Sql, schools: readonly SchoolSeed[]): Promise<number> {
  if (schools.length === 0) return 0;
  const rows = await sql.query(
    `insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils, support_category, latitude, longitude, postcode)
     select * from unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::int[], $8::text[],
                          $9::float8[], $10::float8[], $11::text[])
     returning id`,
    [
      schools.map((s) => s.id),
      schools.map((s) => s.nameEn),
      schools.map((s) => s.nameCy),
      schools.map((s) => s.laCode),
      schools.map((s) => s.phase),
      schools.map((s) => s.languageMedium),
      schools.map((s) => s.pupils),
      schools.map((s) => s.supportCategory),
      schools.map((s) => s.latitude),
      schools.map((s) => s.longitude),
      schools.map((s) => s.postcode),
    ],
  );
  return rows.length;
}

interface DemoInputRow {
  id: number;
  name_en: string;
  name_cy: string | null;
  la_code: number;
  phase: Phase;
  language_medium: LanguageMedium;
  pupils: number | null;
  support_category: SupportCategory | null;
  latitude: number | null;
  longitude: number | null;
}

/**
 * Generates the demo from the schools in the database and writes it, replacing any earlier demo.
 * Real data wins: a school's own strength in an area, or membership of a real cluster, is kept,
 * and schools whose attributes were set for real (demo_attributes false with an FSM share or
 * family) are left alone.
 */
export async function applyDemoDirectory(sql: Sql, seed: number): Promise<DemoCounts> {
  await removeDemoDirectory(sql);
  const rows = await sql.query<DemoInputRow>(
    `select id, name_en, name_cy, la_code, phase, language_medium, pupils, support_category, latitude, longitude from schools order by id`,
  );
  const inputs: DemoSchoolInput[] = rows.map((r) => ({
    id: r.id,
    nameEn: r.name_en,
    nameCy: r.name_cy,
    laCode: r.la_code,
    phase: r.phase,
    languageMedium: r.language_medium,
    pupils: r.pupils,
    supportCategory: r.support_category,
    latitude: r.latitude,
    longitude: r.longitude,
  }));
  return writeDemoDirectory(sql, generateDemoDirectory(inputs, seed));
}

async function writeDemoDirectory(sql: Sql, demo: DemoDirectory): Promise<DemoCounts> {
  const updated = await sql.query(
    `update schools s
        set fsm_percent = d.fsm_percent, family = d.family, capacity = d.capacity,
            open_to_requests = d.open_to_requests, demo_attributes = true, updated_at = now()
       from unnest($1::int[], $2::numeric[], $3::text[], $4::int[], $5::bool[]) as d (id, fsm_percent, family, capacity, open_to_requests)
      where s.id = d.id and (s.demo_attributes or (s.fsm_percent is null and s.family is null))
      returning s.id`,
    [
      demo.schools.map((s) => s.schoolId),
      demo.schools.map((s) => s.fsmPercent),
      demo.schools.map((s) => s.family),
      demo.schools.map((s) => s.capacity),
      demo.schools.map((s) => s.openToRequests),
    ],
  );

  const strengths = await sql.query(
    `insert into school_strengths (school_id, area, description, description_cy, evidence, evidence_cy, stated_by, demo)
     select d.school_id, d.area, d.description, d.description_cy, d.evidence, d.evidence_cy, d.stated_by, true
       from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
            as d (school_id, area, description, description_cy, evidence, evidence_cy, stated_by)
     on conflict (school_id, area) do nothing
     returning school_id`,
    [
      demo.strengths.map((s) => s.schoolId),
      demo.strengths.map((s) => s.area),
      demo.strengths.map((s) => s.description),
      demo.strengths.map((s) => s.descriptionCy),
      demo.strengths.map((s) => s.evidence),
      demo.strengths.map((s) => s.evidenceCy),
      demo.strengths.map((s) => s.statedBy),
    ],
  );

  // A school already in a real cluster stays there, so hubs are filtered out first.
  const clusters = await sql.query(
    `insert into clusters (name, name_cy, la_code, lead_school_id, language, demo)
     select d.name, d.name_cy, d.la_code, d.lead_school_id, d.language, true
       from unnest($1::text[], $6::text[], $2::int[], $3::int[], $4::text[], $5::int[]) as d (name, name_cy, la_code, lead_school_id, language, hub)
      where not exists (select 1 from cluster_members cm where cm.school_id = d.hub)
     returning id`,
    [
      demo.clusters.map((c) => c.name),
      demo.clusters.map((c) => c.laCode),
      demo.clusters.map((c) => c.leadSchoolId),
      demo.clusters.map((c) => c.language),
      demo.clusters.map((c) => c.hubSchoolId),
      demo.clusters.map((c) => c.nameCy),
    ],
  );
  // Members join their cluster through its lead, which is unique among demo clusters.
  const members = demo.clusters.flatMap((c) => c.memberIds.map((schoolId) => ({ lead: c.leadSchoolId, schoolId })));
  const joined = await sql.query(
    `insert into cluster_members (cluster_id, school_id)
     select c.id, m.school_id
       from unnest($1::int[], $2::int[]) as m (lead_school_id, school_id)
       join clusters c on c.demo and c.lead_school_id = m.lead_school_id
     on conflict do nothing
     returning school_id`,
    [members.map((m) => m.lead), members.map((m) => m.schoolId)],
  );

  return { schools: updated.length, strengths: strengths.length, clusters: clusters.length, clusterMembers: joined.length };
}

/**
 * Demo rows written before the generator wrote Welsh get it now: each English description and evidence line
 * has one Welsh form (the generator's own), and a demo cluster named after its hub school becomes
 * "Clwstwr <school>". Rows with Welsh already, and anything not from the demo, are left alone.
 * Returns how many strengths and clusters were given Welsh.
 */
export async function addWelshToDemo(sql: Sql): Promise<{ strengths: number; clusters: number }> {
  const missing = await sql.query<{ school_id: number; area: string; description: string; evidence: string | null }>(
    'select school_id, area, description, evidence from school_strengths where demo and (description_cy is null or evidence_cy is null)',
  );
  let strengths = 0;
  if (missing.length > 0) {
    const welsh = demoWelshByEnglish();
    // Rows from before the demo's English took typographic apostrophes are found all the same.
    const find = (english: string | null) => (english === null ? null : (welsh.get(english.replace(/'/g, '’')) ?? null));
    const found = missing.map((r) => ({ ...r, descriptionCy: find(r.description), evidenceCy: find(r.evidence) }));
    const updated = await sql.query(
      `update school_strengths t
          set description_cy = coalesce(t.description_cy, d.description_cy), evidence_cy = coalesce(t.evidence_cy, d.evidence_cy)
         from unnest($1::int[], $2::text[], $3::text[], $4::text[]) as d (school_id, area, description_cy, evidence_cy)
        where t.school_id = d.school_id and t.area = d.area and t.demo and (d.description_cy is not null or d.evidence_cy is not null)
        returning t.school_id`,
      [found.map((r) => r.school_id), found.map((r) => r.area), found.map((r) => r.descriptionCy), found.map((r) => r.evidenceCy)],
    );
    strengths = updated.length;
  }
  const clusters = await sql.query(
    `update clusters c
        set name_cy = 'Clwstwr ' || coalesce(hub.name_cy, hub.name_en)
       from cluster_members m join schools hub on hub.id = m.school_id
      where c.demo and c.name_cy is null and m.cluster_id = c.id and c.name = hub.name_en || ' cluster'
      returning c.id`,
  );
  return { strengths, clusters: clusters.length };
}

/** Takes the demo out again, for a deployment that started with demo data and now goes live. */
export async function removeDemoDirectory(sql: Sql): Promise<void> {
  await sql.query('delete from clusters where demo'); // members go with them
  await sql.query('delete from school_strengths where demo');
  await sql.query(
    `update schools
        set fsm_percent = null, family = null, capacity = 2, open_to_requests = true, demo_attributes = false, updated_at = now()
      where demo_attributes`,
  );
}
