import { escapeMarkdown } from '../../platform/cards/markdown';
import type { SchoolDetails } from '../directory/repository';
import type { Ranking, Reason } from './ranking';
import { planTitle } from '../plans/plan';
import type { SupportRequest } from './supportRequest';
import { catalogue, formatDate, formatMonth, isMessageKey, t, type Locale, type MessageKey } from '../../platform/i18n';
import type { MatchingCards, MyRequests, RequestContext, SuggestedSchool, Suggestions } from './service';
import type { ListedRequest, RequestList, RequestListSection } from './repository';
import { renderCard, type CardJson } from '../../platform/cards/render';
import { Verbs } from '../../platform/cards/verbs';
import { noticeCard } from '../../platform/cards/notice';
import { commandWord } from '../../platform/i18n/commands';

/**
 * A catalogue key built from the ranking's data (a reason's key, an area, a phase): the ranking keeps them as
 * plain strings, so this checks them against the catalogue here, once, instead of casting at every use.
 */
function catalogueKey(key: string): MessageKey {
  if (!isMessageKey(key)) throw new Error(`no catalogue message ${key}`);
  return key;
}

/** A label used mid-sentence: lower-case its first letter unless it starts an acronym (FSM, ADY, PYDd). */
const inSentence = (label: string): string => (/^\p{Lu}{2}/u.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1));

/** The cards of partner matching and support requests, in Welsh or English. */

const base = (locale: Locale) => ({ t: catalogue(locale), notice: '', problem: '' });

export const schoolNameIn = (school: { nameEn: string; nameCy: string | null }, locale: Locale): string =>
  locale === 'cy' ? (school.nameCy ?? school.nameEn) : school.nameEn;

/** One reason in plain words: "strong in numeracy, verified by an adviser", "11 km", "2 places free". */
export function reasonText(locale: Locale, reason: Reason): string {
  const p = reason.params;
  switch (reason.key) {
    case 'strengthVerified':
      return t(locale, 'match.reason.strengthVerified', {
        area: inSentence(t(locale, catalogueKey(`priority.${p.area}`))),
        by: t(locale, catalogueKey(`match.source.${p.by}`)),
      });
    case 'strengthVerifiedOn':
    case 'strengthOld':
      return t(locale, `match.reason.${reason.key}`, {
        area: inSentence(t(locale, catalogueKey(`priority.${p.area}`))),
        by: t(locale, catalogueKey(`match.source.${p.by}`)),
        date: formatMonth(locale, Number(p.month), Number(p.year)),
      });
    case 'strengthSelf':
      return t(locale, 'match.reason.strengthSelf', { area: inSentence(t(locale, catalogueKey(`priority.${p.area}`))) });
    case 'samePhase':
    case 'nearPhase':
      return t(locale, `match.reason.${reason.key}`, { phase: inSentence(t(locale, catalogueKey(`phase.${p.phase}`))) });
    case 'sameMedium':
      return t(locale, catalogueKey(`match.reason.sameMedium.${p.medium}`));
    case 'places':
      // What a head wants to know is whether there is room: "1 place free", not "0 of 1 places taken".
      return t(locale, 'match.reason.places', { free: Math.max(0, Number(p.capacity) - Number(p.taken)) });
    default:
      return t(locale, catalogueKey(`match.reason.${reason.key}`), p);
  }
}

/** "Welsh medium primary, Torfaen". */
function subtitle(locale: Locale, school: SchoolDetails): string {
  return [
    t(locale, catalogueKey(`phase.${school.phase}`)),
    t(locale, catalogueKey(`medium.${school.languageMedium}`)),
    locale === 'cy' ? school.laNameCy : school.laNameEn,
  ].join(' · ');
}

function suggestionRows(locale: Locale, schools: SuggestedSchool[], offset = 0) {
  return schools.map((s, i) => ({
    schoolId: String(s.school.id),
    rankText: `${offset + i + 1}. ${escapeMarkdown(schoolNameIn(s.school, locale))}`,
    subtitle: subtitle(locale, s.school),
    reasons: s.suggestion.reasons.map((r) => reasonText(locale, r)).join('; '),
    approveTitle: t(locale, 'match.approveSchool', { school: schoolNameIn(s.school, locale) }),
    askTitle: t(locale, 'match.askSchool', { school: schoolNameIn(s.school, locale) }),
  }));
}

/**
 * What the range did, in a sentence, when it mattered: nobody strong in the need within it ("the nearest
 * is 73 km away"), or too few, so schools further away follow; and how far a request looking further goes.
 */
