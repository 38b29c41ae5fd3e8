import { adviserCard, agreedCard, myRequestsCard, schoolRequestCard, statusCard, suggestionsCard, type SearchView } from './cards';
import { Verbs } from '../../platform/cards/verbs';
import { t, type MessageKey, type MessageParam } from '../../platform/i18n';
import type { Refusal } from '../../platform/outcome';
import type { MatchingService, Outcome, RequestContext, SuggestedSchool } from './service';
import { schoolNames, schoolWithPlace, type SchoolLookup } from '../directory/names';
import { parse, type Answer, type RouteKit, type Turn } from '../../platform/teams/kit';
import {
  MatchApprovePayload,
  MatchAskBrokerPayload,
  MatchAskDirectPayload,
  MatchAskInsteadPayload,
  MatchDeclinePayload,
  MatchFindPayload,
  MatchRedirectPayload,
  MatchRequestPayload,
  MatchSearchPayload,
  MatchVersionedPayload,
} from './payloads';
import { MATCHING_COMMANDS } from '../admin/routes';
import { commandPattern } from '../../platform/i18n/commands';

export const FIND_PARTNER_COMMAND = commandPattern('command.findPartner');

/** What the matching routes need from the composition root. */
export interface MatchingRouteDeps {
  service: MatchingService;
  schools: SchoolLookup;
}

/** The school asked, in the reader's language (t() picks it). */
const chosenName = (context: RequestContext): MessageParam => (context.chosen ? schoolNames(context.chosen) : '');

/** A problem with no request to draw it beside: the kit says it in a card of its own. */
const bare = (outcome: { kind: 'problem'; key: MessageKey; params?: Record<string, MessageParam> }): Refusal => ({
  kind: 'problem',
  key: outcome.key,
  params: outcome.params,
});

/** A decision the service stored: from here on, a failure to show the card must not say that nothing changed. */
function recorded<O extends { kind: string; value?: { changed: boolean } }>(turn: Turn, outcome: O): O {
  if (outcome.kind === 'ok' && outcome.value?.changed) turn.markRecorded();
  return outcome;
}

