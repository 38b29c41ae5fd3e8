import { importCard, rolesCard, schoolProfileCard } from '../../../src/features/admin/cards';
import { adviserCard, agreedCard, myRequestsCard, schoolRequestCard, statusCard, suggestionsCard } from '../../../src/features/matching/cards';
import type { CardJson } from '../../../src/platform/cards/render';
import type { SchoolDetails } from '../../../src/features/directory/repository';
import type { Suggestion } from '../../../src/features/matching/ranking';
import { newPlan, type Plan } from '../../../src/features/plans/plan';
import type { SupportRequest } from '../../../src/features/matching/supportRequest';
import type { Locale } from '../../../src/platform/i18n';
import { MY_REQUESTS_LIMIT, type MyRequests, type RequestContext, type SuggestedSchool } from '../../../src/features/matching/service';
import type { ListedRequest } from '../../../src/features/matching/repository';
import { evidenceToldCard, strengthReviewCard } from '../../../src/features/matching/strengthCards';

const now = new Date('2026-09-07T09:00:00Z');

const plan: Plan = {
  ...newPlan('7d0f9a3e-1111-4222-8333-944444444444', { tenantId: 't', userId: 'u', schoolId: 6784001 }, now),
  answers: {
    focus: 'KS4 maths, D to C',
    need: 'Below family for 3 years',
    objectives: 'Raise FSM attainment',
    successCriteria: '60% C or above',
    priorityAreas: ['numeracy', 'fsm'],
    staffDays: 6,
    supplyCoverDays: 4,
  },
};

function school(id: number, nameEn: string, nameCy: string | null): SchoolDetails {
  return {
    id,
    nameEn,
    nameCy,
    laNameEn: 'Torfaen',
    laNameCy: 'Tor-faen',
    phase: 'secondary',
    languageMedium: 'welsh',
    laCode: 678,
    consortium: 'EAS',
    pupils: 900,
    fsmPercent: 18,
    family: 'Secondary family 4',
    supportCategory: null,
    latitude: 51.65,
    longitude: -3.02,
    postcode: null,
    capacity: 3,
    openToRequests: true,
    demoAttributes: true,
    cluster: null,
  };
}
/** Strengths as the demo writes them (both languages) and as a school states one (its own words only). */
export const mastery = {
  area: 'numeracy' as const,
  description: 'Mastery maths',
  descriptionCy: 'Mathemateg drwy feistrolaeth',
  evidence: null,
  evidenceCy: null,
};
export const nurture = { area: 'wellbeing' as const, description: 'Nurture groups', descriptionCy: 'Grwpiau anogaeth', evidence: null, evidenceCy: null };
const ownWords = { area: 'fsm' as const, description: 'Cau’r bwlch', descriptionCy: null, evidence: null, evidenceCy: null };

const asking = school(6784001, 'Cwmbran High School', null);
export const partnerSchool = school(6785001, 'Ysgol Gyfun Gwynllyw', 'Ysgol Gyfun Gwynllyw');
const partner = partnerSchool;

const suggestion: Suggestion = {
  schoolId: partner.id,
  score: 80,
  tier: 'inRange',
  km: 11,
  kmApproximate: false,
  load: 1,
  pending: 0,
  capacity: 3,
  breakdown: { strength: 40, kind: 0, phase: 20, medium: 10, family: 5, fsm: 5, supportGap: 0, distance: 7, load: -3, fairness: 0, total: 84 },
  reasons: [
    { key: 'strengthVerified', params: { area: 'numeracy', by: 'adviser' } },
    { key: 'strengthSelf', params: { area: 'fsm' } },
    { key: 'samePhase', params: { phase: 'secondary' } },
    { key: 'sameMedium', params: { medium: 'welsh' } },
    { key: 'sameFamily', params: {} },
    { key: 'similarFsm', params: { percent: 18 } },
    { key: 'distance', params: { km: 11 } },
    { key: 'places', params: { taken: 1, capacity: 3 } },
    { key: 'askedRecently', params: { count: 1 } },
  ],
};
const suggested: SuggestedSchool[] = [{ school: partner, suggestion }];

function request(state: SupportRequest['state'], kind: SupportRequest['kind'] = 'brokered'): SupportRequest {
  return {
    id: '5a0f9a3e-1111-4222-8333-944444444444',
    tenantId: 't',
    planId: plan.id,
    requesterId: 'u',
    askingSchoolId: asking.id,
    kind,
    state,
    chosenSchoolId: state === 'awaitingAdviser' ? null : partner.id,
    lookFurther: false,
    version: 3,
    askSeq: 1,
    decidedBy: 'adviser',
    decisionReason: state === 'declined' ? 'No capacity this term' : null,
    declinedBy: state === 'declined' ? 'school' : null,
    adviserIds: ['adviser'],
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    acceptedAt: null,
    doneAt: null,
  };
}

const ctx = (state: SupportRequest['state'], kind?: SupportRequest['kind']): RequestContext => ({
  request: request(state, kind),
  plan,
  asking,
  chosen: state === 'awaitingAdviser' ? null : partner,
  requesterName: 'Alice Head',
  decidedByName: 'Dafydd Adviser',
  refreshUserIds: ['29:adviser-one', '29:adviser-two'],
});