export function rangeText(locale: Locale, ranking: Ranking): string {
  const or = locale === 'cy' ? ' neu ' : ' or ';
  const areas = ranking.areas.map((a) => inSentence(t(locale, catalogueKey(`priority.${a}`)))).join(or);
  const range = ranking.rangeKm;
  const lines: string[] = [];
  if (ranking.furtherKm !== null) lines.push(t(locale, 'match.range.further', { further: ranking.furtherKm, range }));
  if (areas !== '' && ranking.inRange === 0) {
    lines.push(
      ranking.nearestBeyondKm === null
        ? t(locale, 'match.range.noneAnywhere', { areas, range })
        : t(locale, 'match.range.none', { areas, range, km: Math.round(ranking.nearestBeyondKm) }),
    );
  } else if (areas !== '' && ranking.beyondShown && ranking.nearestBeyondKm !== null)
    lines.push(t(locale, 'match.range.few', { areas, range, count: ranking.inRange }));
  return lines.join(' ');
}

export function suggestionsCard(locale: Locale, s: Suggestions, view: { notice?: string; problem?: string } = {}): CardJson {
  const areas = s.ranking.areas.map((a) => t(locale, catalogueKey(`priority.${a}`))).join('; ');
  return renderCard('matchSuggestions', {
    ...base(locale),
    ...view,
    planId: s.plan.id,
    heading: t(locale, 'match.heading', { title: planTitle(s.plan) ?? t(locale, 'plan.untitled') }),
    intro: areas ? t(locale, 'match.intro', { areas, count: s.ranking.eligible }) : t(locale, 'match.introNoAreas', { count: s.ranking.eligible }),
    rangeText: rangeText(locale, s.ranking),
    suggestions: suggestionRows(locale, s.schools, s.offset),
    lookFurther: s.lookFurther ? 'true' : 'false',
    hasMore: s.offset + s.schools.length < s.ranking.eligible && s.schools.length > 0,
    nextOffset: String(s.offset + s.schools.length),
  });
}

/**
 * Colours that read in light, dark and high-contrast themes: the default for waiting, Accent for agreed or done,
 * Attention for declined or withdrawn. Good (green) and Warning (yellow) text is hard to read on light backgrounds.
 */
function stateOf(locale: Locale, ctx: RequestContext): { stateText: string; stateColor: string } {
  const r = ctx.request;
  const chosen = ctx.chosen ? schoolNameIn(ctx.chosen, locale) : '';
  const by = ctx.decidedByName ?? '—';
  switch (r.state) {
    case 'awaitingAdviser':
      return { stateText: t(locale, 'match.state.awaitingAdviser'), stateColor: 'Default' };
    case 'awaitingSchool':
      return {
        stateText:
          r.kind === 'brokered' && r.decidedBy && r.decidedBy !== r.requesterId
            ? t(locale, 'match.state.approved', { school: chosen, by })
            : t(locale, 'match.state.awaitingSchool', { school: chosen }),
        stateColor: 'Default',
      };
    case 'accepted':
      return { stateText: t(locale, 'match.state.accepted', { school: chosen, by }), stateColor: 'Accent' };
    case 'declined':
      return {
        stateText: t(locale, r.declinedBy === 'adviser' ? 'match.state.declinedByAdviser' : 'match.state.declinedBySchool', {
          school: chosen,
          by,
          reason: r.decisionReason ?? '',
        }),
        stateColor: 'Attention',
      };
    case 'withdrawn':
      return { stateText: t(locale, 'match.state.withdrawn'), stateColor: 'Attention' };
    case 'done':
      return { stateText: t(locale, 'match.state.done', { school: chosen }), stateColor: 'Accent' };
  }
}

function facts(locale: Locale, ctx: RequestContext) {
  const a = ctx.plan.answers;
  const rows = [
    {
      title: t(locale, 'match.fact.from'),
      value: escapeMarkdown(`${schoolNameIn(ctx.asking, locale)} (${locale === 'cy' ? ctx.asking.laNameCy : ctx.asking.laNameEn})`),
    },
    { title: t(locale, 'match.fact.contact'), value: escapeMarkdown(ctx.requesterName) },
    { title: t(locale, 'match.fact.asked'), value: formatDate(locale, ctx.request.createdAt) },
    { title: t(locale, 'match.fact.kind'), value: t(locale, catalogueKey(`match.kind.${ctx.request.kind}`)) },
  ];
  if (a.staffDays !== undefined || a.supplyCoverDays !== undefined)
    rows.push({ title: t(locale, 'match.fact.time'), value: t(locale, 'plan.days', { staff: a.staffDays ?? 0, supply: a.supplyCoverDays ?? 0 }) });
  if (ctx.chosen) rows.push({ title: t(locale, 'match.fact.partner'), value: escapeMarkdown(schoolNameIn(ctx.chosen, locale)) });
  return rows;
}

