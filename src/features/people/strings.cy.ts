import type { peopleEn } from './strings.en';

/** Welsh strings for school roles. */
export const peopleCy: Record<keyof typeof peopleEn, string> = {
  'onboard.claimed':
    'Diolch. Rydych chi wedi gofyn i rywun gadarnhau eich rôl. Ysgol: {school}. Rôl: {role}. Rydyn ni wedi gofyn i {who} ei chadarnhau. Tan hynny, gallwch chi baratoi cynllun yn breifat a phori’r ysgolion a’r awgrymiadau.',
  'onboard.claimedHeadExists':
    'Mae gan {school} bennaeth wedi’i gadarnhau eisoes, felly mae eich cais wedi mynd ato ef neu ati hi ac at ymgynghorydd yr ysgol.',
  'onboard.autoConfirmed':
    'Rydych chi wedi’ch cofrestru. Ysgol: {school}. Rôl: {role}. Demo lleol yw hwn, felly cafodd eich rôl ei chadarnhau ar unwaith; mewn gwasanaeth go iawn, pennaeth yr ysgol, ei hymgynghorydd neu weinyddwr sy’n ei chadarnhau.',
  'roles.asked.headteacher': '{names, select, none {bennaeth yr ysgol} other {bennaeth yr ysgol ({names})}}',
  'roles.asked.headteacherAndAdviser': '{names, select, none {bennaeth yr ysgol a’i hymgynghorydd} other {bennaeth yr ysgol a’i hymgynghorydd ({names})}}',
  'roles.asked.adviser': '{names, select, none {ymgynghorydd yr ysgol} other {ymgynghorydd yr ysgol ({names})}}',
  'roles.asked.admin': '{names, select, none {weinyddwr} other {weinyddwr ({names})}}',
  'roles.asked.auto': 'neb',
  'roles.pending.note':
    'Dydy eich rôl yn {school} ({role}) ddim wedi’i chadarnhau eto: rydyn ni wedi gofyn i {who} ei chadarnhau. Tan hynny, gallwch chi baratoi cynllun yn breifat a phori’r ysgolion a’r awgrymiadau, ond allwch chi ddim gweithredu ar ran yr ysgol.',
  'roles.claim.heading': 'Cadarnhau rôl mewn ysgol',
  'roles.claim.ask': 'Mae {name} yn dweud ei fod neu ei bod yn gweithio yn {school}. Rôl: {role}.',
  'roles.claim.headWarning': 'Mae gan {school} bennaeth wedi’i gadarnhau eisoes. Os byddwch chi’n cadarnhau hyn, {name} fydd y pennaeth yn lle hynny.',
  'roles.claim.reasonLabel': 'Rheswm (mae ei angen i wrthod; bydd {name} yn ei weld)',
  'roles.claim.confirm': 'Cadarnhau',
  'roles.claim.reject': 'Gwrthod',
  'roles.claim.statusConfirmed': 'Wedi’i gadarnhau.',
  'roles.claim.statusRejected': 'Wedi’i wrthod. Rheswm: {reason}',
  'roles.claim.statusEnded': 'Mae’r cais hwn wedi dod i ben.',
  'roles.claim.doneConfirmed': 'Wedi’i gadarnhau: {name}. Ysgol: {school}. Rôl: {role}.',
  'roles.claim.doneRejected': 'Wedi’i wrthod. Mae {name} wedi cael gwybod eich rheswm.',
  'roles.claim.notFound': 'Dydy’r cais hwnnw am rôl mewn ysgol ddim yn bodoli mwyach.',
  'roles.claim.notDecider': 'Dim ond pennaeth yr ysgol, ei hymgynghorydd neu weinyddwr sy’n gallu cadarnhau’r rôl hon.',
  'roles.claim.reasonNeeded': 'Rhowch reswm dros wrthod: bydd yr unigolyn yn ei weld.',
  'roles.claim.reasonTooLong': 'Cadwch y rheswm o dan {max, plural, zero {0 nod} one {un nod} two {2 nod} few {3 nod} many {6 nod} other {# nod}}.',
  'roles.claim.headTaken': 'Mae gan yr ysgol honno bennaeth wedi’i gadarnhau eisoes. Does dim wedi newid.',
  'roles.claim.alreadyConfirmed': 'Mae rhywun arall wedi cadarnhau’r rôl hon eisoes.',
  'roles.claim.alreadyRejected': 'Mae rhywun arall wedi gwrthod y cais hwn eisoes.',
  'roles.claim.ended': 'Mae’r cais hwn wedi dod i ben: mae’r unigolyn wedi gofyn am rôl arall ers hynny.',
  'roles.decided.confirmed': 'Mae eich rôl yn {school} ({role}) wedi’i chadarnhau.',
  'roles.decided.rejected': 'Chafodd eich cais i weithio yn {school} ({role}) mo’i gadarnhau. Rheswm: {reason}',
  'roles.claims.heading': 'Rolau ysgol sy’n aros amdanoch chi',
  'roles.claims.none': 'Does dim rolau ysgol yn aros i chi eu cadarnhau.',
  'roles.claims.line': '{name} – {role}, {school}',
  'roles.claims.open': 'Agor',
  'roles.assign.heading': 'Rolau ysgol',
  'roles.assign.intro': 'Rhowch rôl wedi’i chadarnhau mewn ysgol i rywun sydd wedi defnyddio Cydweithio.',
  'roles.assign.person': 'Unigolyn',
  'roles.assign.school': 'Rhif yr ysgol',
  'roles.assign.role': 'Rôl',
  'roles.assign.button': 'Rhoi’r rôl',
  'roles.assign.done': '{name}: {role}, {school}.',
  'roles.assign.csvIntro':
    'Neu gludwch ffeil CSV gyda’r colofnau school, user, role: rhif yr ysgol, ID defnyddiwr Teams, a headteacher (pennaeth), deputy (dirprwy bennaeth), seniorLeader (uwch arweinydd) neu other (arall). Does dim yn cael ei roi os nad yw pob rhes yn gywir.',
  'roles.assign.csvLabel': 'Ffeil CSV',
  'roles.assign.import': 'Mewnforio rolau',
  'roles.assign.imported':
    '{assigned, plural, zero {Dim rolau wedi’u rhoi.} one {Un rôl wedi’i rhoi.} two {2 rôl wedi’u rhoi.} few {3 rôl wedi’u rhoi.} many {6 rôl wedi’u rhoi.} other {# rôl wedi’u rhoi.}}',
  'roles.import.unknownSchool': 'does dim ysgol â’r rhif "{value}".',
  'roles.import.unknownPerson': 'dydy "{value}" ddim wedi defnyddio Cydweithio yma eto (rhowch ei ID defnyddiwr Teams).',
  'roles.import.unknownRole':
    'dydy "{value}" ddim yn rôl: defnyddiwch headteacher (pennaeth), deputy (dirprwy bennaeth), seniorLeader (uwch arweinydd) neu other (arall).',
  'roles.import.twoHeads': 'mae pennaeth i’r ysgol hon eisoes ar linell {other}.',
  'roles.import.badFile': 'doedd dim modd darllen y ffeil fel CSV gyda’r colofnau school, user, role.',
};
