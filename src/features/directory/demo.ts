import { PRIORITY_AREAS, type PriorityArea } from '../plans/priorities';
import type { SchoolSeed } from './csv';
import type { ClusterLanguage, LanguageMedium, Phase, StrengthSource, SupportCategory } from './repository';

/**
 * Demo attributes for the directory: what the open data lacks (FSM share, family of similar
 * schools, capacity, strengths, clusters), made up plausibly so the bot can be shown working.
 * A pure function of the school list and a seed: no clock, no Math.random, no I/O. Each school
 * draws from its own random stream, so adding one school does not reshuffle every other.
 * Nothing here is true of the real school it is attached to; callers mark it as demo.
 */

/** What the generator reads of each school in the open data. */
export type DemoSchoolInput = Pick<
  SchoolSeed,
  'id' | 'nameEn' | 'nameCy' | 'laCode' | 'phase' | 'languageMedium' | 'pupils' | 'supportCategory' | 'latitude' | 'longitude'
>;

export interface DemoSchoolAttributes {
  schoolId: number;
  fsmPercent: number;
  family: string;
  capacity: number;
  openToRequests: boolean;
}

export interface DemoStrength {
  schoolId: number;
  area: PriorityArea;
  description: string;
  descriptionCy: string;
  evidence: string;
  evidenceCy: string;
  statedBy: StrengthSource;
}

export interface DemoCluster {
  name: string;
  /** "Clwstwr <school>": the hub's Welsh name where the directory has one, else its only name. */
  nameCy: string;
  laCode: number;
  /** The secondary (or all-age) school the cluster is built around. */
  hubSchoolId: number;
  leadSchoolId: number;
  language: ClusterLanguage;
  /** Every member, the hub included, in school-number order. */
  memberIds: number[];
}

export interface DemoDirectory {
  schools: DemoSchoolAttributes[];
  strengths: DemoStrength[];
  clusters: DemoCluster[];
}

export function generateDemoDirectory(schools: readonly DemoSchoolInput[], seed: number): DemoDirectory {
  const ordered = [...schools].sort((a, b) => a.id - b.id);
  const attributes = ordered.map((school) => demoAttributesFor(school, seed));
  const fsmById = new Map(attributes.map((a) => [a.schoolId, a.fsmPercent]));
  const strengths = ordered.flatMap((school) => demoStrengthsFor(school, fsmById.get(school.id)!, seed));
  const clusters = buildClusters(ordered, seed);
  return { schools: attributes, strengths, clusters };
}

// ---------------------------------------------------------------------------------------------
// Randomness