function sections(locale: Locale, ctx: RequestContext) {
  const a = ctx.plan.answers;
  const fields = [
    ['focus', a.focus],
    ['need', a.need],
    ['objectives', a.objectives],
    ['successCriteria', a.successCriteria],
    ['priorityAreas', a.priorityAreas?.map((p) => t(locale, catalogueKey(`priority.${p}`))).join('; ')],
  ] as const;
  return fields.filter(([, v]) => v).map(([field, text]) => ({ label: t(locale, catalogueKey(`field.${field}.label`)), text: escapeMarkdown(text!) }));
}

function requestBase(locale: Locale, ctx: RequestContext, headingKey: MessageKey) {
  return {
    ...base(locale),
    ...stateOf(locale, ctx),
    requestId: ctx.request.id,
    planId: ctx.plan.id,
    version: String(ctx.request.version),
    heading: t(locale, headingKey, { school: schoolNameIn(ctx.asking, locale), partner: ctx.chosen ? schoolNameIn(ctx.chosen, locale) : '' }),
    facts: facts(locale, ctx),
    sections: sections(locale, ctx),
  };
}

export interface SearchView {
  notice?: string;
  problem?: string;
  query?: string;
  results?: { id: number; title: string }[];
}

export function adviserCard(locale: Locale, ctx: RequestContext, suggestions: SuggestedSchool[], view: SearchView = {}): CardJson {
  return renderCard('requestAdviser', {
    ...requestBase(locale, ctx, 'match.adviser.heading'),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    canDecide: ctx.request.state === 'awaitingAdviser',
    suggestions: suggestionRows(locale, suggestions),
    query: view.query ?? '',
    results: (view.results ?? []).map((r) => ({ title: r.title, value: String(r.id) })),
    refreshUserIds: ctx.refreshUserIds,
  });
}

/** `viewerSchoolId`: the school of the head looking; only the school asked now sees the buttons. */
export function schoolRequestCard(locale: Locale, ctx: RequestContext, view: SearchView & { viewerSchoolId?: number | null } = {}): CardJson {
  const viewer = view.viewerSchoolId === undefined ? ctx.request.chosenSchoolId : view.viewerSchoolId;
  return renderCard('requestSchool', {
    ...requestBase(locale, ctx, 'match.school.heading'),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    canDecide: ctx.request.state === 'awaitingSchool' && viewer !== null && viewer === ctx.request.chosenSchoolId,
    query: view.query ?? '',
    results: (view.results ?? []).map((r) => ({ title: r.title, value: String(r.id) })),
  });
}

export function agreedCard(locale: Locale, ctx: RequestContext): CardJson {
  return renderCard('requestAgreed', {
    ...requestBase(locale, ctx, 'match.agreed.heading'),
    canMarkDone: ctx.request.state === 'accepted',
  });
}

export function statusCard(locale: Locale, ctx: RequestContext, next: SuggestedSchool[], view: { notice?: string; problem?: string } = {}): CardJson {
  const open = ctx.request.state === 'awaitingAdviser' || ctx.request.state === 'awaitingSchool';
  return renderCard('requestStatus', {
    ...requestBase(locale, ctx, 'match.status.heading'),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    next: suggestionRows(locale, next),
    nextVerb: open ? Verbs.matchAskInstead : Verbs.matchAskDirect,
    canWithdraw: open,
    canFindAgain: ctx.request.state === 'declined' || ctx.request.state === 'withdrawn',
  });
}

/** A request's state in a few plain words, for a row of the "my requests" card. */
function listedState(locale: Locale, section: RequestListSection, r: SupportRequest): { statusText: string; statusColor: string } {
  switch (r.state) {
    case 'awaitingAdviser':
      return { statusText: t(locale, 'requests.state.awaitingAdviser'), statusColor: 'Default' };
    case 'awaitingSchool':
      return { statusText: t(locale, section === 'toAnswer' ? 'requests.state.awaitingYourSchool' : 'requests.state.awaitingSchool'), statusColor: 'Default' };
    case 'accepted':
      return { statusText: t(locale, 'requests.state.accepted'), statusColor: 'Accent' };
    case 'declined':
      return {
        statusText: t(locale, r.declinedBy === 'adviser' ? 'requests.state.declinedByAdviser' : 'requests.state.declinedBySchool'),
        statusColor: 'Attention',
      };
    case 'withdrawn':
      return { statusText: t(locale, 'requests.state.withdrawn'), statusColor: 'Attention' };
    case 'done':
      return { statusText: t(locale, 'requests.state.done'), statusColor: 'Accent' };
  }
}

