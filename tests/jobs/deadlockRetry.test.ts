import { openPostgres } from '../../src/platform/db/postgres';
import { retriedOnDeadlock } from '../../src/platform/jobs/queue';
import { ScratchDatabase } from '../support/throwawayPostgres';

// Two instances creating pg-boss's queues at once can meet its maintenance in a deadlock; PostgreSQL then fails one
// side, which is run again. Here a deadlock is made for certain: two transactions take two rows in opposite orders.
describe('work chosen as a deadlock’s victim', () => {
  const scratch = new ScratchDatabase('cydweithio_deadlock');
  beforeAll(() => scratch.create(), 60_000);
  afterAll(() => scratch.drop());

  it('is run again and completes, and both sides’ changes are kept', async () => {
    const db = await openPostgres({ connectionString: scratch.url, maxConnections: 2 });
    try {
      await db.exec('create table pair (id integer primary key, n integer not null); insert into pair values (1, 0), (2, 0)');
      let holding = 0;
      let bothHolding!: () => void;
      const barrier = new Promise<void>((resolve) => (bothHolding = resolve));
      let runs = 0;
      const inOrder = (first: number, second: number) =>
        retriedOnDeadlock(() => {
          runs++;
          return db.transaction(async (tx) => {
            await tx.query('update pair set n = n + 1 where id = $1', [first]);
            if (++holding === 2) bothHolding();
            await barrier;
            await tx.query('update pair set n = n + 1 where id = $1', [second]);
          });
        });
      await Promise.all([inOrder(1, 2), inOrder(2, 1)]);
      expect(runs).toBe(3);
      expect(await db.query('select id, n from pair order by id')).toEqual([
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('is not run again for any other failure', async () => {
    let runs = 0;
    const failing = retriedOnDeadlock(async () => {
      runs++;
      throw Object.assign(new Error('duplicate key'), { code: '23505' });
    });
    await expect(failing).rejects.toThrow('duplicate key');
    expect(runs).toBe(1);
  });
});
