import {
  LIMITS,
  applyAnswer,
  isFieldOpen,
  isStaleFor,
  missingRequired,
  newPlan,
  nextField,
  nextStep,
  patchIsAlreadyApplied,
  planTitle,
  previousField,
  resumeField,
  transition,
  validateAnswer,
  type Plan,
} from '../../src/features/plans/plan';

const now = new Date('2026-09-07T09:00:00Z');
const fresh = (): Plan => newPlan('7d0f9a3e-1111-4222-8333-944444444444', { tenantId: 't', userId: 'u', schoolId: 1 }, now);

function answered(plan: Plan, values: Record<string, string>): Plan {
  let p = plan;
  for (const [field, text] of Object.entries(values)) {
    const v = validateAnswer(field as never, { text });
    if (!v.ok) throw new Error(v.problem.key);
    const r = applyAnswer(p, field as never, v.value, now, 90);
    if (!r.ok) throw new Error(r.problem.key);
    p = r.value.plan;
  }
  return p;
}

describe('validating answers', () => {
  it('refuses an empty required field and accepts an empty optional one', () => {
    expect(validateAnswer('focus', { text: '   ' })).toEqual({ ok: false, problem: { key: 'error.required' } });
    expect(validateAnswer('successCriteria', { text: '' })).toEqual({ ok: true, value: { successCriteria: undefined } });
  });

  it('refuses text over the limit and says how long it was', () => {
    const result = validateAnswer('need', { text: 'x'.repeat(LIMITS.longText + 1) });
    expect(result).toEqual({ ok: false, problem: { key: 'error.tooLong', params: { max: LIMITS.longText, length: LIMITS.longText + 1 } } });
    expect(validateAnswer('partner', { text: 'y'.repeat(LIMITS.shortText + 1) }).ok).toBe(false);
  });

  it('refuses text PostgreSQL cannot store (NUL, half a surrogate pair), and keeps whole emoji', () => {
    for (const text of ['a\u0000b', 'broken \uD83D emoji', '\uDE00 low half first', 'ends with half \uD83D']) {
      expect(validateAnswer('need', { text })).toEqual({ ok: false, problem: { key: 'error.unstorableCharacter' } });
    }
    expect(validateAnswer('need', { text: 'whole 😀 emoji and ŵŷ' })).toEqual({ ok: true, value: { need: 'whole 😀 emoji and ŵŷ' } });
  });

  it('trims text and normalises line endings', () => {
    expect(validateAnswer('focus', { text: '  KS4 maths\r\nD to C  ' })).toEqual({ ok: true, value: { focus: 'KS4 maths\nD to C' } });
  });

  it('accepts known priority areas, de-duplicates, and refuses unknown ones or too many', () => {
    expect(validateAnswer('priorityAreas', { priorityAreas: 'numeracy,fsm,numeracy' })).toEqual({ ok: true, value: { priorityAreas: ['numeracy', 'fsm'] } });
    expect(validateAnswer('priorityAreas', { priorityAreas: 'numeracy,astrology' })).toEqual({ ok: false, problem: { key: 'error.unknownPriority' } });
    expect(validateAnswer('priorityAreas', { priorityAreas: 'literacy,numeracy,welsh,science,aln,fsm,digital' }).ok).toBe(false);
  });

  it('reads days as numbers, with a comma or a point, and refuses words and huge numbers', () => {
    expect(validateAnswer('time', { staffDays: '2,5', supplyCoverDays: '4' })).toEqual({ ok: true, value: { staffDays: 2.5, supplyCoverDays: 4 } });
    expect(validateAnswer('time', { staffDays: 'three' })).toEqual({ ok: false, problem: { key: 'error.notANumber', params: { field: 'staffDays' } } });
    expect(validateAnswer('time', { supplyCoverDays: '-1' }).ok).toBe(false);
    expect(validateAnswer('time', { staffDays: '400' }).ok).toBe(false);
  });
});

