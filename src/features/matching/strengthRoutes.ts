import { Verbs } from '../../platform/cards/verbs';
import type { Clock } from '../../platform/clock';
import { commandPattern } from '../../platform/i18n/commands';
import { t } from '../../platform/i18n';
import { commandArgument, parse, type Answer, type RouteKit, type Turn } from '../../platform/teams/kit';
import { findOneSchool } from '../directory/find';
import type { SqlSchoolRepository } from '../directory/repository';
import { MatchStrengthPayload, MatchStrengthReviewPayload } from './payloads';
import { strengthReviewCard } from './strengthCards';
import type { EvidenceOutcome, StrengthEvidenceService } from './strengthEvidence';

export interface StrengthRouteDeps {
  evidence: StrengthEvidenceService;
  schools: SqlSchoolRepository;
  clock: Clock;
  /** Evidence older than this counts as the school's own view (the deployment's setting). */
  evidenceMaxAgeYears: number;
}

/** An adviser's view of a school's strengths: "strengths Croesyceiliog", "cryfderau 6785001". */
export const STRENGTHS_COMMAND = commandPattern('command.strengths', { argument: true });

/** Advisers verify or withdraw the strengths a school states, for the schools they cover. */
export function registerStrengthRoutes(kit: RouteKit, deps: StrengthRouteDeps): void {
  const { evidence, schools, clock, evidenceMaxAgeYears: maxAgeYears } = deps;

  const reply = (turn: Turn, outcome: EvidenceOutcome): Answer => {
    if (outcome.kind === 'problem' && outcome.current) {
      return strengthReviewCard(turn.locale, { ...outcome.current, now: clock.now(), maxAgeYears, problem: t(turn.locale, outcome.key) });
    }
    if (outcome.kind !== 'ok') return outcome;
    const { change, school, strengths } = outcome.value;
    const notice = change ? t(turn.locale, `evidence.done.${change.action}`, { area: t(turn.locale, `priority.${change.area}`) }) : '';
    return strengthReviewCard(turn.locale, { school, strengths, now: clock.now(), maxAgeYears, notice });
  };

  kit.onCommand(STRENGTHS_COMMAND, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
    const typed = commandArgument(turn, STRENGTHS_COMMAND);
    if (typed === '') return kit.notice(turn, 'evidence.usage', 'default');
    const found = await findOneSchool(schools, typed);
    if (found.kind === 'none')
      return kit.refusal(turn, { kind: 'notFound', key: 'admin.roles.schoolNotFound', params: { name: typed.slice(0, 100), list: '' } });
    if (found.kind === 'many') {
      const list = { en: found.names.map((n) => n.en).join('; '), cy: found.names.map((n) => n.cy).join('; ') };
      return kit.refusal(turn, { kind: 'problem', key: 'admin.roles.schoolAmbiguous', params: { name: typed.slice(0, 100), list } });
    }
    return reply(turn, await evidence.review(turn.actor, found.school.id));
  });

  kit.onCard(Verbs.matchStrengthReview, async (turn, data) => reply(turn, await evidence.review(turn.actor, parse(MatchStrengthReviewPayload, data).schoolId)));
  kit.onCard(Verbs.matchStrengthVerify, async (turn, data) => {
    const input = parse(MatchStrengthPayload, data);
    return reply(turn, await evidence.verify(turn.actor, input.schoolId, input.area));
  });
  kit.onCard(Verbs.matchStrengthWithdraw, async (turn, data) => {
    const input = parse(MatchStrengthPayload, data);
    return reply(turn, await evidence.withdraw(turn.actor, input.schoolId, input.area));
  });
}
