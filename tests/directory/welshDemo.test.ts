import { schoolProfileCard } from '../../src/features/admin/cards';
import { clusterNames } from '../../src/features/directory/names';
import { SqlSchoolRepository } from '../../src/features/directory/repository';
import { loadDirectorySeed } from '../../src/features/directory/seed';
import { linkedCard, noteCard, reminderCard } from '../../src/features/fade/cards';
import { SqlFadeClusterRepository } from '../../src/features/fade/clusterRepository';
import type { ClusterInfo } from '../../src/features/fade/types';
import { strengthReviewCard } from '../../src/features/matching/strengthCards';
import type { CardJson } from '../../src/platform/cards/render';
import type { Database } from '../../src/platform/db/db';
import type { Locale } from '../../src/platform/i18n';
import { databasesUnderTest } from '../support/databases';
import { shownText } from '../support/shownText';

const shown = shownText;

describe.each(databasesUnderTest())('the demo directory read in Welsh on $name', ({ open }) => {
  let db: Database;
  let clusters: SqlFadeClusterRepository;
  let schools: SqlSchoolRepository;
  beforeAll(async () => {
    db = await open();
    await loadDirectorySeed(db, { demo: true, seed: 11 });
    clusters = new SqlFadeClusterRepository(db);
    schools = new SqlSchoolRepository(db);
  });
  afterAll(() => db.close());

  const clusterCards = async (cluster: ClusterInfo, locale: Locale): Promise<CardJson[]> => {
    const members = await clusters.members(cluster.id);
    const inOne = { ...cluster, language: locale };
    return [
      linkedCard({ cluster: inOne, members, lead: null }),
      noteCard(locale, { roundId: 'r', clusterId: cluster.id, clusterName: clusterNames(cluster) }),
      reminderCard({
        roundId: 'r',
        clusterId: cluster.id,
        clusterName: clusterNames(cluster),
        language: locale,
        roundName: 'interim',
        cycleName: '2026/27',
        deadline: '2026-12-11',
        daysLeft: 3,
        leadName: null,
        members: members.map((m) => ({ nameEn: m.nameEn, nameCy: m.nameCy, status: 'notStarted' as const })),
        reportStatus: 'notStarted',
        submittedAt: null,
        reviewJudgement: null,
        draftOpened: false,
        leadInPersonalChat: false,
      }),
    ];
  };

  it('never shows a Welsh reader a demo cluster’s English name, and shows an English reader no Welsh one', async () => {
    const ids = await clusters.allClusterIds();
    expect(ids.length).toBeGreaterThan(200);
    for (const id of ids) {
      const cluster = (await clusters.getCluster(id))!;
      expect(cluster.nameCy).toMatch(/^Clwstwr /);
      for (const card of await clusterCards(cluster, 'cy')) {
        const text = shown(card);
        expect({ id, english: text.includes(cluster.name) }).toEqual({ id, english: false });
        expect(text).toContain(cluster.nameCy);
      }
      for (const card of await clusterCards(cluster, 'en')) expect({ id, welsh: shown(card).includes(cluster.nameCy!) }).toEqual({ id, welsh: false });
    }
  });

  it('finds a cluster by its Welsh name as well as its English one', async () => {
    const [glantaf] = await clusters.findClusters('Clwstwr Ysgol Gyfun Gymraeg Glantaf');
    expect(glantaf).toMatchObject({ name: 'Ysgol Gyfun Gymraeg Glantaf cluster', nameCy: 'Clwstwr Ysgol Gyfun Gymraeg Glantaf' });
    expect((await clusters.findClusters('Ysgol Gyfun Gymraeg Glantaf'))[0]?.id).toBe(glantaf!.id);
  });

  it('never shows a Welsh reader a demo strength’s English description, on the adviser’s card or the head’s', async () => {
    const ids = (await db.query<{ school_id: number }>('select distinct school_id from school_strengths order by school_id')).map((r) => r.school_id);
    expect(ids.length).toBe(1544);
    const now = new Date('2026-09-07T09:00:00Z');
    // Every fourth school keeps the test quick and still meets every area and source.
    for (const id of ids.filter((_, i) => i % 4 === 0)) {
      const strengths = await schools.strengths(id);
      const school = (await schools.get(id))!;
      const cards = (locale: Locale) => [
        strengthReviewCard(locale, { school, strengths, now, maxAgeYears: 3 }),
        schoolProfileCard(locale, { schoolId: id, schoolName: school.nameEn, capacity: 2, open: true, strengths }),
      ];
      for (const card of cards('cy')) {
        const text = shown(card);
        for (const s of strengths) {
          expect({ id, english: text.includes(s.description) }).toEqual({ id, english: false });
          expect(text).toContain(s.descriptionCy!);
        }
      }
      const english = shown(cards('en')[0]);
      for (const s of strengths) expect(english).toContain(s.description);
    }
  });

  it('shows a strength a school stated in its own words to everyone as written, and keeps the demo’s English when saved unchanged in Welsh', async () => {
    const [{ school_id: id }] = await db.query<{ school_id: number }>(`select min(school_id) as school_id from school_strengths where stated_by = 'school'`);
    const before = (await schools.strengths(id)).filter((s) => s.statedBy === 'school');
    expect(before.length).toBeGreaterThan(0);
    // A Welsh head saves the profile as it was shown (the demo's Welsh), with a strength of their own added.
    await schools.saveOwnProfile(id, {
      capacity: 2,
      openToRequests: true,
      strengths: [...before.map((s) => ({ area: s.area, description: s.descriptionCy! })), { area: 'other', description: 'Ysgol goedwig bob dydd Gwener' }],
    });
    const after = await schools.strengths(id);
    expect(after.find((s) => s.area === 'other')).toMatchObject({ description: 'Ysgol goedwig bob dydd Gwener', descriptionCy: null });
    for (const s of before) expect(after.find((a) => a.area === s.area)).toMatchObject({ description: s.description, descriptionCy: s.descriptionCy });
    const school = (await schools.get(id))!;
    for (const locale of ['cy', 'en'] as const) {
      const text = shown(strengthReviewCard(locale, { school, strengths: after, now: new Date('2026-09-07T09:00:00Z'), maxAgeYears: 3 }));
      expect(text).toContain('Ysgol goedwig bob dydd Gwener');
      for (const s of before) expect(text).toContain(locale === 'cy' ? s.descriptionCy : s.description);
    }
  });
});