describe('the plan through its life', () => {
  it('walks the before-fields in the seed order with our additions after them', () => {
    const p = fresh();
    const order = ['focus'];
    let f = nextField(p, 'focus');
    while (f) {
      order.push(f);
      f = nextField(p, f);
    }
    expect(order).toEqual(['focus', 'need', 'objectives', 'successCriteria', 'priorityAreas', 'time', 'partner']);
    expect(previousField(p, 'need')).toBe('focus');
    expect(previousField(p, 'focus')).toBeNull();
  });

  it('keeps after-support fields locked until the support has taken place', () => {
    const p = answered(fresh(), { focus: 'KS4 maths', need: 'below family', objectives: 'raise FSM attainment' });
    expect(isFieldOpen(p, 'provision')).toBe(false);
    const v = validateAnswer('provision', { text: 'two visits' });
    expect(v.ok && applyAnswer(p, 'provision', v.value, now, 90)).toEqual({ ok: false, problem: { key: 'error.fieldLocked' } });
  });

  it('needs focus, need and objectives before the support can start', () => {
    const p = answered(fresh(), { focus: 'KS4 maths' });
    expect(transition(p, 'startSupport', now)).toEqual({ ok: false, problem: { key: 'error.completeBeforeFirst' } });
    expect(missingRequired(p, 'before')).toEqual(['need', 'objectives']);
  });

  it('moves Planning → Support under way → Evaluating → Impact due → Complete', () => {
    let p = answered(fresh(), { focus: 'KS4 maths', need: 'below family', objectives: 'raise FSM attainment' });
    expect(p.status).toBe('planning');
    expect(nextStep(p, now)).toEqual({ kind: 'startOrFinishSupport' });

    const started = transition(p, 'startSupport', now);
    if (!started.ok) throw new Error('expected to start');
    expect(started.value.status).toBe('supportUnderWay');

    const later = new Date('2026-10-01T09:00:00Z');
    const ended = transition(started.value, 'supportTookPlace', later);
    if (!ended.ok) throw new Error('expected to end');
    p = ended.value;
    expect(p.status).toBe('evaluating');
    expect(p.supportEndedAt).toEqual(later);
    expect(resumeField(p)).toBe('provision');

    p = answered(p, { provision: 'two visits', effectiveness: 'clear approach' });
    expect(p.status).toBe('evaluating');
    const v = validateAnswer('actionPlan', { text: 'diagnostic tests in Y7' });
    const done = v.ok ? applyAnswer(p, 'actionPlan', v.value, now, 90) : undefined;
    if (!done?.ok) throw new Error('expected the action plan to save');
    expect(done.value.plan.status).toBe('impactDue');
    expect(done.value.impactNudgeDueAt).toEqual(new Date('2026-12-06T09:00:00Z'));
    expect(nextStep(done.value.plan, now)).toEqual({ kind: 'impactLater', dueAt: new Date('2026-12-06T09:00:00Z') });

    const complete = answered(done.value.plan, { impact: 'maths up 9 points' });
    expect(complete.status).toBe('complete');
    expect(nextStep(complete, now)).toEqual({ kind: 'done' });
  });

  it('refuses to make a transition twice', () => {
    const p = answered(fresh(), { focus: 'a', need: 'b', objectives: 'c' });
    const started = transition(p, 'startSupport', now);
    expect(started.ok && transition(started.value, 'startSupport', now)).toEqual({ ok: false, problem: { key: 'error.alreadyDone' } });
  });

  it('marks a card stale only when its own field changed after the card was drawn', () => {
    const p = answered(fresh(), { focus: 'a', need: 'b' });
    expect(p.version).toBe(3);
    expect(isStaleFor(p, 'focus', 1)).toBe(true);
    expect(isStaleFor(p, 'focus', 2)).toBe(false);
    expect(isStaleFor(p, 'objectives', 1)).toBe(false);
  });

  it('recognises a repeated submit as already applied', () => {
    const p = answered(fresh(), { focus: 'KS4 maths' });
    expect(patchIsAlreadyApplied(p.answers, { focus: 'KS4 maths' })).toBe(true);
    expect(patchIsAlreadyApplied(p.answers, { focus: 'KS3 maths' })).toBe(false);
  });

  it('titles a plan by the first line of its focus, shortened', () => {
    expect(planTitle(fresh())).toBeNull();
    expect(planTitle(answered(fresh(), { focus: 'KS4 maths\nmore detail' }))).toBe('KS4 maths');
    expect(planTitle(answered(fresh(), { focus: 'x'.repeat(100) }))?.length).toBe(60);
  });
});
