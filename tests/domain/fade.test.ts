import {
  DEFAULT_REMINDER_OFFSETS,
  checkSubmission,
  cycleStartYear,
  defaultRounds,
  clipWords,
  developItems,
  draftReport,
  memberStatuses,
  needsReminder,
  parseOffsetKey,
  offsetKey,
  reminderRelevance,
  reminderSchedule,
  validateOffsets,
  validateRounds,
  workingDaysLeft,
  type DraftLabels,
} from '../../src/features/fade/model';
import { holidaySet } from '../../src/platform/workingDays';

const none = new Set<string>();
const holidays = holidaySet([
  { start: '2026-12-21', end: '2027-01-01' },
  { start: '2027-02-15', end: '2027-02-19' },
  { start: '2027-03-22', end: '2027-04-02' },
]);

describe('cycles and rounds', () => {
  it('reads a school year name', () => {
    expect(cycleStartYear('2026/27')).toBe(2026);
    expect(cycleStartYear('2026-2027')).toBe(2026);
    expect(cycleStartYear('2099/00')).toBe(2099);
    expect(cycleStartYear('2026/28')).toBeNull();
    expect(cycleStartYear('next year')).toBeNull();
  });

  it('defaults to an interim round in December and a final round in March, on Fridays', () => {
    expect(defaultRounds(2026)).toEqual([
      { name: 'interim', deadline: '2026-12-11' },
      { name: 'final', deadline: '2027-03-19' },
    ]);
    expect(defaultRounds(2026, holidaySet(['2026-12-11']))[0].deadline).toBe('2026-12-10');
  });

  it('checks rounds and reminder offsets', () => {
    expect(validateRounds(defaultRounds(2026))).toBeNull();
    expect(validateRounds([])).toBe('fade.problem.noRounds');
    expect(validateRounds([{ name: 'x', deadline: '2026-13-01' }])).toBe('fade.problem.badDate');
    expect(
      validateRounds([
        { name: 'a', deadline: '2027-03-19' },
        { name: 'b', deadline: '2026-12-11' },
      ]),
    ).toBe('fade.problem.roundsOrder');
    expect(validateOffsets(DEFAULT_REMINDER_OFFSETS)).toBeNull();
    expect(validateOffsets([1, 1])).toBe('fade.problem.badOffsets');
    expect(validateOffsets([0.5])).toBe('fade.problem.badOffsets');
  });

  it('names offsets as stable keys', () => {
    expect(DEFAULT_REMINDER_OFFSETS.map(offsetKey)).toEqual(['d-14', 'd-3', 'd0', 'd+5']);
    expect(['d-14', 'd-3', 'd0', 'd+5', 'x'].map(parseOffsetKey)).toEqual([-14, -3, 0, 5, null]);
  });
});

