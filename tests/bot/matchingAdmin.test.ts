import { Verbs } from '../../src/platform/cards/verbs';
import { alice, bethan, cardText, createHarness, mallory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

const admin: TestUser = { id: 'aad-admin', name: 'Nia Officer', tenantId: TENANT, locale: 'en-GB' };
const dafydd: TestUser = { id: 'aad-dafydd', name: 'Dafydd Adviser', tenantId: TENANT, locale: 'en-GB' };

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { ADMIN_USER_IDS: admin.id } });
  for (const user of [admin, dafydd, alice, bethan, mallory]) await h.say(user, 'help');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6782002, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, mallory.id, 6784001, 'other');
});
afterEach(async () => {
  await h.close();
});

describe('roles, set by admins', () => {
  it('lets the configured admin make someone who has used the bot an adviser for an LA', async () => {
    const card = (await h.say(admin, 'make adviser')).cards[0]!;
    expect(cardText(card)).toContain('Dafydd Adviser');
    const granted = (await h.press(admin, card, 'Grant the role', { userId: dafydd.id, role: 'adviser', laCode: '678' })).invokeCard!;
    expect(cardText(granted)).toContain('Dafydd Adviser is now Challenge adviser for Torfaen.');
    expect(cardText(granted)).toContain('Dafydd Adviser: Challenge adviser for Torfaen');
    expect(await h.runtime.roles.holds(TENANT, dafydd.id, 'adviser', 678)).toBe(true);
    expect(await h.runtime.roles.holds(TENANT, dafydd.id, 'adviser', 669)).toBe(false);
    expect((await h.runtime.audit.forSubject('user', dafydd.id)).map((a) => [a.action, a.actorId])).toEqual([['role.grant', admin.id]]);
  });

  it('assigns an adviser to one named school, and asks which school when the name fits several', async () => {
    const card = (await h.say(admin, 'make adviser')).cards[0]!;
    const unclear = (await h.press(admin, card, 'Grant the role', { userId: dafydd.id, role: 'adviser', laCode: 'all', school: 'Cwmbran' })).invokeCard!;
    expect(cardText(unclear)).toContain('More than one school matched "Cwmbran": Cwmbran High School (6784001); Ysgol Gymraeg Cwmbran (6782002).');
    expect(await h.runtime.roles.rolesOf(TENANT, dafydd.id)).toEqual([]);
    const granted = (await h.press(admin, unclear, 'Grant the role', { userId: dafydd.id, role: 'adviser', laCode: 'all', school: 'cwmbran high school' }))
      .invokeCard!;
    expect(cardText(granted)).toContain('Dafydd Adviser is now Challenge adviser for Cwmbran High School.');
    expect(cardText(granted)).toContain('Dafydd Adviser: Challenge adviser for Cwmbran High School');
    expect(await h.runtime.roles.holds(TENANT, dafydd.id, 'adviser', 678, 6784001)).toBe(true);
    expect(await h.runtime.roles.holds(TENANT, dafydd.id, 'adviser', 678, 6782002)).toBe(false);
    const byNumber = (await h.press(admin, granted, 'Grant the role', { userId: dafydd.id, role: 'adviser', laCode: 'all', school: '6782002' })).invokeCard!;
    expect(cardText(byNumber)).toContain('is now Challenge adviser for Ysgol Gymraeg Cwmbran.');
    const none = (await h.press(admin, byNumber, 'Grant the role', { userId: dafydd.id, role: 'adviser', laCode: 'all', school: 'Hogwarts' })).invokeCard!;
    expect(cardText(none)).toContain('No school matched "Hogwarts".');
  });

  it('says "for every local authority" mid-sentence, in English and in Welsh', async () => {
    const card = (await h.say(admin, 'make adviser')).cards[0]!;
    const granted = (await h.press(admin, card, 'Grant the role', { userId: dafydd.id, role: 'admin', laCode: 'all' })).invokeCard!;
    expect(cardText(granted)).toContain('Dafydd Adviser is now Admin for every local authority.');
    expect(cardText(granted)).toContain('Dafydd Adviser: Admin for every local authority');
    expect(cardText(granted)).not.toContain('for Every');
    await h.execute(admin, Verbs.setLanguage, { locale: 'cy' });
    const welsh = cardText((await h.say(admin, 'penodi ymgynghorydd')).cards[0]);
    expect(welsh).toContain('(pob awdurdod lleol)');
    expect(welsh).not.toContain('(Pob awdurdod lleol)');
  });

  it('answers "penodi ymgynghorydd" in Welsh, and refuses an unknown person', async () => {
    await h.execute(admin, Verbs.setLanguage, { locale: 'cy' });
    const card = (await h.say(admin, 'penodi ymgynghorydd')).cards[0]!;
    expect(cardText(card)).toContain('Rolau: ymgynghorwyr, adolygwyr a gweinyddwyr');
    const unknown = (await h.press(admin, card, 'Rhoi’r rôl', { userId: 'aad-nobody', role: 'adviser', laCode: '678' })).invokeCard!;
    expect(cardText(unknown)).toContain('Dewiswch berson sydd wedi defnyddio Cydweithio');
  });

  it('refuses everyone else, even with a forged payload', async () => {
    expect(cardText((await h.say(mallory, 'make adviser')).cards[0])).toContain('Only an admin can do that');
    const forged = await h.execute(mallory, Verbs.matchGrantRole, { userId: mallory.id, role: 'admin', laCode: 'all' });
    expect(cardText(forged.invokeCard)).toContain('Only an admin can do that');
    expect(await h.runtime.roles.isAdmin(TENANT, mallory.id)).toBe(false);
  });
});

