import { confirmSchoolRole } from '../support/roles';
import type { CardJson } from '../../src/platform/cards/render';
import { Verbs } from '../../src/platform/cards/verbs';
import type { Database } from '../../src/platform/db/db';
import { alice, bethan, cardText, createHarness, findAction, mallory, TENANT, type Harness, type TestUser } from '../support/harness';

/**
 * The evidence behind a school's strengths, through the real app: an adviser covering the school verifies
 * or withdraws a stated strength inline (checked on the server, audited, the head told), and an admin
 * imports strengths with their source and date in the directory file, all or nothing.
 */
async function seedDirectory(db: Database): Promise<void> {
  await db.exec(`
    insert into local_authorities (code, name_en, name_cy, consortium) values
      (669, 'Carmarthenshire', 'Sir Gaerfyrddin', 'ERW'), (678, 'Torfaen', 'Tor-faen', 'EAS');
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils, latitude, longitude, capacity) values
      (6784001, 'Cwmbran High School', null, 678, 'secondary', 'english', 1100, 51.6530, -3.0210, 2),
      (6785001, 'Croesyceiliog School', null, 678, 'secondary', 'english', 1200, 51.6660, -2.9990, 2),
      (6786003, 'Llantarnam School', null, 678, 'secondary', 'english', 900, 51.6400, -3.0050, 2),
      (6692001, 'Ysgol Gymraeg Rhydaman', null, 669, 'primary', 'welsh', 310, 51.7900, -3.9900, 2);
    insert into school_strengths (school_id, area, description, stated_by) values
      (6785001, 'numeracy', 'Mastery maths at KS4', 'school'),
      (6785001, 'wellbeing', 'Nurture groups', 'school'),
      (6786003, 'numeracy', 'Maths intervention', 'school');
  `);
}

const dafydd: TestUser = { id: 'aad-dafydd', name: 'Dafydd Adviser', tenantId: TENANT, locale: 'en-GB' };
const gwen: TestUser = { id: 'aad-gwen', name: 'Gwen Other-LA Adviser', tenantId: TENANT, locale: 'en-GB' };
const admin: TestUser = { id: 'aad-admin', name: 'Admin Officer', tenantId: TENANT, locale: 'en-GB' };

let h: Harness;

beforeEach(async () => {
  h = await createHarness({ seed: seedDirectory, env: { ADMIN_USER_IDS: admin.id } });
  for (const user of [alice, bethan, dafydd, gwen, admin, mallory]) await h.say(user, 'help');
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6785001, 'headteacher');
  await h.runtime.roles.grant({ tenantId: TENANT, userId: dafydd.id, role: 'adviser', laCode: 678 }, 'admin');
  await h.runtime.roles.grant({ tenantId: TENANT, userId: gwen.id, role: 'adviser', laCode: 669 }, 'admin');
  h.messenger.sent.splice(0);
});
afterEach(async () => {
  await h.close();
});

const sentTo = (user: TestUser): CardJson[] =>
  h.messenger.sent.filter((s) => (s.conversation.conversation as { id?: string } | undefined)?.id === `a:personal-${user.id}`).map((s) => s.message.card!);