/** Each list's button opens the card that person already gets for the request, through its existing verb. */
const LIST_VERBS: Record<RequestListSection, string> = {
  asked: Verbs.matchStatus,
  toAnswer: Verbs.matchSchoolView,
  toBroker: Verbs.matchAdviserView,
};

function listedRow(locale: Locale, section: RequestListSection, entry: ListedRequest) {
  const r = entry.request;
  // The requester wants to know who was asked; the school asked and the adviser, who is asking.
  const schoolText =
    section === 'asked'
      ? entry.chosen
        ? t(locale, 'requests.schoolAsked', { school: schoolNameIn(entry.chosen, locale) })
        : t(locale, 'requests.noSchoolYet')
      : t(locale, 'requests.from', { school: schoolNameIn(entry.asking, locale) });
  const asked = formatDate(locale, r.createdAt);
  const changed = formatDate(locale, r.updatedAt);
  return {
    schoolText,
    focus: escapeMarkdown(planTitle({ answers: { focus: entry.focus ?? undefined } }) ?? t(locale, 'plan.untitled')),
    ...listedState(locale, section, r),
    whenText: changed === asked ? t(locale, 'requests.asked', { date: asked }) : t(locale, 'requests.askedChanged', { asked, changed }),
    verb: LIST_VERBS[section],
    requestId: r.id,
  };
}

function listedSection(locale: Locale, section: RequestListSection, list: RequestList) {
  return {
    heading: t(locale, catalogueKey(`requests.${section}.heading`)),
    empty: t(locale, catalogueKey(`requests.${section}.empty`)),
    rows: list.entries.map((e) => listedRow(locale, section, e)),
    moreText: list.total > list.entries.length ? t(locale, 'requests.more', { shown: list.entries.length, total: list.total }) : '',
  };
}

/**
 * One person's requests for support: those they made, those put to the school they lead (heads and
 * deputies) and brokered ones waiting for a decision (advisers). Lists that do not apply are left out.
 */
export function myRequestsCard(locale: Locale, mine: MyRequests): CardJson {
  const sections: RequestListSection[] = ['asked'];
  if (mine.leadsSchool) sections.push('toAnswer');
  if (mine.isAdviser) sections.push('toBroker');
  return renderCard('myRequests', {
    ...base(locale),
    sections: sections.map((s) => listedSection(locale, s, mine.lists[s])),
  });
}

const waitingSince = (locale: Locale, r: SupportRequest) => formatDate(locale, r.stateChangedAt);

/** The card builders the service uses for proactive sends. */
export const matchingCards: MatchingCards = {
  school: (locale, ctx, notice) => schoolRequestCard(locale, ctx, { notice }),
  adviser: (locale, ctx, suggestions, notice) => adviserCard(locale, ctx, suggestions, { notice }),
  agreed: agreedCard,
  status: (locale, ctx, next, notice) => statusCard(locale, ctx, next, { notice }),
  heldForSchool: (locale, ctx) => {
    const school = ctx.chosen ? schoolNameIn(ctx.chosen, locale) : '—';
    return noticeCard(locale, t(locale, 'match.held.adviser', { asking: schoolNameIn(ctx.asking, locale), school }), {
      heading: t(locale, 'match.held.adviserHeading', { school }),
    });
  },
  heldForAdvisers: (locale, ctx) => {
    const la = locale === 'cy' ? ctx.asking.laNameCy : ctx.asking.laNameEn;
    return noticeCard(locale, t(locale, 'match.held.admin', { asking: schoolNameIn(ctx.asking, locale), la, command: commandWord(locale, 'command.roles') }), {
      heading: t(locale, 'match.held.adminHeading', { la }),
    });
  },
  heldNotice: (locale, ctx) => t(locale, 'match.held.notice', { school: ctx.chosen ? schoolNameIn(ctx.chosen, locale) : '—' }),
  reminderNotice: (locale, ctx) => t(locale, 'match.reminder', { date: waitingSince(locale, ctx.request) }),
  fullNotice: (locale, ctx) => t(locale, 'match.full.requester', { school: ctx.chosen ? schoolNameIn(ctx.chosen, locale) : '—' }),
  escalationNotice: (locale, ctx) =>
    ctx.request.state === 'awaitingAdviser'
      ? t(locale, 'match.escalation.adviser', { date: waitingSince(locale, ctx.request) })
      : t(locale, 'match.escalation.school', { school: ctx.chosen ? schoolNameIn(ctx.chosen, locale) : '—', date: waitingSince(locale, ctx.request) }),
};