/** Finding a partner, asking directly or through an adviser, and every decision on a request. */
export function registerMatchingRoutes(kit: RouteKit, { service, schools }: MatchingRouteDeps): void {
  const problemText = (turn: Turn, p: { key: MessageKey; params?: Record<string, MessageParam> }) => t(turn.locale, p.key, p.params ?? {});

  async function search(turn: Turn, query: string): Promise<SearchView> {
    const trimmed = query.trim();
    if (trimmed.length < 3) return { query: trimmed, problem: t(turn.locale, 'match.searchTooShort') };
    const found = await schools.searchByName(trimmed, 8);
    if (found.length === 0) return { query: trimmed, problem: t(turn.locale, 'match.searchNone', { query: trimmed }) };
    return { query: trimmed, results: found.map((s) => ({ id: s.id, title: schoolWithPlace(s, turn.locale) })) };
  }

  // ---- one person's requests, in one place ----

  /** Private like plans: listed only in personal chat. Each row opens the request through its own checked view. */
  async function myRequests(turn: Turn): Promise<Answer> {
    if (!turn.personal) return kit.notice(turn, 'requests.personalOnly', 'default');
    return myRequestsCard(turn.locale, await service.myRequests(turn.actor));
  }

  kit.onCommand(MATCHING_COMMANDS.myRequests, myRequests);

  // A head whose role was confirmed before the bot could reach them (the app installed for them only now, or again)
  // gets the requests waiting for their school.
  kit.on('personalChatOpened', async (event) => {
    await service.deliverHeldOnFirstUse(event.actor);
  });
  kit.onCard(Verbs.matchMyRequests, myRequests);

  // ---- the requester: suggestions and asking ----

  async function suggestions(turn: Turn, planId: string, options: { offset?: number; lookFurther?: boolean; problem?: string } = {}): Promise<Answer> {
    const outcome = await service.suggestions(turn.actor, planId, options);
    if (outcome.kind === 'ok') return suggestionsCard(turn.locale, outcome.value, { problem: options.problem });
    return outcome.kind === 'problem' ? bare(outcome) : outcome;
  }

  // Typed (or from a "did you mean" button): suggestions for the plan last worked on that is ready for them.
  kit.onCommand(FIND_PARTNER_COMMAND, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
    const plan = await service.readyPlan(turn.actor);
    return plan ? suggestions(turn, plan.id) : kit.notice(turn, 'match.findPartner.noPlan', 'default');
  });

  kit.onCard(Verbs.matchFind, async (turn, data) => {
    const input = parse(MatchFindPayload, data);
    return suggestions(turn, input.planId, { offset: input.offset, lookFurther: input.lookFurther });
  });

  /**
   * After asking: the request's status card; a problem beside the request, or beside the suggestions when none was made.
   * A request held (nobody to send it to yet) says so and offers the next schools to ask instead.
   */
  async function afterAsking(
    turn: Turn,
    planId: string,
    lookFurther: boolean | undefined,
    outcome: Outcome<{ context: RequestContext; held?: boolean }>,
    sent: () => string,
  ): Promise<Answer> {
    if (outcome.kind === 'ok') {
      const { context, held } = outcome.value;
      return statusCard(turn.locale, context, held ? await service.nextSuggestions(context, 3) : [], { notice: sent() });
    }
    if (outcome.kind !== 'problem') return outcome;
    if (outcome.current) return statusCard(turn.locale, outcome.current, [], { problem: problemText(turn, outcome) });
    return suggestions(turn, planId, { lookFurther, problem: problemText(turn, outcome) });
  }

  kit.onCard(Verbs.matchAskDirect, async (turn, data) => {
    const input = parse(MatchAskDirectPayload, data);
    if (await kit.overLimit(turn, 'supportRequest')) return kit.notice(turn, 'error.rateLimited', 'default');
    const outcome = await service.askDirect(turn.actor, input.planId, input.schoolId, input.lookFurther);
    return afterAsking(turn, input.planId, input.lookFurther, outcome, () => {
      if (outcome.kind !== 'ok') return '';
      const school = chosenName(outcome.value.context);
      return outcome.value.held
        ? t(turn.locale, 'match.held.direct', { school, count: outcome.value.advisersTold })
        : t(turn.locale, 'match.sent.direct', { school });
    });
  });

  kit.onCard(Verbs.matchAskBroker, async (turn, data) => {
    const input = parse(MatchAskBrokerPayload, data);
    if (await kit.overLimit(turn, 'supportRequest')) return kit.notice(turn, 'error.rateLimited', 'default');
    const outcome = await service.askBroker(turn.actor, input.planId, input.lookFurther);
    const held = outcome.kind === 'ok' && outcome.value.advisers === 0 ? { ...outcome, value: { ...outcome.value, held: true } } : outcome;
    return afterAsking(turn, input.planId, input.lookFurther, held, () => {
      if (outcome.kind !== 'ok') return '';
      if (outcome.value.advisers > 0) return t(turn.locale, 'match.sent.broker', { count: outcome.value.advisers });
      const asking = outcome.value.context.asking;
      return t(turn.locale, 'match.held.broker', { la: { en: asking.laNameEn, cy: asking.laNameCy }, admins: outcome.value.adminsTold ?? 0 });
    });
  });

  const requesterCard = (turn: Turn, outcome: Outcome<{ context: RequestContext }>, noticeKey?: MessageKey, next: SuggestedSchool[] = []): Answer => {
    if (outcome.kind === 'ok')
      return statusCard(turn.locale, outcome.value.context, next, { notice: noticeKey && outcome.value.changed ? t(turn.locale, noticeKey) : '' });
    if (outcome.kind === 'problem')
      return outcome.current ? statusCard(turn.locale, outcome.current, [], { problem: problemText(turn, outcome) }) : bare(outcome);
    return outcome;
  };

  kit.onCard(Verbs.matchStatus, async (turn, data) => requesterCard(turn, await service.requesterView(turn.actor, parse(MatchRequestPayload, data).requestId)));

  kit.onCard(Verbs.matchWithdraw, async (turn, data) => {
    const input = parse(MatchVersionedPayload, data);
    return requesterCard(turn, recorded(turn, await service.withdraw(turn.actor, input.requestId, input.version)), 'match.done.withdrawn');
  });

  kit.onCard(Verbs.matchAskInstead, async (turn, data) => {
    const input = parse(MatchAskInsteadPayload, data);
    if (await kit.overLimit(turn, 'supportRequest')) return kit.notice(turn, 'error.rateLimited', 'default');
    const outcome = recorded(turn, await service.askInstead(turn.actor, input.requestId, input.schoolId, input.version));
    if (outcome.kind === 'ok') {
      const { context, held, advisersTold } = outcome.value;
      const school = chosenName(context);
      if (held)
        return statusCard(turn.locale, context, await service.nextSuggestions(context, 3), {
          notice: t(turn.locale, 'match.held.direct', { school, count: advisersTold ?? 0 }),
        });
      return statusCard(turn.locale, context, [], { notice: t(turn.locale, 'match.sent.direct', { school }) });
    }
    return requesterCard(turn, outcome);
  });

  // ---- advisers ----

  async function adviserReply(
    turn: Turn,
    outcome: Outcome<{ context: RequestContext; suggestions: SuggestedSchool[] }>,
    view: SearchView = {},
  ): Promise<Answer> {
    if (outcome.kind === 'ok') return adviserCard(turn.locale, outcome.value.context, outcome.value.suggestions, view);
    if (outcome.kind !== 'problem') return outcome;
    if (!outcome.current) return bare(outcome);
    // Still open (a bad choice): show the suggestions again beside the problem.
    const fresh = await service.adviserView(turn.actor, outcome.current.request.id);
    const current = fresh.kind === 'ok' ? fresh.value : { context: outcome.current, suggestions: [] };
    return adviserCard(turn.locale, current.context, current.suggestions, { ...view, problem: problemText(turn, outcome) });
  }

  // The card's refresh action: every adviser sees the request as it stands now.
  kit.onCard(Verbs.matchAdviserView, async (turn, data) =>
    adviserReply(turn, await service.adviserView(turn.actor, parse(MatchRequestPayload, data).requestId)),
  );

  kit.onCard(Verbs.matchAdviserSearch, async (turn, data) => {
    const input = parse(MatchSearchPayload, data);
    const outcome = await service.adviserView(turn.actor, input.requestId);
    if (outcome.kind !== 'ok') return adviserReply(turn, outcome);
    return adviserReply(turn, outcome, await search(turn, input.query));
  });

  kit.onCard(Verbs.matchApprove, async (turn, data) => {
    const input = parse(MatchApprovePayload, data);
    const schoolId = input.schoolId ?? (input.otherSchoolId === '' ? undefined : input.otherSchoolId);
    if (schoolId === undefined) {
      const view = await service.adviserView(turn.actor, input.requestId);
      return adviserReply(turn, view, { problem: t(turn.locale, 'match.chooseSchool') });
    }
    const outcome = recorded(turn, await service.approve(turn.actor, input.requestId, schoolId, input.version));
    const notice =
      outcome.kind === 'ok' && outcome.value.changed
        ? t(turn.locale, outcome.value.held ? 'match.done.approvedHeld' : 'match.done.approved', { school: chosenName(outcome.value.context) })
        : '';
    return adviserReply(turn, outcome, { notice });
  });

  kit.onCard(Verbs.matchAdviserDecline, async (turn, data) => {
    const input = parse(MatchDeclinePayload, data);
    const outcome = recorded(turn, await service.adviserDecline(turn.actor, input.requestId, input.reason, input.version));
    return adviserReply(turn, outcome, { notice: outcome.kind === 'ok' && outcome.value.changed ? t(turn.locale, 'match.done.declined') : '' });
  });

  // ---- the school asked ----

  const schoolReply = (turn: Turn, outcome: Outcome<{ context: RequestContext }>, view: SearchView = {}): Answer => {
    if (outcome.kind === 'ok') {
      const { context } = outcome.value;
      return context.request.state === 'accepted' || context.request.state === 'done'
        ? agreedCard(turn.locale, context)
        : schoolRequestCard(turn.locale, context, view);
    }
    if (outcome.kind === 'problem')
      return outcome.current ? schoolRequestCard(turn.locale, outcome.current, { ...view, problem: problemText(turn, outcome) }) : bare(outcome);
    return outcome;
  };

  kit.onCard(Verbs.matchSchoolView, async (turn, data) => schoolReply(turn, await service.schoolView(turn.actor, parse(MatchRequestPayload, data).requestId)));

  kit.onCard(Verbs.matchAccept, async (turn, data) => {
    const input = parse(MatchVersionedPayload, data);
    return schoolReply(turn, recorded(turn, await service.accept(turn.actor, input.requestId, input.version)));
  });

  kit.onCard(Verbs.matchSchoolDecline, async (turn, data) => {
    const input = parse(MatchDeclinePayload, data);
    const outcome = recorded(turn, await service.schoolDecline(turn.actor, input.requestId, input.reason, input.version));
    return schoolReply(turn, outcome, { notice: outcome.kind === 'ok' && outcome.value.changed ? t(turn.locale, 'match.done.declined') : '' });
  });

  kit.onCard(Verbs.matchSchoolSearch, async (turn, data) => {
    const input = parse(MatchSearchPayload, data);
    const outcome = await service.schoolView(turn.actor, input.requestId);
    if (outcome.kind !== 'ok') return schoolReply(turn, outcome);
    return schoolReply(turn, outcome, await search(turn, input.query));
  });

  kit.onCard(Verbs.matchRedirect, async (turn, data) => {
    const input = parse(MatchRedirectPayload, data);
    if (input.otherSchoolId === undefined || input.otherSchoolId === '')
      return schoolReply(turn, await service.schoolView(turn.actor, input.requestId), { problem: t(turn.locale, 'match.chooseSchool') });
    const outcome = recorded(turn, await service.redirect(turn.actor, input.requestId, input.otherSchoolId, input.version));
    if (outcome.kind === 'ok')
      return schoolRequestCard(turn.locale, outcome.value.context, {
        viewerSchoolId: turn.user.schoolId,
        notice: t(turn.locale, outcome.value.held ? 'match.done.redirectedHeld' : 'match.done.redirected', { school: chosenName(outcome.value.context) }),
      });
    return schoolReply(turn, outcome);
  });

  kit.onCard(Verbs.matchDone, async (turn, data) => {
    const input = parse(MatchVersionedPayload, data);
    const outcome = recorded(turn, await service.markDone(turn.actor, input.requestId, input.version));
    if (outcome.kind === 'ok') return agreedCard(turn.locale, outcome.value.context);
    return outcome.kind === 'problem' ? bare(outcome) : outcome;
  });
}