describe('the reminder schedule', () => {
  it('sends 14 and 3 working days before, on the day and 5 working days overdue, at 09:00 London', () => {
    const s = reminderSchedule('2026-12-11', DEFAULT_REMINDER_OFFSETS, none);
    expect(s.map((r) => [r.key, r.date, r.sendAt.toISOString()])).toEqual([
      ['d-14', '2026-11-23', '2026-11-23T09:00:00.000Z'],
      ['d-3', '2026-12-08', '2026-12-08T09:00:00.000Z'],
      ['d0', '2026-12-11', '2026-12-11T09:00:00.000Z'],
      ['d+5', '2026-12-18', '2026-12-18T09:00:00.000Z'],
    ]);
  });

  it('skips the Christmas holiday for the overdue reminder', () => {
    const s = reminderSchedule('2026-12-16', DEFAULT_REMINDER_OFFSETS, holidays);
    expect(s.find((r) => r.key === 'd+5')!.date).toBe('2027-01-06'); // Thu 17, Fri 18, Mon 4, Tue 5, Wed 6
    expect(s.find((r) => r.key === 'd-14')!.date).toBe('2026-11-26');
  });

  it('moves an "on the day" reminder for a deadline in a holiday to the next working day', () => {
    const s = reminderSchedule('2026-12-23', [0], holidays);
    expect(s[0].date).toBe('2027-01-04');
  });

  it('keeps 09:00 London across the March clock change (BST from 28 March 2027)', () => {
    const s = reminderSchedule('2027-04-07', [-3, 0], none);
    expect(s.map((r) => [r.date, r.sendAt.toISOString()])).toEqual([
      ['2027-04-02', '2027-04-02T08:00:00.000Z'],
      ['2027-04-07', '2027-04-07T08:00:00.000Z'],
    ]);
    const across = reminderSchedule('2027-03-30', [-3, 0], none);
    expect(across.map((r) => [r.date, r.sendAt.toISOString()])).toEqual([
      ['2027-03-25', '2027-03-25T09:00:00.000Z'],
      ['2027-03-30', '2027-03-30T08:00:00.000Z'],
    ]);
  });

  it('keeps 09:00 London across the October clock change (GMT from 25 October 2026)', () => {
    const s = reminderSchedule('2026-10-27', [-3, 0], none);
    expect(s.map((r) => [r.date, r.sendAt.toISOString()])).toEqual([
      ['2026-10-22', '2026-10-22T08:00:00.000Z'],
      ['2026-10-27', '2026-10-27T09:00:00.000Z'],
    ]);
  });

  it('merges reminders that land on the same working day, keeping the later one', () => {
    const s = reminderSchedule('2026-12-23', [-3, 0, 1], holidays);
    // on the day and the day after both land on 4 January
    expect(s.map((r) => [r.key, r.date])).toEqual([
      ['d-3', '2026-12-16'],
      ['d+1', '2027-01-04'],
    ]);
  });

  it('drops a reminder found after a later one is already due, and keeps the latest', () => {
    const s = reminderSchedule('2026-12-11', DEFAULT_REMINDER_OFFSETS, none);
    const [d14, d3] = s;
    const afterDowntime = new Date('2026-12-09T10:00:00Z');
    expect(reminderRelevance(d14, s, afterDowntime)).toEqual({ send: false, reason: 'superseded' });
    expect(reminderRelevance(d3, s, afterDowntime)).toEqual({ send: true });
    expect(reminderRelevance(d3, s, new Date('2026-12-08T08:59:00Z'))).toEqual({ send: false, reason: 'notDue' });
  });

  it('counts working days left, negative when overdue', () => {
    expect(workingDaysLeft(new Date('2026-11-23T09:00:00Z'), '2026-12-11', none)).toBe(14);
    expect(workingDaysLeft(new Date('2026-12-11T23:30:00Z'), '2026-12-11', none)).toBe(0);
    expect(workingDaysLeft(new Date('2026-12-18T09:00:00Z'), '2026-12-11', none)).toBe(-5);
  });
});

describe('statuses', () => {
  it('shows each member school as not started until it has a part', () => {
    expect(
      memberStatuses(
        [1, 2, 3],
        [
          { schoolId: 2, status: 'drafted' },
          { schoolId: 3, status: 'submitted' },
        ],
      ),
    ).toEqual([
      { schoolId: 1, status: 'notStarted' },
      { schoolId: 2, status: 'drafted' },
      { schoolId: 3, status: 'submitted' },
    ]);
  });

  it('reminds only clusters that have not submitted', () => {
    expect(needsReminder('notStarted')).toBe(true);
    expect(needsReminder('drafted')).toBe(true);
    expect(needsReminder('submitted')).toBe(false);
    expect(needsReminder('reviewed')).toBe(false);
  });
});

