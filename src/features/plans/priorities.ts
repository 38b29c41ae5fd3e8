/** Priority areas seen in cluster plans (docs/domain.md); shared by plans, strengths and matching. */
export const PRIORITY_AREAS = [
  'literacy',
  'numeracy',
  'welsh',
  'science',
  'moreAble',
  'aln',
  'attendance',
  'transition',
  'assessment',
  'curriculum',
  'digital',
  'leadership',
  'wellbeing',
  'fsm',
  'lookedAfter',
  'governors',
  'other',
] as const;

export type PriorityArea = (typeof PRIORITY_AREAS)[number];

export function isPriorityArea(value: string): value is PriorityArea {
  return (PRIORITY_AREAS as readonly string[]).includes(value);
}
