/**
 * The embedded database on its own thread (what the server runs): the same answers, errors and
 * transactions as PGlite on the calling thread, and what it acknowledged is on disk for the next start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/storage/db';
import { DatabaseUnavailableError } from '../../src/storage/db';
import { openPgliteThread } from '../../src/storage/pgliteThread';

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
