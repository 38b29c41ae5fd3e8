import { escapeMarkdown } from '../../platform/cards/markdown';
import type { ImportError } from '../directory/import';
import { inReaderLanguage } from '../directory/names';
import { PRIORITY_AREAS, type PriorityArea } from '../plans/priorities';
import { catalogue, t, type Locale } from '../../platform/i18n';
import type { RoleGrant } from '../people/roles';
import type { KnownPerson } from './repository';
import type { StrengthRecord } from '../directory/repository';
import { renderCard, type CardJson } from '../../platform/cards/render';

/** The admin cards of matching (roles, directory import) and a head's own school profile. */

const base = (locale: Locale) => ({ t: catalogue(locale), notice: '', problem: '' });

export interface LaChoice {
  code: number;
  nameEn: string;
  nameCy: string;
}

export function rolesCard(
  locale: Locale,
  view: {
    people: KnownPerson[];
    las: LaChoice[];
    grants: (RoleGrant & { displayName: string | null; schoolName?: string | null })[];
    notice?: string;
    problem?: string;
  },
): CardJson {
  const laName = (code: number | null) => {
    if (code === null) return t(locale, 'admin.roles.everyLa');
    const la = view.las.find((l) => l.code === code);
    return la ? (locale === 'cy' ? la.nameCy : la.nameEn) : String(code);
  };
  return renderCard('matchRoles', {
    ...base(locale),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    people: view.people.map((p) => ({ title: p.schoolName ? `${p.displayName ?? p.userId} (${p.schoolName})` : (p.displayName ?? p.userId), value: p.userId })),
    roles: (['adviser', 'reviewer', 'admin'] as const).map((r) => ({ title: t(locale, `admin.role.${r}`), value: r })),
    las: [
      { title: t(locale, 'admin.roles.allLas'), value: 'all' },
      ...view.las.map((l) => ({ title: locale === 'cy' ? l.nameCy : l.nameEn, value: String(l.code) })),
    ],
    grants: view.grants.map((g) => ({
      line: t(locale, 'admin.roles.grantLine', {
        name: g.displayName ?? g.userId,
        role: t(locale, `admin.role.${g.role}`),
        la: g.schoolName ?? laName(g.laCode),
      }),
    })),
  });
}

export const MAX_ERRORS_SHOWN = 40;

export function importErrorText(locale: Locale, e: ImportError): string {
  const message = t(locale, e.key, e.params ?? {});
  return e.column ? t(locale, 'import.at', { line: e.line, column: e.column, message }) : t(locale, 'import.atLine', { line: e.line, message });
}

export function importCard(locale: Locale, view: { csv?: string; errors?: ImportError[]; notice?: string; problem?: string } = {}): CardJson {
  const errors = view.errors ?? [];
  const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((e) => ({ line: importErrorText(locale, e) }));
  if (errors.length > MAX_ERRORS_SHOWN) shown.push({ line: t(locale, 'import.more', { count: errors.length - MAX_ERRORS_SHOWN }) });
  return renderCard('matchImport', {
    ...base(locale),
    notice: view.notice ?? '',
    problem: errors.length > 0 ? t(locale, 'import.failed', { count: errors.length }) : (view.problem ?? ''),
    errors: shown,
    csv: view.csv ?? '',
  });
}

export const PROFILE_SLOTS = 3;

export function schoolProfileCard(
  locale: Locale,
  view: { schoolId: number; schoolName: string; capacity: number; open: boolean; strengths: StrengthRecord[]; notice?: string; problem?: string },
): CardJson {
  const own = view.strengths.filter((s) => s.statedBy === 'school');
  const verified = view.strengths.filter((s) => s.statedBy !== 'school');
  const areaTitle = (a: PriorityArea) => t(locale, `priority.${a}`);
  return renderCard('matchSchoolProfile', {
    ...base(locale),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    schoolId: String(view.schoolId),
    heading: escapeMarkdown(view.schoolName),
    capacity: view.capacity,
    open: view.open ? 'true' : 'false',
    verified: verified.map((s) => ({
      line: t(locale, 'profile.verifiedLine', {
        area: areaTitle(s.area),
        by: t(locale, `match.source.${s.statedBy}`),
        description: inReaderLanguage({ en: s.description, cy: s.descriptionCy }, locale),
      }),
    })),
    areas: [{ title: t(locale, 'profile.noArea'), value: 'none' }, ...PRIORITY_AREAS.map((a) => ({ title: areaTitle(a), value: a }))],
    slots: Array.from({ length: PROFILE_SLOTS }, (_, i) => ({
      areaId: `area${i + 1}`,
      descriptionId: `description${i + 1}`,
      label: t(locale, 'profile.strength', { n: i + 1 }),
      area: own[i]?.area ?? 'none',
      description: own[i] ? inReaderLanguage({ en: own[i].description, cy: own[i].descriptionCy }, locale) : '',
    })),
  });
}