async function suggestionsForAlice(): Promise<string> {
  const owner = { tenantId: TENANT, userId: alice.id };
  const plan = await h.runtime.plans.create(owner, 6784001);
  let version = plan.version;
  for (const [field, text] of [
    ['focus', 'KS4 maths'],
    ['need', 'Below the family'],
    ['objectives', 'In the school development plan'],
  ] as const) {
    const saved = await h.runtime.plans.saveAnswer(owner, plan.id, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
  await h.runtime.plans.saveAnswer(owner, plan.id, version, 'priorityAreas', { priorityAreas: 'numeracy' });
  return cardText((await h.execute(alice, Verbs.matchFind, { planId: plan.id })).invokeCard);
}

describe('an adviser verifies or withdraws a school’s stated strengths', () => {
  it('verifies inline: audited, the head told in their language, and suggestions say "verified by an adviser" with the month', async () => {
    const review = (await h.say(dafydd, 'strengths Croesyceiliog')).cards[0]!;
    const text = cardText(review);
    expect(text).toContain('Strengths of Croesyceiliog School');
    expect(text).toContain('Mastery maths at KS4');
    expect(text).toContain('The school’s own view');
    const verifyAction = findAction(review, 'Verify: Numeracy and mathematics')!;
    expect(verifyAction).toMatchObject({ type: 'Action.Execute', verb: Verbs.matchStrengthVerify, data: { schoolId: '6785001', area: 'numeracy' } });

    const verified = (await h.press(dafydd, review, 'Verify: Numeracy and mathematics')).invokeCard!;
    expect(cardText(verified)).toContain('Verified: Numeracy and mathematics. The head of the school has been told.');
    expect(cardText(verified)).toContain('Verified by an adviser, September 2026');

    const told = sentTo(bethan);
    expect(told).toHaveLength(1);
    expect(cardText(told[0])).toContain(
      'Mae Dafydd Adviser (ymgynghorydd) wedi cadarnhau cryfder Croesyceiliog School o ran Rhifedd a mathemateg ar 7 Medi 2026.',
    );

    const audit = await h.runtime.audit.forSubject('school', '6785001');
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([['strength.verify', dafydd.id]]);
    expect(audit[0]!.details).toMatchObject({ area: 'numeracy', before: 'school' });

    const suggestions = await suggestionsForAlice();
    expect(suggestions).toContain('strong in numeracy and mathematics, verified by an adviser, September 2026');
    expect(suggestions.indexOf('Croesyceiliog')).toBeLessThan(suggestions.indexOf('Llantarnam'));
  });

  it('withdraws a strength: it is no longer used in suggestions, and the head is told', async () => {
    const review = (await h.say(dafydd, 'strengths 6785001')).cards[0]!;
    const withdrawn = (await h.press(dafydd, review, 'Withdraw: Numeracy and mathematics')).invokeCard!;
    expect(cardText(withdrawn)).toContain('Withdrawn: Numeracy and mathematics.');
    expect(cardText(withdrawn)).not.toContain('Mastery maths');
    expect(cardText(sentTo(bethan)[0])).toContain('wedi tynnu cryfder Croesyceiliog School o ran Rhifedd a mathemateg yn ôl');
    expect((await h.runtime.audit.forSubject('school', '6785001')).map((a) => a.action)).toEqual(['strength.withdraw']);
    const suggestions = await suggestionsForAlice();
    expect(suggestions).toContain('1. Llantarnam School');
    // A second press of the old button changes nothing and says so.
    const again = (await h.press(dafydd, review, 'Withdraw: Numeracy and mathematics')).invokeCard!;
    expect(cardText(again)).toContain('That strength is no longer listed for this school');
    expect(sentTo(bethan)).toHaveLength(1);
  });

  it('shows the card in Welsh to a Welsh-speaking adviser', async () => {
    await h.execute(dafydd, Verbs.setLanguage, { locale: 'cy' });
    const review = (await h.say(dafydd, 'cryfderau Croesyceiliog')).cards[0]!;
    expect(cardText(review)).toContain('Cryfderau Croesyceiliog School');
    expect(cardText(review)).toContain('Barn yr ysgol ei hun');
    expect(findAction(review, 'Tynnu’n ôl: Rhifedd a mathemateg')).toBeDefined();
  });

  it('refuses anyone who does not cover the school, whatever the card sends, and changes nothing', async () => {
    const review = (await h.say(dafydd, 'strengths Croesyceiliog')).cards[0]!;
    const verify = findAction(review, 'Verify: Numeracy and mathematics')!.data as Record<string, unknown>;
    for (const user of [gwen, bethan, mallory, admin]) {
      const reply = await h.execute(user, Verbs.matchStrengthVerify, verify);
      expect(cardText(reply.invokeCard)).toMatch(/Only an adviser for this school|Dim ond ymgynghorydd ar gyfer yr ysgol hon/);
      expect(cardText((await h.say(user, 'strengths Croesyceiliog')).cards[0])).toMatch(
        /Only an adviser for this school|Dim ond ymgynghorydd ar gyfer yr ysgol hon/,
      );
    }
    expect(cardText((await h.execute(dafydd, Verbs.matchStrengthVerify, { schoolId: '6785001', area: 'not an area' })).invokeCard)).toContain(
      'could not be read',
    );
    expect(await h.runtime.audit.forSubject('school', '6785001')).toEqual([]);
    expect(sentTo(bethan)).toHaveLength(0);
    // Gwen covers Croesyceiliog by name once an admin assigns it: then she may.
    await h.runtime.roles.grant({ tenantId: TENANT, userId: gwen.id, role: 'adviser', laCode: null, schoolId: 6785001 }, 'admin');
    expect(cardText((await h.execute(gwen, Verbs.matchStrengthVerify, verify)).invokeCard)).toContain('Verified: Numeracy and mathematics');
  });
});

describe('an admin imports strengths with the directory', () => {
  const csv = [
    'school_number,name_en,la_code,phase,strengths,strength_source,strength_date',
    '6785001,Croesyceiliog School,678,secondary,numeracy; science,inspection,2025-06',
    '6786003,Llantarnam School,678,secondary,,school,',
  ].join('\n');

  it('replaces the listed schools’ strengths with their source and date, and suggestions use them', async () => {
    const card = (await h.say(admin, 'import schools')).cards[0]!;
    const done = (await h.press(admin, card, 'Check and import', { csv })).invokeCard!;
    expect(cardText(done)).toContain('Imported: 0 schools added, 2 updated.');
    const strengths = await h.runtime.db.query<{ school_id: number; area: string; stated_by: string; verified_at: Date | null }>(
      'select school_id, area, stated_by, verified_at from school_strengths order by school_id, area',
    );
    expect(strengths.map((s) => [s.school_id, s.area, s.stated_by, s.verified_at && new Date(s.verified_at).toISOString().slice(0, 7)])).toEqual([
      [6785001, 'numeracy', 'inspection', '2025-06'],
      [6785001, 'science', 'inspection', '2025-06'],
    ]);
    const suggestions = await suggestionsForAlice();
    expect(suggestions).toContain('strong in numeracy and mathematics, verified by inspection, June 2025');
    expect(suggestions).not.toContain('Llantarnam School\nSecondary · English medium · Torfaen\nstrong in');
  });

  it('imports nothing when one strength, source or date is wrong, and says where', async () => {
    const bad = [
      'school_number,name_en,la_code,phase,strengths,strength_source,strength_date',
      '6785001,Croesyceiliog School,678,secondary,numeracy; juggling,inspection,2025-06',
      '6786003,Llantarnam School,678,secondary,wellbeing,ofsted,2025-13',
    ].join('\n');
    const card = (await h.say(admin, 'import schools')).cards[0]!;
    const refused = cardText((await h.press(admin, card, 'Check and import', { csv: bad })).invokeCard);
    expect(refused).toContain('Nothing was imported: 3 problems to fix first.');
    expect(refused).toContain('Line 2, column strengths: "juggling" is not a priority area');
    expect(refused).toContain('Line 3, column strength\\_source: "ofsted" is not a source of a strength');
    expect(refused).toContain('Line 3, column strength\\_date: "2025-13" is not a date of evidence');
    const strengths = await h.runtime.db.query<{ n: number }>('select count(*)::int as n from school_strengths');
    expect(strengths[0]!.n).toBe(3); // as before
  });
});