/** The fullest "my requests" card: every list at its limit, with the longest names the directory allows. */
function fullMyRequests(): MyRequests {
  const longName = (n: number) => `Ysgol ${n} `.padEnd(200, 'x');
  const states: SupportRequest['state'][] = ['awaitingAdviser', 'awaitingSchool', 'accepted', 'declined', 'withdrawn', 'done'];
  const entries = (offset: number): ListedRequest[] =>
    Array.from({ length: MY_REQUESTS_LIMIT }, (_, i) => ({
      request: { ...request(states[i % states.length]!), updatedAt: i % 2 ? new Date('2026-10-01T09:00:00Z') : now },
      focus: 'F'.repeat(200),
      asking: { id: offset + i, nameEn: longName(offset + i), nameCy: longName(offset + i) },
      chosen: i % 3 ? { id: offset + 50 + i, nameEn: longName(offset + 50 + i), nameCy: null } : null,
    }));
  return {
    lists: { asked: { entries: entries(0), total: 25 }, toAnswer: { entries: entries(100), total: 12 }, toBroker: { entries: entries(200), total: 60 } },
    leadsSchool: true,
    isAdviser: true,
  };
}

const noRequests: MyRequests = {
  lists: { asked: { entries: [], total: 0 }, toAnswer: { entries: [], total: 0 }, toBroker: { entries: [], total: 0 } },
  leadsSchool: true,
  isAdviser: true,
};

/** Every matching card, keyed "<template>:<variant>", with realistic data. */
export function matchingSamples(locale: Locale): Record<string, CardJson> {
  const results = [{ id: 6785001, title: 'Ysgol Gyfun Gwynllyw (Torfaen)' }];
  return {
    'matchSuggestions:some': suggestionsCard(
      locale,
      {
        plan,
        asking,
        ranking: {
          suggestions: [suggestion],
          eligible: 12,
          areas: ['numeracy', 'fsm'],
          rangeKm: 40,
          furtherKm: null,
          inRange: 12,
          beyondShown: false,
          nearestBeyondKm: null,
        },
        schools: suggested,
        offset: 0,
        lookFurther: false,
      },
      { notice: 'n', problem: 'p' },
    ),
    'matchSuggestions:none': suggestionsCard(locale, {
      plan,
      asking,
      ranking: { suggestions: [], eligible: 0, areas: [], rangeKm: 40, furtherKm: 100, inRange: 0, beyondShown: true, nearestBeyondKm: null },
      schools: [],
      offset: 0,
      lookFurther: true,
    }),
    'requestAdviser:open': adviserCard(locale, ctx('awaitingAdviser'), suggested, { query: 'Gwyn', results, notice: 'reminder' }),
    'requestAdviser:approved': adviserCard(locale, ctx('awaitingSchool'), [], { problem: 'already' }),
    'requestSchool:open': schoolRequestCard(locale, ctx('awaitingSchool', 'direct'), { query: 'Gwyn', results }),
    'requestSchool:declined': schoolRequestCard(locale, ctx('declined', 'direct'), { notice: 'declined' }),
    'requestAgreed:accepted': agreedCard(locale, ctx('accepted')),
    'requestStatus:waiting': statusCard(locale, ctx('awaitingSchool'), suggested, { notice: 'escalated' }),
    'requestStatus:declined': statusCard(locale, ctx('declined'), suggested),
    'myRequests:full': myRequestsCard(locale, fullMyRequests()),
    'myRequests:empty': myRequestsCard(locale, noRequests),
    'matchRoles:people': rolesCard(locale, {
      people: [
        { userId: 'aad-dafydd', displayName: 'Dafydd Adviser', schoolName: null },
        { userId: 'aad-alice', displayName: 'Alice Head', schoolName: 'Cwmbran High School' },
      ],
      las: [{ code: 678, nameEn: 'Torfaen', nameCy: 'Tor-faen' }],
      grants: [
        { tenantId: 't', userId: 'aad-dafydd', role: 'adviser', laCode: 678, displayName: 'Dafydd Adviser' },
        { tenantId: 't', userId: 'aad-admin', role: 'admin', laCode: null, displayName: null },
      ],
      notice: 'granted',
    }),
    'matchImport:empty': importCard(locale),
    'matchImport:errors': importCard(locale, {
      csv: 'school_number,name_en\n123,x',
      errors: [
        { line: 1, column: 'la_code', key: 'import.error.missingColumn', params: { column: 'la_code' } },
        { line: 2, column: '', key: 'import.error.columnCount', params: { found: 2, expected: 3 } },
        ...Array.from({ length: 45 }, (_, i) => ({ line: i + 3, column: 'school_number', key: 'import.error.schoolNumber' as const, params: { value: 'x' } })),
      ],
    }),
    'matchSchoolProfile:strengths': schoolProfileCard(locale, {
      schoolId: 6785001,
      schoolName: 'Croesyceiliog School',
      capacity: 2,
      open: true,
      strengths: [
        { ...mastery, statedBy: 'adviser', verifiedAt: new Date('2026-03-10T10:00:00Z') },
        { ...nurture, statedBy: 'school', verifiedAt: null },
      ],
      problem: 'p',
    }),
    'strengthReview:some': strengthReviewCard(locale, {
      school: partner,
      strengths: [
        { ...mastery, statedBy: 'adviser', verifiedAt: new Date('2026-03-10T10:00:00Z') },
        { ...ownWords, statedBy: 'inspection', verifiedAt: new Date('2019-06-01T10:00:00Z') },
        { ...nurture, statedBy: 'school', verifiedAt: null },
      ],
      now: new Date('2026-09-07T09:00:00Z'),
      maxAgeYears: 3,
      notice: 'n',
      problem: 'p',
    }),
    'strengthReview:none': strengthReviewCard(locale, { school: partner, strengths: [], now: new Date('2026-09-07T09:00:00Z'), maxAgeYears: 3 }),
    'notice:evidenceTold': evidenceToldCard(locale, {
      action: 'verified',
      area: 'numeracy',
      adviserName: 'Dafydd Adviser',
      school: partner,
      at: new Date('2026-09-07T09:00:00Z'),
    }),
  };
}
