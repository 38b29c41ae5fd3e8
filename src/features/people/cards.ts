import { catalogue, t, type Locale } from '../../platform/i18n';
import { renderCard, type CardJson } from '../../platform/cards/render';
import { schoolName } from '../directory/names';
import type { ImportError } from '../directory/import';
import { importErrorText, MAX_ERRORS_SHOWN } from '../admin/cards';
import type { Asked } from './claims';
import type { ClaimPresenter, ClaimView } from './service';
import { SCHOOL_ROLES } from './model';

/** The school-role cards: a claim to decide, the list of claims waiting, the admin's assignment card. */

const base = (locale: Locale) => ({ t: catalogue(locale), notice: '', problem: '' });
const personName = (view: ClaimView) => view.claim.displayName ?? view.claim.userId;

/** Who has been asked to confirm, in a sentence's subject. */
export function askedText(locale: Locale, asked: Asked): string {
  const names = asked.names.length > 0 ? asked.names.join(', ') : 'none';
  return t(locale, `roles.asked.${asked.kind}`, { names });
}

/** What a person whose claim is pending is told when they try to act for the school. */
export function pendingNote(locale: Locale, view: ClaimView): string {
  return t(locale, 'roles.pending.note', {
    school: schoolName(view.school, locale),
    role: t(locale, `role.${view.claim.role}`),
    who: askedText(locale, view.claim.asked),
  });
}

export function claimCard(
  locale: Locale,
  view: ClaimView,
  options: { refreshUserIds?: string[]; notice?: string; problem?: string; reason?: string; canDecide?: boolean } = {},
): CardJson {
  const { claim } = view;
  const school = schoolName(view.school, locale);
  const name = personName(view);
  const role = t(locale, `role.${claim.role}`);
  const status =
    claim.status === 'confirmed'
      ? t(locale, 'roles.claim.statusConfirmed')
      : claim.status === 'rejected'
        ? t(locale, 'roles.claim.statusRejected', { reason: claim.reason ?? '' })
        : claim.status === 'ended'
          ? t(locale, 'roles.claim.statusEnded')
          : '';
  return renderCard('roleClaim', {
    ...base(locale),
    claimId: claim.id,
    refreshUserIds: options.refreshUserIds ?? [],
    ask: t(locale, 'roles.claim.ask', { name, school, role }),
    warning:
      claim.status === 'pending' && claim.role === 'headteacher' && (claim.asked.kind === 'headteacher' || claim.asked.kind === 'headteacherAndAdviser')
        ? t(locale, 'roles.claim.headWarning', { school, name })
        : '',
    status,
    statusColor: claim.status === 'confirmed' ? 'Accent' : 'Attention',
    notice: options.notice ?? '',
    problem: options.problem ?? '',
    pending: claim.status === 'pending' && (options.canDecide ?? true),
    reasonLabel: t(locale, 'roles.claim.reasonLabel', { name }),
    reason: options.reason ?? '',
  });
}

export function claimsCard(locale: Locale, views: ClaimView[]): CardJson {
  return renderCard('roleClaims', {
    ...base(locale),
    claims: views.map((v) => ({
      claimId: v.claim.id,
      line: t(locale, 'roles.claims.line', { name: personName(v), role: t(locale, `role.${v.claim.role}`), school: schoolName(v.school, locale) }),
    })),
  });
}

export function schoolRolesCard(
  locale: Locale,
  view: {
    people: { userId: string; displayName: string | null; schoolName: string | null }[];
    csv?: string;
    errors?: ImportError[];
    notice?: string;
    problem?: string;
  },
): CardJson {
  const errors = view.errors ?? [];
  const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((e) => ({ line: importErrorText(locale, e) }));
  if (errors.length > MAX_ERRORS_SHOWN) shown.push({ line: t(locale, 'import.more', { count: errors.length - MAX_ERRORS_SHOWN }) });
  return renderCard('schoolRoles', {
    ...base(locale),
    notice: view.notice ?? '',
    problem: errors.length > 0 ? t(locale, 'import.failed', { count: errors.length }) : (view.problem ?? ''),
    errors: shown,
    csv: view.csv ?? '',
    people: view.people.map((p) => ({ title: p.schoolName ? `${p.displayName ?? p.userId} (${p.schoolName})` : (p.displayName ?? p.userId), value: p.userId })),
    roles: SCHOOL_ROLES.map((r) => ({ title: t(locale, `role.${r}`), value: r })),
  });
}

/** The proactive cards the service sends through the messenger. */
export const claimPresenter: ClaimPresenter = {
  decide: (locale, view, forUserId) => claimCard(locale, view, { refreshUserIds: [forUserId] }),
  decided: (locale, view) => claimCardForClaimant(locale, view),
};

function claimCardForClaimant(locale: Locale, view: ClaimView): CardJson {
  const school = schoolName(view.school, locale);
  const role = t(locale, `role.${view.claim.role}`);
  const text =
    view.claim.status === 'confirmed'
      ? t(locale, 'roles.decided.confirmed', { school, role })
      : t(locale, 'roles.decided.rejected', { school, role, reason: view.claim.reason ?? '' });
  return renderCard('notice', { ...base(locale), heading: '', text, color: view.claim.status === 'confirmed' ? 'Good' : 'Attention' });
}
