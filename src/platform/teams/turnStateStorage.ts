import type { Storage, StoreItems } from 'botbuilder';
import type { SqlStateStore } from './botStateRepository';

/** botbuilder's Storage over our state table: teams-ai turn state survives restarts and is shared by instances. */
export class DatabaseStorage implements Storage {
  constructor(private readonly store: SqlStateStore) {}

  read(keys: string[]): Promise<StoreItems> {
    return this.store.read(keys);
  }

  write(changes: StoreItems): Promise<void> {
    return this.store.write(changes);
  }

  delete(keys: string[]): Promise<void> {
    return this.store.delete(keys);
  }
}
