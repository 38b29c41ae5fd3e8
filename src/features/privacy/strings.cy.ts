import type { privacyEn } from './strings.en';

/** Welsh strings for the admin's personal-data commands. */
export const privacyCy: Record<keyof typeof privacyEn, string> = {
  'privacy.personalOnly': 'Mae data personol yn aros yn y sgwrs bersonol. Agorwch sgwrs gyda mi i ddefnyddio’r gorchymyn hwn.',
  'privacy.usage.export': 'Teipiwch "allforio unigolyn" ac enw neu ID defnyddiwr Teams, er enghraifft: allforio unigolyn Rhian Jones',
  'privacy.usage.delete': 'Teipiwch "dileu unigolyn" ac enw neu ID defnyddiwr Teams, er enghraifft: dileu unigolyn Rhian Jones',
  'privacy.noMatch': 'Does neb sy’n cyfateb i "{query}" wedi defnyddio Cydweithio yma.',
  'privacy.pick.heading': 'Pa unigolyn?',
  'privacy.pick.intro':
    '{count, plural, zero {Does neb yn cyfateb} one {Mae un person yn cyfateb} two {Mae 2 berson yn cyfateb} few {Mae 3 pherson yn cyfateb} many {Mae 6 pherson yn cyfateb} other {Mae # o bobl yn cyfateb}} i "{query}". Dewiswch un.',
  'privacy.pick.more': 'Dim ond y {count} cyntaf sy’n cael eu dangos: teipiwch fwy o’r enw, neu’r ID defnyddiwr Teams.',
  'privacy.pick.export': 'Allforio eu data',
  'privacy.pick.delete': 'Dileu eu data…',
  'privacy.person.noSchool': 'dim ysgol wedi’i dewis',
  'privacy.person.id': 'ID defnyddiwr Teams: {id}',
  'privacy.export.heading': 'Data am {name}',
  'privacy.export.intro':
    'Mae popeth y mae Cydweithio yn ei gadw am yr unigolyn hwn yn dilyn fel JSON, mewn {parts, plural, zero {dim negeseuon} one {un neges} two {2 neges} few {3 neges} many {6 neges} other {# neges}}. Copïwch destun pob rhan, yn eu trefn, i un ffeil i’w rhoi iddyn nhw. Mae’r allforio hwn wedi’i gofnodi yn y log archwilio.',
  'privacy.export.tooLarge':
    'Mae data’r unigolyn hwn yn {kb} KB, sy’n ormod i’w anfon mewn negeseuon Teams. Gofynnwch i bwy bynnag sy’n rhedeg Cydweithio redeg: npm run export:person -- {tenant} {id}',
  'privacy.export.nothing': 'Does dim wedi’i gadw am yr unigolyn hwnnw bellach.',
  'privacy.export.part': 'Rhan {n} o {total}',
  'privacy.count.plans': 'Cynlluniau sy’n eiddo iddyn nhw',
  'privacy.count.requests': 'Ceisiadau am gymorth a wnaethon nhw, a benderfynwyd ganddyn nhw, neu y gofynnwyd iddyn nhw eu brocera',
  'privacy.count.roles': 'Rolau',
  'privacy.count.fade': 'Cofnodion FADE (nodiadau, adroddiadau, adolygiadau, sianeli)',
  'privacy.count.notifications': 'Nodiadau atgoffa iddyn nhw',
  'privacy.count.audit': 'Cofnodion yn y log archwilio',
  'privacy.count.turnState': 'Cyflwr y sgwrs',
  'privacy.delete.heading': 'Dileu pob data am {name}?',
  'privacy.delete.warning': 'Does dim modd dadwneud hyn.',
  'privacy.delete.intro':
    'Caiff eu henw, eu IDs Teams, eu dewis iaith, eu rôl yn yr ysgol, eu rolau, eu sgwrs bersonol a chyflwr y sgwrs eu dileu, ynghyd ag unrhyw gynllun nad aeth erioed at ysgol arall. Caiff cofnodion y mae pobl eraill yn dibynnu arnyn nhw (ceisiadau am gymorth, cynlluniau a rannwyd ag ysgol bartner, adroddiadau a nodiadau FADE, y log archwilio) eu cadw, ond daw "unigolyn a ddilëwyd" yn lle pwy ydyn nhw. Mae’r geiriau a ysgrifennon nhw yn y cofnodion hynny yn aros.',
  'privacy.delete.plansDeleted': 'Cynlluniau i’w dileu',
  'privacy.delete.plansKept': 'Cynlluniau i’w cadw ar gyfer ysgol bartner, heb eu henw',
  'privacy.delete.records': 'Cofnodion a rennir i’w gwneud yn ddienw',
  'privacy.delete.roles': 'Rolau i’w tynnu',
  'privacy.delete.turnState': 'Cyflwr sgwrs i’w ddileu',
  'privacy.delete.confirm': 'Dileu’n barhaol',
  'privacy.delete.cancel': 'Canslo',
  'privacy.delete.done':
    'Cafodd pob data am {name} ei ddileu. Cofnodion wedi’u dileu: {deleted}; cofnodion wedi’u gwneud yn ddienw: {anonymised}. Mae’r log archwilio yn cofnodi mai chi wnaeth hyn, heb eu manylion nhw.',
  'privacy.delete.nothing': 'Does dim wedi’i gadw am yr unigolyn hwnnw bellach, felly doedd dim i’w ddileu.',
  'privacy.delete.cancelled': 'Does dim wedi’i ddileu.',
  'privacy.delete.self': 'Allwch chi ddim dileu eich data eich hun fel hyn. Gofynnwch i weinyddwr arall.',
};