describe('drafting the report', () => {
  const labels: DraftLabels = {
    priorities: 'Cluster plan priorities:',
    carriedOver: 'From the last round:',
    digestHeading: 'What member schools did:',
    provision: 'Provision:',
    effectiveness: 'Effectiveness:',
    notesHeading: 'Notes from member schools:',
    nothingYet: '',
    supportAgreed: (partner) => `support from ${partner} agreed`,
    supportDone: (partner) => `support from ${partner} completed`,
    actionPlansHeading: 'Next steps from action plans:',
    impactHeading: 'Impact so far:',
    impactPending: (schools) => `Impact not yet assessed: ${schools}.`,
  };
  const since = new Date('2026-03-19T17:00:00Z');

  it('prefills every section from what happened, since the last round only, one line per school', () => {
    const draft = draftReport(
      {
        priorities: ['Numeracy', 'Transition KS2–KS3'],
        previousDevelop: '- Shared moderation of Y6 maths\n- Visit Ysgol Gymraeg',
        plans: [
          {
            schoolId: 2,
            schoolName: 'Ysgol B',
            provision: 'Three joint lessons',
            effectiveness: 'Teachers more confident',
            actionPlan: 'Moderate together each term',
            support: [{ partnerName: 'Ysgol D', done: true, at: new Date('2026-09-20') }],
            updatedAt: new Date('2026-10-01'),
          },
          // the same plan again (its Welsh copy), saying less: left out
          { schoolId: 2, schoolName: 'Ysgol B', provision: 'Tair gwers ar y cyd', updatedAt: new Date('2026-10-02') },
          { schoolId: 1, schoolName: 'Ysgol A', provision: 'Old work', updatedAt: new Date('2026-01-01') },
          { schoolId: 3, schoolName: 'Ysgol E', provision: 'Peer observation', impact: 'Better questioning seen in books', updatedAt: new Date('2026-10-05') },
        ],
        notes: [{ schoolName: 'Ysgol C', authorName: 'Rhian', text: 'Transition day\nwent well', at: new Date('2026-11-01') }],
        since,
      },
      labels,
    );
    expect(draft.focus).toBe('Cluster plan priorities:\n- Numeracy\n- Transition KS2–KS3');
    expect(draft.analysis).toContain('- Ysgol B: support from Ysgol D completed; Provision: Three joint lessons; Effectiveness: Teachers more confident');
    expect(draft.analysis.match(/Ysgol B/g)).toHaveLength(1);
    expect(draft.analysis).not.toContain('Tair gwers');
    expect(draft.analysis).not.toContain('Old work');
    expect(draft.analysis).toContain('Ysgol C (Rhian): Transition day went well');
    expect(draft.develop).toBe(
      'From the last round:\n- Shared moderation of Y6 maths\n- Visit Ysgol Gymraeg\n\nNext steps from action plans:\n- Ysgol B: Moderate together each term',
    );
    expect(draft.evaluation).toBe('Impact so far:\n- Ysgol E: Better questioning seen in books\n\nImpact not yet assessed: Ysgol B.');
  });

  it('cuts long text at a whole word', () => {
    expect(clipWords('teacher assessment of writing', 16)).toBe('teacher…');
    expect(clipWords('teacher assessment', 9)).toBe('teacher…');
    expect(clipWords('short', 16)).toBe('short');
    const draft = draftReport(
      {
        priorities: [],
        previousDevelop: null,
        plans: [{ schoolId: 1, schoolName: 'A', provision: `${'word '.repeat(70)}teacher assessment`, updatedAt: new Date() }],
        notes: [],
        since: null,
      },
      labels,
    );
    expect(draft.analysis).toMatch(/word…$/);
  });

  it('leaves sections empty when there is nothing to draw on', () => {
    expect(draftReport({ priorities: [], previousDevelop: null, plans: [], notes: [], since: null }, labels)).toEqual({
      focus: '',
      analysis: '',
      develop: '',
      evaluation: '',
    });
  });

  it('turns Develop/Do into next steps', () => {
    expect(developItems('From the last round:\n- one\n* two\n3) three\n\n')).toEqual(['one', 'two', 'three']);
  });

  it("needs every section and the cluster's own judgement to submit", () => {
    const full = { focus: 'f', analysis: 'a', develop: 'd', evaluation: 'e' };
    expect(checkSubmission(full, 'strong')).toBeNull();
    expect(checkSubmission({ ...full, evaluation: ' ' }, 'strong')).toBe('fade.problem.sectionsMissing');
    expect(checkSubmission(full, 'excellent')).toBe('fade.problem.judgementMissing');
    expect(checkSubmission({ ...full, analysis: 'x'.repeat(9000) }, 'strong')).toBe('fade.problem.tooLong');
  });
});
