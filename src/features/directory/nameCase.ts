/**
 * School names as published: the Welsh Government address list (and so the shipped seed file) title-cases every
 * word, turning "King Henry VIII" into "King Henry Viii", "VA" into "Va" and "C-in-W" into "C-In-W". This puts
 * back the capitals of Roman numerals and of the abbreviations schools use (VA, VC, CP, RC, CW, CV, DC, YGG, PRU),
 * and the small "in" of "Church in Wales". Only those exact title-cased forms change, so a name an admin imports
 * with its own capitals keeps them. Migration 0070 applies the same rules to names already stored.
 */
const UPPER = /\b(?:Ii|Iii|Iv|Vii|Viii|Ix|Xii|Va|Vc|Cp|Rc|Cw|Cv|Dc|Ygg|Pru)\b/g;

export function publishedSchoolName(name: string): string {
  return name
    .replace(UPPER, (word) => word.toUpperCase())
    .replace(/\bC-In-W\b/g, 'C-in-W')
    .replace(/\bC In W\b/g, 'C in W')
    .replace(/\bChurch([ -])In([ -])Wales\b/g, 'Church$1in$2Wales');
}
