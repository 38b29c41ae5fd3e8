import { randomUUID } from 'node:crypto';
import { TurnState } from '@microsoft/teams-ai';
import type { Storage, StoreItems, TurnContext } from 'botbuilder';
import type { SqlStateStore } from './botStateRepository';
import type { UserRecord } from '../../features/people/users';
import { actorOf } from './activity';

/** The turn-state scope that carries the acting user's row, read with the rest of the state. */
const PROFILE_SCOPE = 'profile';

/**
 * botbuilder's Storage over our state table: teams-ai turn state survives restarts and is shared by instances.
 *
 * It also answers one key that is not a state document: the acting user's row from the users table
 * (see ProfileTurnState), so a turn reads its state and its user in one statement. That key carries a
 * secret made at start, so no activity, whatever ids it claims, can compute a state key that is taken for it;
 * it is only ever read, never written or deleted through here.
 */
export class DatabaseStorage implements Storage {
  private readonly profilePrefix = `profile:${randomUUID()}:`;

  constructor(private readonly store: SqlStateStore) {}

  profileKey(user: { tenantId: string; userId: string }): string {
    return this.profilePrefix + JSON.stringify([user.tenantId, user.userId]);
  }

  private isProfileKey(key: string): boolean {
    return key.startsWith(this.profilePrefix);
  }

  async read(keys: string[]): Promise<StoreItems> {
    const profileKeys = keys.filter((k) => this.isProfileKey(k));
    const stateKeys = keys.filter((k) => !this.isProfileKey(k));
    if (profileKeys.length !== 1) return this.store.read(stateKeys);
    const [tenantId, userId] = JSON.parse(profileKeys[0].slice(this.profilePrefix.length)) as [string, string];
    const { items, user } = await this.store.readWithUser(stateKeys, { tenantId, userId });
    const found: StoreItems = items;
    if (user) found[profileKeys[0]] = { ...user };
    return found;
  }

  write(changes: StoreItems): Promise<void> {
    const documents = Object.fromEntries(Object.entries(changes).filter(([key]) => !this.isProfileKey(key)));
    return Object.keys(documents).length === 0 ? Promise.resolve() : this.store.write(documents);
  }

  delete(keys: string[]): Promise<void> {
    const documents = keys.filter((k) => !this.isProfileKey(k));
    return documents.length === 0 ? Promise.resolve() : this.store.delete(documents);
  }
}

/** teams-ai's turn state plus the acting user's row, loaded in the same read (teams-ai's own way to add a scope). */
export class ProfileTurnState extends TurnState {
  constructor(private readonly storage: DatabaseStorage) {
    super();
  }

  protected override async onComputeStorageKeys(context: TurnContext): Promise<Record<string, string>> {
    const keys = await super.onComputeStorageKeys(context);
    keys[PROFILE_SCOPE] = this.storage.profileKey(actorOf(context.activity));
    return keys;
  }
}

/**
 * The user's row as this turn's state load found it: the record, null when they have none yet,
 * or undefined when the state was not loaded that way (then the caller reads it itself).
 */
export function loadedUser(state: TurnState | undefined): UserRecord | null | undefined {
  if (!(state instanceof ProfileTurnState) || !state.isLoaded) return undefined;
  const value = state.getScope(PROFILE_SCOPE)?.value as Partial<UserRecord> | undefined;
  if (!value) return undefined;
  return typeof value.userId === 'string' ? (value as UserRecord) : null;
}
