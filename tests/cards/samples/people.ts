import { claimCard, claimsCard, schoolRolesCard } from '../../../src/features/people/cards';
import type { ClaimView } from '../../../src/features/people/service';
import type { CardJson } from '../../../src/platform/cards/render';
import type { Locale } from '../../../src/platform/i18n';

const at = new Date('2026-11-02T09:00:00Z');
const school = { id: 6784001, nameEn: 'Cwmbran High School', nameCy: 'Ysgol Uwchradd Cwmbrân' };
const pending: ClaimView = {
  school,
  claim: {
    id: '7',
    tenantId: 't',
    userId: 'aad-rhian',
    displayName: 'Rhian Jones',
    schoolId: school.id,
    role: 'deputy',
    status: 'pending',
    asked: { kind: 'headteacher', names: ['Alice Head'] },
    decidedBy: null,
    reason: null,
    createdAt: at,
    decidedAt: null,
  },
};
const secondHead: ClaimView = { ...pending, claim: { ...pending.claim, id: '8', role: 'headteacher' } };
const rejected: ClaimView = { ...pending, claim: { ...pending.claim, status: 'rejected', decidedBy: 'aad-alice', reason: 'Not on our staff', decidedAt: at } };

export function peopleSamples(locale: Locale): Record<string, CardJson> {
  return {
    'roleClaim:pending': claimCard(locale, pending, { refreshUserIds: ['aad-alice'] }),
    'roleClaim:secondHead': claimCard(locale, secondHead, { problem: 'x' }),
    'roleClaim:rejected': claimCard(locale, rejected, { notice: 'done' }),
    'roleClaim:claimant': claimCard(locale, pending, { canDecide: false }),
    'roleClaims:some': claimsCard(locale, [pending, secondHead]),
    'roleClaims:none': claimsCard(locale, []),
    'schoolRoles:form': schoolRolesCard(locale, { people: [{ userId: 'aad-rhian', displayName: 'Rhian Jones', schoolName: null }] }),
    'schoolRoles:errors': schoolRolesCard(locale, {
      people: [],
      csv: 'school,user,role\n1,x,boss',
      errors: [{ line: 2, column: 'role', key: 'roles.import.unknownRole', params: { value: 'boss' } }],
    }),
  };
}