describe('importing the directory from a card', () => {
  it('lists every problem with line and column and writes nothing; then imports a good file', async () => {
    const card = (await h.say(admin, 'import schools')).cards[0]!;
    const before = await h.runtime.db.query<{ n: number }>('select count(*)::int as n from schools');
    const broken = 'School Number,School Name,LA Code,Sector\n6789001,Ysgol Newydd,678,Primary\n6789002,Ysgol Arall,999,Primary\n12,,678,Primary\n';
    const refused = (await h.press(admin, card, 'Check and import', { csv: broken })).invokeCard!;
    const text = cardText(refused);
    expect(text).toContain('Nothing was imported: 3 problems to fix first.');
    expect(text).toContain('Line 3, column LA Code: "999" is not a local authority code in the directory.');
    expect(text).toContain('Line 4, column School Number: "12" is not a 7-digit school number.');
    expect(text).toContain('Line 4, column School Name: this value is required.');
    expect(await h.runtime.db.query<{ n: number }>('select count(*)::int as n from schools')).toEqual(before);

    const good = 'School Number,School Name,LA Code,Sector\n6789001,Ysgol Newydd,678,Primary\n';
    const done = (await h.press(admin, refused, 'Check and import', { csv: good })).invokeCard!;
    expect(cardText(done)).toContain('Imported: 1 school added, 0 updated.');
    expect((await h.runtime.audit.forSubject('directory', 'schools')).map((a) => a.action)).toEqual(['directory.import']);
  });

  it('refuses an import from someone who is not an admin', async () => {
    const forged = await h.execute(mallory, Verbs.matchImport, { csv: 'School Number,School Name,LA Code,Sector\n6789001,Hacked,678,Primary\n' });
    expect(cardText(forged.invokeCard)).toContain('Only an admin can do that');
    expect((await h.runtime.db.query('select 1 from schools where id = 6789001')).length).toBe(0);
  });
});

describe("a head's own school: strengths and capacity", () => {
  it('lets the head state strengths and capacity, which suggestions then use', async () => {
    await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
    const actor = { tenantId: TENANT, userId: alice.id };
    const plan = await h.runtime.plans.create(actor, 6784001);
    let version = plan.version;
    for (const [field, text] of [
      ['focus', 'Pupil wellbeing'],
      ['need', 'Survey results'],
      ['objectives', 'School plan'],
    ] as const) {
      const r = await h.runtime.plans.saveAnswer(actor, plan.id, version, field, { text });
      if (r.kind === 'ok') version = r.value.plan.version;
    }
    await h.runtime.plans.saveAnswer(actor, plan.id, version, 'priorityAreas', { priorityAreas: 'wellbeing' });
    expect(cardText((await h.execute(alice, Verbs.matchFind, { planId: plan.id })).invokeCard)).not.toMatch(/^strong in wellbeing/m);

    const card = (await h.say(bethan, 'fy ysgol')).cards[0]!;
    expect(cardText(card)).toContain('Ysgol Gymraeg Cwmbran');
    const saved = (
      await h.press(bethan, card, 'Cadw', {
        capacity: '3',
        openToRequests: 'true',
        area1: 'wellbeing',
        description1: 'Grwpiau meithrin',
        area2: 'none',
        area3: 'none',
      })
    ).invokeCard!;
    expect(cardText(saved)).toContain('Wedi’i gadw');
    expect(await h.runtime.db.query('select capacity, open_to_requests from schools where id = 6782002')).toEqual([{ capacity: 3, open_to_requests: true }]);
    expect(await h.runtime.db.query('select area, description, stated_by from school_strengths where school_id = 6782002')).toEqual([
      { area: 'wellbeing', description: 'Grwpiau meithrin', stated_by: 'school' },
    ]);
    expect(cardText((await h.execute(alice, Verbs.matchFind, { planId: plan.id })).invokeCard)).toContain('strong in wellbeing (the school’s own view)');
    const noWords = (await h.press(bethan, saved, 'Cadw', { capacity: '3', openToRequests: 'true', area1: 'numeracy', description1: ' ' })).invokeCard!;
    expect(cardText(noWords)).toContain('Disgrifiwch bob cryfder');
    expect((await h.runtime.audit.forSubject('school', '6782002')).map((a) => a.action)).toEqual(['school.profile']);
  });

  it("refuses to change another school's details, whatever the card says", async () => {
    expect(cardText((await h.say(mallory, 'my school')).cards[0])).toContain('Only the headteacher or a deputy');
    const forged = await h.execute(alice, Verbs.matchStrengthsSave, { schoolId: '6782002', capacity: '0', openToRequests: 'false' });
    expect(cardText(forged.invokeCard)).toContain('Only the headteacher or a deputy');
    expect(await h.runtime.db.query('select capacity, open_to_requests from schools where id = 6782002')).toEqual([{ capacity: 2, open_to_requests: true }]);
  });
});