/** mulberry32: a small, fast 32-bit seeded generator; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Scrambles bits so nearby inputs (school numbers, seeds) give unrelated streams. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

type Purpose = 'attributes' | 'strengths' | 'cluster';
const PURPOSE_SALT: Record<Purpose, number> = { attributes: 0x1f0a, strengths: 0x2b3c, cluster: 0x3d4e };

type Random = () => number;

function streamFor(seed: number, key: number, purpose: Purpose): Random {
  return mulberry32(mix32(mix32(mix32(seed) ^ key) ^ PURPOSE_SALT[purpose]));
}

/** Standard normal draw (Box–Muller). */
function normal(random: Random): number {
  const u1 = 1 - random(); // (0, 1], keeps log finite
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

function weightedIndex(random: Random, weights: readonly number[]): number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let r = random() * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

// ---------------------------------------------------------------------------------------------
// FSM, family, capacity, openness

/**
 * Rough share of pupils eligible for free school meals by LA around 2018 (Wales ~18%):
 * only to make the demo's geography look right, not a statistic to quote.
 */
const LA_FSM_PERCENT: Record<number, number> = {
  660: 15,
  661: 14,
  662: 16,
  663: 19,
  664: 14,
  665: 17, // GwE
  666: 11,
  667: 11,
  668: 15,
  669: 16,
  670: 19,
  671: 21, // ERW
  672: 18,
  673: 14,
  674: 22,
  675: 24,
  681: 20, //          CSC
  676: 21,
  677: 26,
  678: 21,
  679: 10,
  680: 22, //          EAS
};
const WALES_FSM_PERCENT = 18;

/** Special schools and PRUs serve many more disadvantaged pupils; catchments of big schools average out. */
const PHASE_FSM: Record<Phase, { shift: number; spread: number }> = {
  nursery: { shift: 2, spread: 0.45 },
  primary: { shift: 0.5, spread: 0.45 },
  middle: { shift: -1, spread: 0.3 },
  secondary: { shift: -1.5, spread: 0.3 },
  special: { shift: 12, spread: 0.25 },
  pru: { shift: 16, spread: 0.2 },
};
/** Welsh-medium schools have tended to have lower FSM shares. */
const LANGUAGE_FSM_FACTOR: Record<LanguageMedium, number> = { welsh: 0.7, dual: 0.85, english: 1.05 };
const CATEGORY_FSM_SHIFT: Record<SupportCategory, number> = { green: -2, yellow: 0, amber: 3, red: 5 };
const FSM_MIN = 3;
const FSM_MAX = 45;

function demoFsmPercent(school: DemoSchoolInput, random: Random): number {
  const phase = PHASE_FSM[school.phase];
  const centre =
    ((LA_FSM_PERCENT[school.laCode] ?? WALES_FSM_PERCENT) + phase.shift + (school.supportCategory ? CATEGORY_FSM_SHIFT[school.supportCategory] : 0)) *
    LANGUAGE_FSM_FACTOR[school.languageMedium];
  const value = centre * Math.exp(phase.spread * normal(random)); // skewed like the real spread
  return Math.round(Math.min(FSM_MAX, Math.max(FSM_MIN, value)) * 10) / 10;
}

const FSM_BANDS: readonly { below: number; label: string }[] = [
  { below: 8, label: 'FSM under 8%' },
  { below: 12, label: 'FSM 8–12%' },
  { below: 16, label: 'FSM 12–16%' },
  { below: 20, label: 'FSM 16–20%' },
  { below: 25, label: 'FSM 20–25%' },
  { below: 32, label: 'FSM 25–32%' },
  { below: Infinity, label: 'FSM 32% and over' },
];

/**
 * Family of similar schools: same phase and a similar FSM share, as the Welsh families were.
 * Mainstream phases are banded by FSM; the few all-age, nursery, special schools and PRUs each form one family.
 */
export function familyLabel(phase: Phase, fsmPercent: number): string {
  switch (phase) {
    case 'primary':
    case 'secondary': {
      const index = FSM_BANDS.findIndex((band) => fsmPercent < band.below);
      return `${phase === 'primary' ? 'Primary' : 'Secondary'} family ${index + 1} (${FSM_BANDS[index]!.label})`;
    }
    case 'middle':
      return fsmPercent < 16 ? 'All-age family 1 (FSM under 16%)' : 'All-age family 2 (FSM 16% and over)';
    case 'nursery':
      return 'Nursery schools family';
    case 'special':
      return 'Special schools family';
    case 'pru':
      return 'Pupil referral units family';
  }
}

/** Weights for capacity 0,1,2,3,4: most schools can take one or two requests at a time. */
const CAPACITY_WEIGHTS = {
  mainstream: [6, 34, 40, 14, 6],
  small: [25, 50, 20, 5, 0], // special, PRU, nursery: few staff to spare
  red: [55, 40, 5, 0, 0], // a school in red is receiving support, not giving it
  amber: [20, 45, 30, 5, 0],
} as const;

const SMALL_SCHOOL_PUPILS = 60;

function demoCapacity(school: DemoSchoolInput, random: Random): number {
  const small = school.phase === 'special' || school.phase === 'pru' || school.phase === 'nursery';
  const weights =
    school.supportCategory === 'red'
      ? CAPACITY_WEIGHTS.red
      : school.supportCategory === 'amber'
        ? CAPACITY_WEIGHTS.amber
        : small
          ? CAPACITY_WEIGHTS.small
          : CAPACITY_WEIGHTS.mainstream;
  let capacity = weightedIndex(random, weights);
  // Green schools were expected to support others: a little more room.
  if (school.supportCategory === 'green' && capacity < 4 && random() < 0.25) capacity += 1;
  // A very small school (a head who also teaches) can take on little at once.
  return school.pupils !== null && school.pupils < SMALL_SCHOOL_PUPILS ? Math.min(capacity, 1) : capacity;
}

function demoAttributesFor(school: DemoSchoolInput, seed: number): DemoSchoolAttributes {
  const random = streamFor(seed, school.id, 'attributes');
  const fsmPercent = demoFsmPercent(school, random);
  const capacity = demoCapacity(school, random);
  const openChance = school.supportCategory === 'red' ? 0.5 : school.supportCategory === 'amber' ? 0.8 : 0.95;
  return {
    schoolId: school.id,
    fsmPercent,
    family: familyLabel(school.phase, fsmPercent),
    capacity,
    openToRequests: capacity > 0 && random() < openChance,
  };
}

// ---------------------------------------------------------------------------------------------
// Strengths

type DemoArea = Exclude<PriorityArea, 'other'>;
const DEMO_AREAS = PRIORITY_AREAS.filter((area): area is DemoArea => area !== 'other');

/** How likely each area is to be a strength, by phase (relative weights; unlisted = 0.3). */
const AREA_WEIGHTS: Record<Phase, Partial<Record<DemoArea, number>>> = {
  nursery: { literacy: 2, numeracy: 1, welsh: 1.5, wellbeing: 3, transition: 2, aln: 1.5, curriculum: 1.5, fsm: 1, leadership: 0.7, governors: 0.5 },
  primary: {
    literacy: 3,
    numeracy: 3,
    welsh: 1.5,
    science: 1,
    moreAble: 1,
    aln: 1.5,
    attendance: 0.7,
    transition: 1.2,
    assessment: 1.2,
    curriculum: 1.5,
    digital: 1.5,
    leadership: 1.2,
    wellbeing: 2,
    fsm: 1.5,
    lookedAfter: 0.3,
    governors: 0.6,
  },
  middle: {
    literacy: 2,
    numeracy: 2,
    welsh: 1.5,
    science: 1.5,
    moreAble: 1.2,
    aln: 1.2,
    attendance: 1.2,
    transition: 3,
    assessment: 1.2,
    curriculum: 1.5,
    digital: 1.5,
    leadership: 1.5,
    wellbeing: 1.5,
    fsm: 1.5,
    lookedAfter: 0.4,
    governors: 0.5,
  },
  secondary: {
    literacy: 2,
    numeracy: 2.5,
    welsh: 1.5,
    science: 2,
    moreAble: 1.5,
    aln: 1.2,
    attendance: 1.5,
    transition: 1.5,
    assessment: 1,
    curriculum: 1.5,
    digital: 1.5,
    leadership: 2,
    wellbeing: 1.5,
    fsm: 1.5,
    lookedAfter: 0.5,
    governors: 0.5,
  },
  special: { aln: 4, wellbeing: 3, literacy: 1, numeracy: 1, attendance: 1, transition: 1.5, curriculum: 1.5, digital: 1, lookedAfter: 1, leadership: 1 },
  pru: { wellbeing: 3, attendance: 3, aln: 2.5, lookedAfter: 2, literacy: 1, numeracy: 1, transition: 1.5, fsm: 1, curriculum: 1 },
};

/** How many strengths (1, 2, 3) a school states: schools in green more, red fewer. */
const STRENGTH_COUNT_WEIGHTS: Record<SupportCategory | 'none', readonly number[]> = {
  green: [15, 45, 40],
  yellow: [35, 45, 20],
  amber: [55, 35, 10],
  red: [80, 20, 0],
  none: [35, 45, 20],
};

/** Who vouches for the strength (school, adviser, inspection): green more often verified. */
const SOURCE_WEIGHTS: Record<SupportCategory | 'none', readonly number[]> = {
  green: [55, 30, 15],
  yellow: [72, 21, 7],
  amber: [82, 14, 4],
  red: [92, 7, 1],
  none: [75, 20, 5],
};
const SOURCES: readonly StrengthSource[] = ['school', 'adviser', 'inspection'];

/** Demo text in both languages: a Welsh reader never sees the English. */
interface Bilingual {
  en: string;
  cy: string;
}

interface AreaText {
  descriptions: readonly Bilingual[];
  /** What the evidence shows, completed by who says so. */
  evidence: Bilingual;
}

const AREA_TEXT: Record<DemoArea, AreaText> = {
  literacy: {
    descriptions: [
      {
        en: 'Whole-school approach to reading, with daily guided reading and termly reading-age checks',
        cy: 'Dull ysgol gyfan o ddarllen, gyda darllen dan arweiniad bob dydd a gwirio oedran darllen bob tymor',
      },
      {
        en: 'Extended writing across the curriculum, planned with shared success criteria',
        cy: 'Ysgrifennu estynedig ar draws y cwricwlwm, wedi’i gynllunio gyda meini prawf llwyddiant cyffredin',
      },
      {
        en: 'Oracy strategies that have raised the quality of pupils’ talk {stage}',
        cy: 'Strategaethau llafaredd sydd wedi codi safon siarad disgyblion {stage}',
      },
    ],
    evidence: {
      en: 'reading ages and writing samples tracked each term show most pupils making strong progress',
      cy: 'mae oedrannau darllen a samplau ysgrifennu a olrheinir bob tymor yn dangos bod y rhan fwyaf o ddisgyblion yn gwneud cynnydd cryf',
    },
  },
  numeracy: {
    descriptions: [
      { en: 'Mastery-style maths teaching with short daily fluency practice', cy: 'Addysgu mathemateg drwy feistrolaeth, gydag ymarfer rhuglder byr bob dydd' },
      {
        en: 'Numeracy across the curriculum, mapped and planned with subject leaders',
        cy: 'Rhifedd ar draws y cwricwlwm, wedi’i fapio a’i gynllunio gydag arweinwyr pynciau',
      },
      { en: 'Targeted maths intervention that has closed gaps {stage}', cy: 'Ymyrraeth fathemateg wedi’i thargedu sydd wedi cau bylchau {stage}' },
    ],
    evidence: {
      en: 'numeracy results have been above the family of similar schools for three years',
      cy: 'mae canlyniadau rhifedd wedi bod yn uwch na’r teulu o ysgolion tebyg ers tair blynedd',
    },
  },
  welsh: {
    descriptions: [
      {
        en: '{charter} work that has raised pupils’ use of Welsh outside lessons',
        cy: 'Gwaith {charter} sydd wedi cynyddu defnydd disgyblion o’r Gymraeg y tu allan i wersi',
      },
      { en: 'Welsh immersion that brings pupils new to the language to fluency', cy: 'Trochi iaith sy’n arwain disgyblion sy’n newydd i’r Gymraeg at ruglder' },
      { en: 'Welsh teaching that builds pupils’ confidence in speaking {stage}', cy: 'Addysgu Cymraeg sy’n magu hyder disgyblion wrth siarad {stage}' },
    ],
    evidence: {
      en: 'pupil surveys and lesson observations show pupils using Welsh confidently beyond lessons',
      cy: 'mae arolygon disgyblion ac arsylwadau gwersi yn dangos disgyblion yn defnyddio’r Gymraeg yn hyderus y tu hwnt i wersi',
    },
  },
  science: {
    descriptions: [
      {
        en: 'Enquiry-led science, with pupils planning and evaluating their own investigations',
        cy: 'Gwyddoniaeth sy’n seiliedig ar ymholi, gyda disgyblion yn cynllunio ac yn gwerthuso eu hymchwiliadau eu hunain',
      },
      { en: 'Practical science and STEM projects with local employers', cy: 'Gwyddoniaeth ymarferol a phrosiectau STEM gyda chyflogwyr lleol' },
      { en: 'Strong science teaching {stage}', cy: 'Addysgu gwyddoniaeth cryf {stage}' },
    ],
    evidence: {
      en: 'work scrutiny and science outcomes compare well with similar schools',
      cy: 'mae craffu ar waith a chanlyniadau gwyddoniaeth yn cymharu’n dda ag ysgolion tebyg',
    },
  },
  moreAble: {
    descriptions: [
      {
        en: 'Challenge for more able and talented pupils through extension groups and mentoring',
        cy: 'Her i ddisgyblion mwy abl a thalentog drwy grwpiau estyn a mentora',
      },
      { en: 'Tracking and stretching more able pupils {stage}', cy: 'Olrhain ac ymestyn disgyblion mwy abl {stage}' },
    ],
    evidence: {
      en: 'a higher share of pupils reach the higher levels than in similar schools',
      cy: 'mae cyfran uwch o ddisgyblion yn cyrraedd y lefelau uwch nag mewn ysgolion tebyg',
    },
  },
  aln: {
    descriptions: [
      {
        en: 'Person-centred planning for pupils with additional learning needs',
        cy: 'Cynllunio sy’n canolbwyntio ar yr unigolyn ar gyfer disgyblion ag anghenion dysgu ychwanegol',
      },
      {
        en: 'Well-trained teaching assistants leading targeted literacy and social skills interventions',
        cy: 'Cynorthwywyr addysgu wedi’u hyfforddi’n dda yn arwain ymyriadau llythrennedd a sgiliau cymdeithasol wedi’u targedu',
      },
      {
        en: 'Early identification of additional learning needs and close work with families',
        cy: 'Adnabod anghenion dysgu ychwanegol yn gynnar a chydweithio’n agos â theuluoedd',
      },
    ],
    evidence: {
      en: 'plans are reviewed termly and pupils with ALN make good progress from their starting points',
      cy: 'caiff cynlluniau eu hadolygu bob tymor ac mae disgyblion ag ADY yn gwneud cynnydd da o’u mannau cychwyn',
    },
  },
  attendance: {
    descriptions: [
      {
        en: 'Family engagement work that has raised attendance and cut persistent absence',
        cy: 'Gwaith ymgysylltu â theuluoedd sydd wedi codi presenoldeb a lleihau absenoldeb parhaus',
      },
      {
        en: 'First-day response and attendance mentoring for pupils at risk of disengaging',
        cy: 'Ymateb ar y diwrnod cyntaf a mentora presenoldeb i ddisgyblion sydd mewn perygl o ymddieithrio',
      },
    ],
    evidence: {
      en: 'attendance has risen for three years running and persistent absence has fallen',
      cy: 'mae presenoldeb wedi codi dair blynedd yn olynol ac mae absenoldeb parhaus wedi gostwng',
    },
  },
  transition: {
    descriptions: [
      {
        en: 'Joint transition units started in year 6 and continued in year 7',
        cy: 'Unedau pontio ar y cyd sy’n dechrau ym mlwyddyn 6 ac yn parhau ym mlwyddyn 7',
      },
      {
        en: 'Transition support for vulnerable pupils, with extra visits and a named key worker',
        cy: 'Cymorth pontio i ddisgyblion agored i niwed, gydag ymweliadau ychwanegol a gweithiwr allweddol penodol',
      },
      {
        en: 'Shared planning with partner schools so learning continues across the move {stage}',
        cy: 'Cynllunio ar y cyd ag ysgolion partner fel bod y dysgu’n parhau ar draws y newid {stage}',
      },
    ],
    evidence: {
      en: 'pupils’ progress and attitudes hold up after transfer, and partner schools report well on it',
      cy: 'mae cynnydd ac agweddau disgyblion yn dal yn gadarn ar ôl trosglwyddo, ac mae ysgolion partner yn adrodd yn dda arnyn nhw',
    },
  },
  assessment: {
    descriptions: [
      { en: 'Rigorous cluster moderation of teacher assessment', cy: 'Cymedroli trylwyr gan y clwstwr ar asesiadau athrawon' },
      {
        en: 'Assessment for learning, with peer and self-assessment part of everyday lessons',
        cy: 'Asesu ar gyfer dysgu, gydag asesu gan gyfoedion a hunanasesu yn rhan o wersi bob dydd',
      },
      { en: 'A feedback policy that has made marking lighter and more useful', cy: 'Polisi adborth sydd wedi gwneud marcio’n ysgafnach ac yn fwy defnyddiol' },
    ],
    evidence: { en: 'moderation samples agree closely with external judgements', cy: 'mae samplau cymedroli’n cyd-fynd yn agos â barnau allanol' },
  },
  curriculum: {
    descriptions: [
      {
        en: 'Early work on the new curriculum, planning through Areas of Learning and Experience',
        cy: 'Gwaith cynnar ar y cwricwlwm newydd, gan gynllunio drwy’r Meysydd Dysgu a Phrofiad',
      },
      {
        en: 'Curriculum design built around the four purposes, with pupils helping to plan topics',
        cy: 'Cwricwlwm wedi’i gynllunio o amgylch y pedwar diben, gyda disgyblion yn helpu i gynllunio themâu',
      },
      {
        en: 'Cross-curricular projects that link subjects around real-world problems',
        cy: 'Prosiectau trawsgwricwlaidd sy’n cysylltu pynciau o amgylch problemau go iawn',
      },
    ],
    evidence: {
      en: 'planning and pupil work show the four purposes in practice across the school',
      cy: 'mae’r cynllunio a gwaith disgyblion yn dangos y pedwar diben ar waith ar draws yr ysgol',
    },
  },
  digital: {
    descriptions: [
      { en: 'Digital Competence Framework mapped across the curriculum', cy: 'Y Fframwaith Cymhwysedd Digidol wedi’i fapio ar draws y cwricwlwm' },
      { en: 'Pupil digital leaders who support staff and other pupils', cy: 'Disgyblion sy’n arweinwyr digidol ac yn cefnogi staff a disgyblion eraill' },
      { en: 'Effective use of Hwb tools for learning in school and at home', cy: 'Defnydd effeithiol o offer Hwb ar gyfer dysgu yn yr ysgol a gartref' },
    ],
    evidence: { en: 'pupils’ digital skills are applied well across subjects', cy: 'mae disgyblion yn defnyddio’u sgiliau digidol yn dda ar draws pynciau' },
  },
  leadership: {
    descriptions: [
      { en: 'Developing middle leaders through a coaching programme', cy: 'Datblygu arweinwyr canol drwy raglen goetsio' },
      {
        en: 'Distributed leadership, with staff leading school improvement priorities',
        cy: 'Arweinyddiaeth wasgaredig, gyda staff yn arwain blaenoriaethau gwella’r ysgol',
      },
      { en: 'Self-evaluation that feeds directly into the school development plan', cy: 'Hunanwerthuso sy’n bwydo’n uniongyrchol i gynllun datblygu’r ysgol' },
    ],
    evidence: {
      en: 'improvement priorities are met on time and middle leaders lead change confidently',
      cy: 'caiff blaenoriaethau gwella eu cyflawni mewn pryd ac mae arweinwyr canol yn arwain newid yn hyderus',
    },
  },
  wellbeing: {
    descriptions: [
      {
        en: 'Nurture provision and emotional literacy support for pupils who need it',
        cy: 'Darpariaeth anogaeth a chymorth llythrennedd emosiynol i ddisgyblion sydd ei angen',
      },
      {
        en: 'A whole-school approach to wellbeing, with pupil voice at its centre',
        cy: 'Dull ysgol gyfan o ymdrin â lles, gyda llais y disgybl wrth ei wraidd',
      },
      { en: 'Restorative approaches that have improved behaviour {stage}', cy: 'Dulliau adferol sydd wedi gwella ymddygiad {stage}' },
    ],
    evidence: {
      en: 'wellbeing surveys are positive and exclusions have fallen',
      cy: 'mae arolygon lles yn gadarnhaol ac mae gwaharddiadau wedi gostwng',
    },
  },
  fsm: {
    descriptions: [
      {
        en: 'Use of the Pupil Development Grant to raise the attainment of pupils eligible for free school meals',
        cy: 'Defnyddio’r Grant Datblygu Disgyblion i godi cyrhaeddiad disgyblion sy’n gymwys i gael prydau ysgol am ddim',
      },
      {
        en: 'Closing the gap between pupils eligible for free school meals and their peers {stage}',
        cy: 'Cau’r bwlch rhwng disgyblion sy’n gymwys i gael prydau ysgol am ddim a’u cyfoedion {stage}',
      },
      {
        en: 'Family and community engagement that reaches disadvantaged families',
        cy: 'Ymgysylltu â theuluoedd a’r gymuned mewn ffordd sy’n cyrraedd teuluoedd difreintiedig',
      },
    ],
    evidence: {
      en: 'the gap between pupils eligible for free school meals and their peers has narrowed for three years',
      cy: 'mae’r bwlch rhwng disgyblion sy’n gymwys i gael prydau ysgol am ddim a’u cyfoedion wedi culhau ers tair blynedd',
    },
  },
  lookedAfter: {
    descriptions: [
      {
        en: 'Support for looked-after children, with a designated teacher and personal education plans',
        cy: 'Cymorth i blant sy’n derbyn gofal, gydag athro dynodedig a chynlluniau addysg personol',
      },
      {
        en: 'Close work with social services that keeps looked-after pupils in education',
        cy: 'Cydweithio agos â’r gwasanaethau cymdeithasol sy’n cadw disgyblion sy’n derbyn gofal mewn addysg',
      },
    ],
    evidence: { en: 'looked-after pupils attend well and make good progress', cy: 'mae disgyblion sy’n derbyn gofal yn mynychu’n dda ac yn gwneud cynnydd da' },
  },
  governors: {
    descriptions: [
      {
        en: 'Governors who challenge well, with a link governor for each priority',
        cy: 'Llywodraethwyr sy’n herio’n dda, gyda llywodraethwr cyswllt ar gyfer pob blaenoriaeth',
      },
      {
        en: 'Governor training and a committee structure that holds leaders to account',
        cy: 'Hyfforddiant i lywodraethwyr a strwythur pwyllgorau sy’n dwyn arweinwyr i gyfrif',
      },
    ],
    evidence: {
      en: 'governing body minutes show well-informed challenge and follow-up',
      cy: 'mae cofnodion y corff llywodraethu yn dangos her wybodus a gwaith dilynol',
    },
  },
};

const STAGE_TEXT: Record<Phase, readonly Bilingual[]> = {
  nursery: [{ en: 'in the nursery', cy: 'yn yr ysgol feithrin' }],
  primary: [
    { en: 'in the Foundation Phase', cy: 'yn y Cyfnod Sylfaen' },
    { en: 'in key stage 2', cy: 'yng nghyfnod allweddol 2' },
  ],
  middle: [{ en: 'across the all-age school', cy: 'ar draws yr ysgol pob oed' }],
  secondary: [
    { en: 'in key stage 3', cy: 'yng nghyfnod allweddol 3' },
    { en: 'at key stage 4', cy: 'yng nghyfnod allweddol 4' },
  ],
  special: [{ en: 'for pupils with complex needs', cy: 'i ddisgyblion ag anghenion cymhleth' }],
  pru: [{ en: 'for pupils returning to education', cy: 'i ddisgyblion sy’n dychwelyd i addysg' }],
};

/** The Welsh Language Charter by the school's medium: Cymraeg Campus is its form for English-medium schools. */
const CHARTER_TEXT: Record<'englishMedium' | 'other', Bilingual> = {
  englishMedium: { en: 'Cymraeg Campus (Welsh Language Charter)', cy: 'Cymraeg Campus' },
  other: { en: 'Siarter Iaith (Welsh Language Charter)', cy: 'y Siarter Iaith' },
};

/** Evidence is plainly labelled demo: these are real schools and none of this was said about them. */
const SOURCE_TEXT: Record<StrengthSource, { en: (evidence: string) => string; cy: (evidence: string) => string }> = {
  school: { en: (e) => `Demo data. School self-evaluation: ${e}.`, cy: (e) => `Data demo. Hunanwerthuso’r ysgol: ${e}.` },
  adviser: {
    en: (e) => `Demo data. Challenge Adviser visit: ${e}; seen in lessons and work scrutiny.`,
    cy: (e) => `Data demo. Ymweliad gan yr ymgynghorydd her: ${e}; gwelwyd hyn mewn gwersi ac wrth graffu ar waith.`,
  },
  inspection: { en: (e) => `Demo data. Inspection-style finding: ${e}.`, cy: (e) => `Data demo. Canfyddiad tebyg i arolygiad: ${e}.` },
};

function areaWeight(school: DemoSchoolInput, fsmPercent: number, area: DemoArea): number {
  let weight = AREA_WEIGHTS[school.phase][area] ?? 0.3;
  if (area === 'welsh') weight *= school.languageMedium === 'welsh' ? 2 : school.languageMedium === 'dual' ? 1.2 : 0.6;
  if (area === 'fsm') weight *= fsmPercent >= 25 ? 2 : fsmPercent < 10 ? 0.4 : 1;
  return weight;
}

/** A description with its stage and charter filled in, in one language. */
function fillDescription(template: string, stage: string, charter: string): string {
  return template.replace('{stage}', stage).replace('{charter}', charter);
}

function demoStrengthsFor(school: DemoSchoolInput, fsmPercent: number, seed: number): DemoStrength[] {
  const random = streamFor(seed, school.id, 'strengths');
  const category = school.supportCategory ?? 'none';
  const count = weightedIndex(random, STRENGTH_COUNT_WEIGHTS[category]) + 1;
  const remaining = [...DEMO_AREAS];
  const strengths: DemoStrength[] = [];
  const charter = CHARTER_TEXT[school.languageMedium === 'english' ? 'englishMedium' : 'other'];
  for (let i = 0; i < count && remaining.length > 0; i++) {
    const index = weightedIndex(
      random,
      remaining.map((area) => areaWeight(school, fsmPercent, area)),
    );
    const area = remaining.splice(index, 1)[0]!;
    const text = AREA_TEXT[area];
    const statedBy = SOURCES[weightedIndex(random, SOURCE_WEIGHTS[category])]!;
    // One draw each for the description and the stage, shared by both languages.
    const template = pick(random, text.descriptions);
    const stage = pick(random, STAGE_TEXT[school.phase]);
    strengths.push({
      schoolId: school.id,
      area,
      description: fillDescription(template.en, stage.en, charter.en),
      descriptionCy: fillDescription(template.cy, stage.cy, charter.cy),
      evidence: SOURCE_TEXT[statedBy].en(text.evidence.en),
      evidenceCy: SOURCE_TEXT[statedBy].cy(text.evidence.cy),
      statedBy,
    });
  }
  return strengths;
}

/**
 * The Welsh of every demo description and evidence line the generator can write, keyed by its English:
 * for demo rows written before the Welsh existed, which are given their Welsh in place.
 */
export function demoWelshByEnglish(): Map<string, string> {
  const welsh = new Map<string, string>();
  const stages = Object.values(STAGE_TEXT).flat();
  for (const text of Object.values(AREA_TEXT)) {
    for (const template of text.descriptions)
      for (const stage of stages)
        for (const charter of Object.values(CHARTER_TEXT))
          welsh.set(fillDescription(template.en, stage.en, charter.en), fillDescription(template.cy, stage.cy, charter.cy));
    for (const source of Object.values(SOURCE_TEXT)) welsh.set(source.en(text.evidence.en), source.cy(text.evidence.cy));
  }
  return welsh;
}

// ---------------------------------------------------------------------------------------------
// Clusters

export const CLUSTER_MIN_SCHOOLS = 5;
export const CLUSTER_MAX_SCHOOLS = 12;
/** Distance penalty for a feeder in the other language stream: Welsh-medium primaries feed Welsh-medium secondaries. */
const OTHER_STREAM_PENALTY = 3;
/** Share of clusters led by a primary head rather than the secondary (the lead rotates). */
const PRIMARY_LEAD_SHARE = 0.25;

const isHub = (s: DemoSchoolInput) => s.phase === 'secondary' || s.phase === 'middle';
/** Vertical clusters are a secondary and its feeders; special schools and PRUs serve the whole LA instead. */
const isFeeder = (s: DemoSchoolInput) => s.phase === 'primary' || s.phase === 'nursery';
type Point = { latitude: number; longitude: number };
const pointOf = (s: DemoSchoolInput): Point | null => (s.latitude !== null && s.longitude !== null ? { latitude: s.latitude, longitude: s.longitude } : null);

/** Great-circle distance in km between two points given in degrees. */
export function haversineKm(a: Point, b: Point): number {
  const toRadians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = toRadians(b.latitude - a.latitude);
  const dLon = toRadians(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(a.latitude)) * Math.cos(toRadians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Distance adjusted for language stream; Infinity when either school has no coordinates. */
function feederCost(feeder: DemoSchoolInput, hub: DemoSchoolInput): number {
  const from = pointOf(feeder);
  const to = pointOf(hub);
  if (!from || !to) return Infinity;
  const km = haversineKm(from, to);
  const sameStream = feeder.languageMedium === 'dual' || hub.languageMedium === 'dual' || feeder.languageMedium === hub.languageMedium;
  return sameStream ? km : km * OTHER_STREAM_PENALTY;
}

/**
 * In each LA, each secondary (and all-age) school with its nearest primaries and nursery schools:
 * 1. located feeders go to the nearest hub with room (closest pairs first; a hub takes at most 1.5 times
 *    the LA's average, and never more than 11);
 * 2. feeders without coordinates go to the LA's first secondary by school number (or the emptiest hub if full);
 * 3. hubs short of 4 feeders take them from hubs with more than 4 — the feeder nearest to them, or,
 *    for a hub without coordinates, the most outlying feeder of the biggest cluster.
 * An LA with too few feeders for every hub leaves some clusters small.
 */
export function buildClusters(schools: readonly DemoSchoolInput[], seed: number): DemoCluster[] {
  const byLa = new Map<number, DemoSchoolInput[]>();
  for (const school of [...schools].sort((a, b) => a.id - b.id)) {
    const inLa = byLa.get(school.laCode) ?? [];
    inLa.push(school);
    byLa.set(school.laCode, inLa);
  }
  const clusters: DemoCluster[] = [];
  for (const laCode of [...byLa.keys()].sort((a, b) => a - b)) {
    clusters.push(...clustersInLa(byLa.get(laCode)!, seed));
  }
  return clusters;
}

function clustersInLa(schools: readonly DemoSchoolInput[], seed: number): DemoCluster[] {
  const hubs = schools.filter(isHub);
  if (hubs.length === 0) return [];
  const minFeeders = CLUSTER_MIN_SCHOOLS - 1;
  const feeders = schools.filter(isFeeder);
  // A cap a little above the LA's average keeps central hubs from taking every near school.
  const maxFeeders = Math.min(CLUSTER_MAX_SCHOOLS - 1, Math.max(minFeeders, Math.ceil((1.5 * feeders.length) / hubs.length)));
  const feedersOf = new Map<number, DemoSchoolInput[]>(hubs.map((hub) => [hub.id, []]));
  const room = (hub: DemoSchoolInput) => feedersOf.get(hub.id)!.length < maxFeeders;
  const assigned = new Set<number>();

  // 1. closest pairs first
  const pairs = feeders
    .flatMap((feeder) => hubs.map((hub) => ({ feeder, hub, cost: feederCost(feeder, hub) })))
    .filter((pair) => Number.isFinite(pair.cost))
    .sort((a, b) => a.cost - b.cost || a.feeder.id - b.feeder.id || a.hub.id - b.hub.id);
  for (const { feeder, hub } of pairs) {
    if (assigned.has(feeder.id) || !room(hub)) continue;
    feedersOf.get(hub.id)!.push(feeder);
    assigned.add(feeder.id);
  }

  // 2. the rest (no coordinates, or every near hub full)
  const firstSecondary = hubs.find((hub) => hub.phase === 'secondary') ?? hubs[0]!;
  for (const feeder of feeders) {
    if (assigned.has(feeder.id)) continue;
    const hub = room(firstSecondary) ? firstSecondary : emptiest(hubs.filter(room), feedersOf);
    if (!hub) continue; // the LA has more feeders than its clusters can hold
    feedersOf.get(hub.id)!.push(feeder);
    assigned.add(feeder.id);
  }

  // 3. top up small clusters
  for (;;) {
    const needy = emptiest(
      hubs.filter((hub) => feedersOf.get(hub.id)!.length < minFeeders),
      feedersOf,
    );
    if (!needy) break;
    const donors = hubs.filter((hub) => feedersOf.get(hub.id)!.length > minFeeders);
    if (donors.length === 0) break;
    const move = chooseFeederToMove(needy, donors, feedersOf);
    const from = feedersOf.get(move.donor.id)!;
    from.splice(from.indexOf(move.feeder), 1);
    feedersOf.get(needy.id)!.push(move.feeder);
  }

  return hubs.map((hub) => {
    const members = [hub, ...feedersOf.get(hub.id)!].sort((a, b) => a.id - b.id);
    const random = streamFor(seed, hub.id, 'cluster');
    const primaries = members.filter((m) => m.phase === 'primary');
    const lead = primaries.length > 0 && random() < PRIMARY_LEAD_SHARE ? pick(random, primaries) : hub;
    return {
      name: `${hub.nameEn} cluster`,
      nameCy: `Clwstwr ${hub.nameCy ?? hub.nameEn}`,
      laCode: hub.laCode,
      hubSchoolId: hub.id,
      leadSchoolId: lead.id,
      language: hub.languageMedium === 'welsh' ? 'cy' : 'both',
      memberIds: members.map((m) => m.id),
    };
  });
}

/** The hub with fewest feeders (lowest school number on a tie), or undefined if none. */
function emptiest(hubs: readonly DemoSchoolInput[], feedersOf: Map<number, DemoSchoolInput[]>): DemoSchoolInput | undefined {
  let best: DemoSchoolInput | undefined;
  for (const hub of hubs) {
    if (!best || feedersOf.get(hub.id)!.length < feedersOf.get(best.id)!.length) best = hub;
  }
  return best;
}

function chooseFeederToMove(
  needy: DemoSchoolInput,
  donors: readonly DemoSchoolInput[],
  feedersOf: Map<number, DemoSchoolInput[]>,
): { feeder: DemoSchoolInput; donor: DemoSchoolInput } {
  const candidates = donors.flatMap((donor) => feedersOf.get(donor.id)!.map((feeder) => ({ feeder, donor })));
  const nearest = candidates
    .map((c) => ({ ...c, cost: feederCost(c.feeder, needy) }))
    .filter((c) => Number.isFinite(c.cost))
    .sort((a, b) => a.cost - b.cost || a.feeder.id - b.feeder.id)[0];
  if (nearest) return nearest;
  // No distances to go on: take the most outlying feeder of the biggest cluster.
  const biggest = donors.reduce((a, b) => (feedersOf.get(b.id)!.length > feedersOf.get(a.id)!.length ? b : a));
  const outlying = [...feedersOf.get(biggest.id)!].sort((a, b) => outlyingCost(b, biggest) - outlyingCost(a, biggest) || a.id - b.id)[0]!;
  return { feeder: outlying, donor: biggest };
}

/** Distance from its hub, with schools lacking coordinates counted as furthest out. */
function outlyingCost(feeder: DemoSchoolInput, hub: DemoSchoolInput): number {
  const cost = feederCost(feeder, hub);
  return Number.isFinite(cost) ? cost : Number.MAX_VALUE;
}
