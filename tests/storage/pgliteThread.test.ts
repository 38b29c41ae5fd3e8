/**
 * The embedded database on its own thread (what the server runs): the same answers, errors and
 * transactions as PGlite on the calling thread, and what it acknowledged is on disk for the next start.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/platform/log';
import type { Database } from '../../src/platform/db/db';
import { DatabaseUnavailableError } from '../../src/platform/db/db';
import { openPgliteThread } from '../../src/platform/db/pgliteThread';

jest.setTimeout(120_000);

const scratch = mkdtempSync(join(tmpdir(), 'cydweithio-thread-'));
const dataDir = join(scratch, 'not', 'there', 'yet'); // made on first start, as ./data is
let db: Database;

beforeAll(async () => {
  db = await openPgliteThread(dataDir);
  await db.exec('create table notes (id integer primary key, body jsonb not null, at timestamptz not null default now(), big bigint)');
});
afterAll(async () => {
  await db.close();
  rmSync(scratch, { recursive: true, force: true });
});

it('answers parameterised queries with the same types as PGlite', async () => {
  await db.query('insert into notes (id, body, big) values ($1, $2, $3)', [1, JSON.stringify({ text: "it's -- not SQL", list: [1, 2] }), 12]);
  const [row] = await db.query<{ id: number; body: unknown; at: Date; big: number; n: string }>('select *, 1.5::numeric as n from notes where id = $1', [1]);
  expect(row.body).toEqual({ text: "it's -- not SQL", list: [1, 2] });
  expect(Object.prototype.toString.call(row.at)).toBe('[object Date]'); // (a Date from another realm under jest)
  expect(row.n).toBe('1.5');
  expect(await db.query('select id from notes where id = any($1::int[])', [[1, 2, 3]])).toEqual([{ id: 1 }]);
});

it('keeps answering as statements are reused, outnumber what it keeps prepared, or meet a changed table', async () => {
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 250; i++) expect(await db.query<{ n: number }>(`select $1::int + ${i} as n`, [round])).toEqual([{ n: round + i }]);
  }
  expect(await db.query('select $1::text as a, $2::int as b', [null, undefined])).toEqual([{ a: null, b: null }]);

  await db.exec('create table shapes (id integer primary key)');
  await db.query('insert into shapes (id) values ($1)', [1]);
  expect(await db.query('select * from shapes where id = $1', [1])).toEqual([{ id: 1 }]);
  await db.exec('alter table shapes add column colour text');
  expect(await db.query('select * from shapes where id = $1', [1])).toEqual([{ id: 1, colour: null }]);
  // Inside a transaction the statement fails once (the transaction is lost anyway), and works after.
  await db.exec('alter table shapes add column size integer');
  await expect(db.transaction((tx) => tx.query('select * from shapes where id = $1', [1]))).rejects.toThrow(/result type/);
  expect(await db.query('select * from shapes where id = $1', [1])).toEqual([{ id: 1, colour: null, size: null }]);
});

it('passes on the database error with its code', async () => {
  const failed = await db.query('insert into notes (id, body) values ($1, $2)', [1, '{}']).catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(Error);
  expect((failed as { code?: string }).code).toBe('23505');
  expect(await db.ping()).toBe(true); // and keeps working
});

it('rolls a failed transaction back whole and keeps other queries out of an open one', async () => {
  await expect(
    db.transaction(async (tx) => {
      await tx.query('insert into notes (id, body) values (2, $1)', ['{}']);
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect(await db.query('select id from notes where id = 2')).toEqual([]);

  // A query sent while a transaction is open waits for it instead of running inside it.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const order: string[] = [];
  const transaction = db.transaction(async (tx) => {
    await tx.query('insert into notes (id, body) values (3, $1)', ['{}']);
    opened();
    await held;
    order.push('transaction done');
    throw new Error('changed my mind');
  });
  await open;
  const outside = db.query<{ n: number }>('select count(*)::int as n from notes where id = 3').then((rows) => {
    order.push('outside query');
    return rows[0].n;
  });
  await new Promise((r) => setImmediate(r));
  release();
  await expect(transaction).rejects.toThrow('changed my mind');
  expect(await outside).toBe(0);
  expect(order).toEqual(['transaction done', 'outside query']);
});

it('sends single statements without waiting for the ones before, and answers each in the order sent', async () => {
  // Pipelined: 40 statements in flight at once, one of them failing, each gets its own answer.
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      i === 17 ? db.query('select nonsense').then(() => 'answered', (err: Error) => `failed: ${err.message}`) : db.query<{ n: number }>('select $1::int as n', [i]).then((rows) => rows[0].n),
    ),
  );
  expect(answers[17]).toMatch(/^failed: .*nonsense/);
  expect(answers.filter((_, i) => i !== 17)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 17));

  // Not held back until the main thread has taken the previous answer: with the main thread busy for 300 ms
  // straight after sending two statements, the database thread runs both meanwhile.
  await db.exec('create table stamps (n integer primary key, at timestamptz not null)');
  const first = db.query('insert into stamps values (1, clock_timestamp())');
  const second = db.query('insert into stamps values (2, clock_timestamp())');
  for (let i = 0; i < 5; i++) await Promise.resolve(); // let anything queued behind a promise be sent
  const busyUntil = Date.now() + 300;
  while (Date.now() < busyUntil); // the main thread handling other requests
  await Promise.all([first, second]);
  const [gap] = await db.query<{ ms: number }>("select extract(epoch from max(at) - min(at)) * 1000 as ms from stamps");
  expect(Number(gap.ms)).toBeLessThan(150);

  // In the order sent: an update sent before a read is seen by it, without the caller waiting in between.
  const write = db.query('insert into notes (id, body) values (50, $1)', ['{"v":1}']);
  const read = db.query<{ v: number }>("select (body->>'v')::int as v from notes where id = 50");
  await write;
  expect(await read).toEqual([{ v: 1 }]);

  // A statement sent before a transaction began runs before it, not inside it.
  const before = db.query<{ n: number }>('select count(*)::int as n from notes where id = 60');
  const tx = db.transaction((t) => t.query('insert into notes (id, body) values (60, $1)', ['{}']));
  expect(await before).toEqual([{ n: 0 }]);
  await tx;
  expect(await db.query('select id from notes where id = 60')).toEqual([{ id: 60 }]);
});

it('runs several statements at once and recovers from a failed block', async () => {
  expect(await db.simpleQuery('select 1 as a; select 2 as b')).toEqual([{ b: 2 }]);
  await expect(db.simpleQuery('begin; insert into notes (id, body) values (4, \'{}\'); select nonsense; commit')).rejects.toThrow();
  expect(await db.query('select id from notes where id = 4')).toEqual([]);
});

it('keeps what it acknowledged for the next start, and says it is unavailable once closed', async () => {
  await db.query('insert into notes (id, body) values (5, $1)', [JSON.stringify({ kept: true })]);
  await db.close();
  expect(await db.ping()).toBe(false);
  await expect(db.query('select 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);

  db = await openPgliteThread(dataDir);
  expect(await db.query('select body from notes where id = 5')).toEqual([{ body: { kept: true } }]);
});

describe('the statement journal', () => {
  const journalOf = (dir: string) => `${dir}.journal`;
  const update = (id: number, from: number, to: number) => ({
    text: "update notes set body = jsonb_build_object('n', $3::int), at = $4 where id = $1 and (body->>'n')::int = $2",
    params: [id, from, to, new Date(`2026-09-07T09:0${to}:00Z`)],
  });
  const n = async (id: number) => (await db.query<{ n: number }>("select (body->>'n')::int as n from notes where id = $1", [id]))[0]?.n;

  it('runs a journaled statement, and empties the journal once none is in flight', async () => {
    await db.query("insert into notes (id, body) values (20, '{\"n\": 0}')");
    const sends = [1, 2, 3].map((to) => db.sendJournaled!(update(20, to - 1, to).text, update(20, to - 1, to).params));
    // Durable before it has run: every line is on disk now.
    expect(readFileSync(journalOf(dataDir), 'utf8').trim().split('\n')).toHaveLength(3);
    await Promise.all(sends);
    expect(await n(20)).toBe(3);
    expect(readFileSync(journalOf(dataDir), 'utf8')).toBe('');
  });

  it('takes nothing more once it has grown past its limit, until what is in flight has run', async () => {
    await db.query("insert into notes (id, body) values (22, '{\"n\": 0}')");
    const busy = db.query('select pg_sleep(0.2)');
    const big = 'x'.repeat(40_000);
    const sent: Promise<unknown[]>[] = [];
    for (let i = 0; i < 50; i++) {
      const send = db.sendJournaled!('update notes set body = jsonb_build_object($2::text, $3::int) where id = $1', [22, big, i]);
      if (!send) break;
      sent.push(send);
    }
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.length).toBeLessThan(50);
    expect(statSync(journalOf(dataDir)).size).toBeLessThan(256 * 1024 + 41_000);
    await Promise.all([busy, ...sent]);
    expect(readFileSync(journalOf(dataDir), 'utf8')).toBe('');
    expect(db.sendJournaled!('select $1::int', [1])).toBeDefined();
  });

  it('runs at the next start what a killed process left in it, once, skipping a line cut short', async () => {
    await db.query("insert into notes (id, body) values (21, '{\"n\": 0}')");
    await db.close();
    // What a process killed after acknowledging three updates and while appending a fourth leaves behind,
    // the first of the three having reached the database before it died.
    await (async () => {
      const earlier = await openPgliteThread(dataDir);
      await earlier.query(update(21, 0, 1).text, update(21, 0, 1).params);
      await earlier.close();
    })();
    const lines = [update(21, 0, 1), update(21, 1, 2), update(21, 2, 3)].map((e) => JSON.stringify({ text: e.text, params: e.params }));
    writeFileSync(journalOf(dataDir), lines.join('\n') + '\n' + lines[0].slice(0, 40));

    const logged: string[] = [];
    db = await openPgliteThread(dataDir, { ...silentLogger, info: (msg) => logged.push(msg) });
    expect(await n(21)).toBe(3);
    expect((await db.query<{ at: Date }>('select at from notes where id = 21'))[0].at).toEqual(new Date('2026-09-07T09:03:00Z'));
    expect(readFileSync(journalOf(dataDir), 'utf8')).toBe('');
    expect(logged).toEqual(['statements acknowledged before a stop were run again']);
  });

  it('keeps a journal it could not wholly run (a refused or damaged entry) for someone to look at, and starts anyway', async () => {
    await db.close();
    const refused = JSON.stringify({ text: 'update no_such_table set x = $1', params: [1] });
    writeFileSync(journalOf(dataDir), [refused, '{"text": damaged', JSON.stringify(update(21, 3, 4))].join('\n') + '\n');
    const errors: Record<string, unknown>[] = [];
    db = await openPgliteThread(dataDir, { ...silentLogger, error: (_msg, fields) => errors.push(fields ?? {}) });
    expect(await n(21)).toBe(4);
    expect(errors).toEqual([expect.objectContaining({ replayed: 1, failed: 2 })]);
    expect(readFileSync(String(errors[0].keptAt), 'utf8')).toContain('no_such_table');
    expect(existsSync(journalOf(dataDir))).toBe(true);
    expect(readFileSync(journalOf(dataDir), 'utf8')).toBe('');
  });

  it('journals nothing more after a journaled statement failed, keeping it for the next start', async () => {
    const failing = db.sendJournaled!('update no_such_table set x = $1', [1]);
    await expect(failing).rejects.toThrow(/no_such_table/);
    expect(db.sendJournaled!(update(21, 4, 5).text, update(21, 4, 5).params)).toBeUndefined();
    expect(readFileSync(journalOf(dataDir), 'utf8')).toContain('no_such_table');
    await db.close();
    db = await openPgliteThread(dataDir, silentLogger);
    expect(db.sendJournaled!(update(21, 4, 5).text, update(21, 4, 5).params)).toBeDefined();
  });
});
