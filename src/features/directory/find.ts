import type { InEachLanguage } from '../../platform/i18n';
import type { SchoolListing, SchoolRepository } from './repository';

export type OneSchool = { kind: 'one'; school: SchoolListing } | { kind: 'none' } | { kind: 'many'; names: InEachLanguage[] };

/** The school someone typed: its number, its exact name (either language), or the only school whose name matches. */
export async function findOneSchool(schools: SchoolRepository, typed: string): Promise<OneSchool> {
  const text = typed.trim();
  if (/^\d{7}$/.test(text)) {
    const school = await schools.get(Number(text));
    return school ? { kind: 'one', school } : { kind: 'none' };
  }
  const found = await schools.searchByName(text, 6);
  const exact = found.filter((s) => [s.nameEn, s.nameCy].some((n) => n?.toLowerCase() === text.toLowerCase()));
  const candidates = exact.length > 0 ? exact : found;
  if (candidates.length === 1) return { kind: 'one', school: candidates[0] };
  return candidates.length === 0
    ? { kind: 'none' }
    : { kind: 'many', names: candidates.map((s) => ({ en: `${s.nameEn} (${s.id})`, cy: `${s.nameCy ?? s.nameEn} (${s.id})` })) };
}
