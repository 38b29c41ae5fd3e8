import {
  addCalendarDays,
  addWorkingDays,
  holidaySet,
  isWorkingDay,
  localDateOf,
  nextWorkingDay,
  workingDaysBetween,
  zonedTimeToUtc,
  zoneOffsetMinutes,
} from '../../src/platform/workingDays';

const none = new Set<string>();
// Monmouthshire-style 2026/27 holidays: Christmas, February half term, Easter.
const holidays = holidaySet([
  { start: '2026-12-21', end: '2027-01-01' },
  { start: '2027-02-15', end: '2027-02-19' },
  { start: '2027-03-22', end: '2027-04-02' },
  '2026-11-20', // an INSET day
]);

describe('calendar arithmetic', () => {
  it('adds calendar days across month, year and leap-day boundaries', () => {
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addCalendarDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addCalendarDays('2027-03-01', -1)).toBe('2027-02-28');
  });

  it('adds calendar days across both clock changes without slipping a day', () => {
    // 2026: BST ends Sunday 25 October; 2027: BST starts Sunday 28 March.
    expect(addCalendarDays('2026-10-24', 1)).toBe('2026-10-25');
    expect(addCalendarDays('2026-10-25', 1)).toBe('2026-10-26');
    expect(addCalendarDays('2027-03-27', 2)).toBe('2027-03-29');
  });

  it('refuses a date that is not a calendar date', () => {
    expect(() => addWorkingDays('2026-02-30', 1, none)).toThrow(RangeError);
    expect(() => addWorkingDays('30/11/2026', 1, none)).toThrow(RangeError);
  });
});

describe('working days', () => {
  it('skips weekends', () => {
    expect(addWorkingDays('2026-11-27', 1, none)).toBe('2026-11-30'); // Fri → Mon
    expect(addWorkingDays('2026-11-30', -1, none)).toBe('2026-11-27'); // Mon → Fri
    expect(addWorkingDays('2026-11-28', 1, none)).toBe('2026-11-30'); // Sat → Mon
    expect(addWorkingDays('2026-12-11', -14, none)).toBe('2026-11-23');
    expect(addWorkingDays('2026-12-11', 0, none)).toBe('2026-12-11');
  });

  it('skips school holidays', () => {
    expect(addWorkingDays('2026-12-18', 1, holidays)).toBe('2027-01-04');
    expect(addWorkingDays('2027-01-04', -1, holidays)).toBe('2026-12-18');
    expect(addWorkingDays('2026-11-23', -1, holidays)).toBe('2026-11-19'); // over the INSET Friday
    expect(addWorkingDays('2027-03-19', 5, holidays)).toBe('2027-04-09'); // over Easter
  });

  it('moves a day that is not a working day to the next one', () => {
    expect(nextWorkingDay('2026-12-24', holidays)).toBe('2027-01-04');
    expect(nextWorkingDay('2026-11-20', holidays)).toBe('2026-11-23');
    expect(nextWorkingDay('2026-11-19', holidays)).toBe('2026-11-19');
    expect(isWorkingDay('2026-11-20', holidays)).toBe(false);
    expect(isWorkingDay('2026-11-20', none)).toBe(true);
  });

  it('counts the working days between two dates, in either direction', () => {
    expect(workingDaysBetween('2026-11-23', '2026-11-27', none)).toBe(4);
    expect(workingDaysBetween('2026-11-27', '2026-11-30', none)).toBe(1);
    expect(workingDaysBetween('2026-11-27', '2026-11-27', none)).toBe(0);
    expect(workingDaysBetween('2026-12-18', '2027-01-04', holidays)).toBe(1);
    expect(workingDaysBetween('2027-01-04', '2026-12-18', holidays)).toBe(-1);
    // across the October clock change: Fri 23 Oct → Fri 30 Oct is five working days
    expect(workingDaysBetween('2026-10-23', '2026-10-30', none)).toBe(5);
  });

  it('is the inverse of addWorkingDays for any start and count (property)', () => {
    let date = '2026-09-01';
    for (let i = 0; i < 300; i++) {
      const n = ((i * 7919) % 41) - 20;
      const start = nextWorkingDay(date, holidays);
      const end = addWorkingDays(start, n, holidays);
      expect(workingDaysBetween(start, end, holidays)).toBe(n);
      if (n !== 0) expect(isWorkingDay(end, holidays)).toBe(true);
      date = addCalendarDays(date, 1);
    }
  });

  it('builds holiday sets from ranges and rejects nonsense', () => {
    expect(holidaySet([{ start: '2026-12-30', end: '2027-01-02' }])).toEqual(new Set(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']));
    expect(() => holidaySet([{ start: '2027-01-02', end: '2026-12-30' }])).toThrow(RangeError);
  });
});

describe('Europe/London instants', () => {
  it('turns 09:00 London into UTC in winter and in summer', () => {
    expect(zonedTimeToUtc('2026-12-11', '09:00').toISOString()).toBe('2026-12-11T09:00:00.000Z');
    expect(zonedTimeToUtc('2027-03-19', '09:00').toISOString()).toBe('2027-03-19T09:00:00.000Z');
    expect(zonedTimeToUtc('2027-03-29', '09:00').toISOString()).toBe('2027-03-29T08:00:00.000Z');
    expect(zonedTimeToUtc('2026-10-23', '09:00').toISOString()).toBe('2026-10-23T08:00:00.000Z');
    expect(zonedTimeToUtc('2026-10-26', '09:00').toISOString()).toBe('2026-10-26T09:00:00.000Z');
  });

  it('handles the clock-change days themselves (last Sunday of March and of October)', () => {
    expect(zonedTimeToUtc('2027-03-28', '09:00').toISOString()).toBe('2027-03-28T08:00:00.000Z');
    expect(zonedTimeToUtc('2026-10-25', '09:00').toISOString()).toBe('2026-10-25T09:00:00.000Z');
    // 01:30 does not exist on 28 March (clocks go 01:00 → 02:00): an hour on, 02:30 BST
    expect(zonedTimeToUtc('2027-03-28', '01:30').toISOString()).toBe('2027-03-28T01:30:00.000Z');
    // 01:30 happens twice on 25 October: the first, in BST
    expect(zonedTimeToUtc('2026-10-25', '01:30').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(zoneOffsetMinutes(new Date('2026-10-25T00:59:00Z'))).toBe(60);
    expect(zoneOffsetMinutes(new Date('2026-10-25T01:00:00Z'))).toBe(0);
  });

  it('reads the London date of an instant near midnight', () => {
    expect(localDateOf(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(localDateOf(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });
});
