import { personDeleteCard, personExportCard, personPickCard } from '../../../src/features/privacy/cards';
import type { CardJson } from '../../../src/platform/cards/render';
import type { Locale } from '../../../src/platform/i18n';
import type { PersonExport } from '../../../src/features/privacy/repository';

const rhian = { userId: 'aad-rhian', displayName: 'Rhian Jones', schoolName: 'Cwmbran High School' };

const doc: PersonExport = {
  format: 'cydweithio-person-export/1',
  tenantId: 't',
  userId: rhian.userId,
  person: { userId: rhian.userId, displayName: rhian.displayName },
  roles: [],
  schoolRoleClaims: [{ id: '1' }],
  claimsDecided: [],
  plans: [{ id: 'p1' }, { id: 'p2' }],
  supportRequests: [{ id: 'r1' }],
  supportAsks: [],
  notifications: [],
  fade: {
    notes: [{ id: 1 }],
    reports: [],
    parts: [],
    clusterLeads: [],
    cyclesCreated: [],
    prioritiesUpdated: [],
    nextStepsCreated: [],
    channelsLinked: [],
    channelReferences: [],
  },
  auditLog: [{ action: 'request.askDirect' }],
  turnState: [],
};

export function privacySamples(locale: Locale): Record<string, CardJson> {
  return {
    'personPick:export': personPickCard(locale, {
      query: 'Jones',
      people: [rhian, { userId: 'aad-rhys', displayName: null, schoolName: null }],
      more: true,
      purpose: 'export',
    }),
    'personPick:delete': personPickCard(locale, { query: 'Jones', people: [rhian], more: false, purpose: 'delete' }),
    'personExport:parts': personExportCard(locale, { person: rhian, doc, parts: 2, sizeKb: 30 }),
    'personExport:tooLarge': personExportCard(locale, { person: rhian, doc, parts: null, sizeKb: 400 }),
    'personDelete:confirm': personDeleteCard(locale, {
      person: rhian,
      preview: {
        personDeleted: 1,
        plansDeleted: 1,
        plansKept: 1,
        rolesRemoved: 0,
        turnStateDeleted: 1,
        notificationsCancelled: 1,
        requestsAnonymised: 2,
        fadeRecordsAnonymised: 1,
        claimsAnonymised: 0,
        auditEntriesAnonymised: 3,
      },
    }),
  };
}
