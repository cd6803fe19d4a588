// A randomized multi-device simulation of offline sync against a running server (fast-check).
//
// Each run registers a user with 3–5 devices. Devices keep a local copy of the account (what pulls
// and conflict answers told them) plus a queue of offline edits of contacts, and in a random
// interleaving: edit, create, delete, push (some retried, some sent twice at once), pull one page,
// push together with other devices, or a web client writes through REST. Device clocks are behind
// the server and collide often, so equal times and the device_id tie-break are exercised.
//
// Checked on every run:
// - every pushed mutation gets exactly one result; a retry answers exactly the first result;
// - an independent model of the rules (base_version, last-write-wins, ties, archive, Contact Zero)
//   explains every outcome and every conflict's `server` row, and the final state of every entity:
//   an accepted change really was applied, and a refused change ("server_won", reported to its
//   device) never reached the server. For pushes that ran concurrently, some serial order of their
//   changes must explain what happened (changes of one entity are decided under its row lock);
// - at the end, after every device pushed its queue and pulled to the end, every device's copy
//   equals the server, entity for entity.
//
// Shared by test/sync/simulation.test.ts (fixed seed, few runs) and bench/sync.ts (many runs).
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { request } from '../helpers/http.ts';
import { syncClient, type Change, type PullResult, type PushResult, type SyncClient } from './sync-client.ts';

const FIELDS = ['company', 'title', 'location'] as const;
type Field = (typeof FIELDS)[number];
const DEVICE_NAMES = ['device-a', 'device-b', 'device-c', 'device-d', 'device-e'];
/** Device clocks: this many distinct seconds, so times collide often. */
const CLOCK_SECONDS = 8;

type Step =
  | { kind: 'edit'; device: number; pick: number; fields: Field[]; second: number; useBase: boolean }
  | { kind: 'create'; device: number; second: number }
  | { kind: 'delete'; device: number; pick: number; second: number; useBase: boolean }
  | { kind: 'push'; device: number; retry: boolean; twiceAtOnce: boolean }
  | { kind: 'pull'; device: number; limit: number }
  | { kind: 'together'; devices: number[] }
  | { kind: 'rest'; pick: number; field: Field };

interface Scenario {
  deviceCount: number;
  steps: Step[];
}

function scenarioArbitrary(maxSteps: number): fc.Arbitrary<Scenario> {
  const device = fc.nat(4);
  const second = fc.nat(CLOCK_SECONDS - 1);
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('edit' as const),
        device,
        pick: fc.nat(),
        fields: fc.subarray([...FIELDS], { minLength: 1 }),
        second,
        useBase: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), device, second }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('delete' as const),
        device,
        pick: fc.nat(),
        second,
        useBase: fc.boolean(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('push' as const),
        device,
        retry: fc.boolean(),
        twiceAtOnce: fc.boolean(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('pull' as const), device, limit: fc.integer({ min: 1, max: 8 }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('together' as const),
        devices: fc.uniqueArray(device, { minLength: 2, maxLength: 5 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('rest' as const), pick: fc.nat(), field: fc.constantFrom(...FIELDS) }),
    },
  );
  return fc.record({
    deviceCount: fc.integer({ min: 3, max: 5 }),
    steps: fc.array(step, { minLength: 5, maxLength: maxSteps }),
  });
}

// ---------------------------------------------------------------------------------------------
// The model: what the rules say the server's row must be, kept independently of the server code.

interface ModelRow {
  fields: Record<Field, string | null>;
  archived: boolean;
  version: number;
  updatedAt: number;
  /** Device of the push that made this version; null: REST or registration. */
  device: string | null;
}

interface Mutation {
  change: Change;
  device: string;
  time: number;
}

type Outcome = 'applied' | 'client_won' | 'server_won' | 'failed';

interface Decided {
  outcome: Outcome;
  /** The row a conflict reports (after the write for client_won, as it stands for server_won). */
  reported: ModelRow | undefined;
  next: ModelRow | undefined;
}

function decide(row: ModelRow | undefined, mutation: Mutation, contactZeroId: string): Decided {
  const { change } = mutation;
  if (change.operation === 'create') {
    if (row) return { outcome: 'failed', reported: undefined, next: row };
    const data = change.data ?? {};
    const fields = Object.fromEntries(
      FIELDS.map((field) => [field, (data[field] as string | undefined) ?? null]),
    ) as Record<Field, string | null>;
    return {
      outcome: 'applied',
      reported: undefined,
      next: { fields, archived: false, version: 1, updatedAt: mutation.time, device: mutation.device },
    };
  }
  if (!row) return { outcome: 'failed', reported: undefined, next: row };
  if (change.entity_id === contactZeroId && change.operation === 'delete')
    return { outcome: 'failed', reported: undefined, next: row };
  const base = change.base_version ?? undefined;
  let wins: boolean;
  let stale = false;
  if (base !== undefined && base === row.version) {
    wins = true;
  } else {
    stale = base !== undefined;
    wins =
      mutation.time > row.updatedAt ||
      (mutation.time === row.updatedAt && (row.device === null || mutation.device >= row.device));
  }
  if (!wins) return { outcome: 'server_won', reported: row, next: row };
  let next: ModelRow;
  if (change.operation === 'delete') {
    next = row.archived
      ? row
      : { ...row, archived: true, version: row.version + 1, updatedAt: mutation.time, device: mutation.device };
  } else {
    const data = change.data ?? {};
    const fields = { ...row.fields };
    for (const field of FIELDS) if (field in data) fields[field] = data[field] as string | null;
    next = {
      fields,
      archived: row.archived,
      version: row.version + 1,
      updatedAt: mutation.time,
      device: mutation.device,
    };
  }
  return { outcome: stale ? 'client_won' : 'applied', reported: stale ? next : undefined, next };
}

/** The parts of an entity the model predicts. */
function projection(entity: Record<string, any>): string {
  return JSON.stringify({
    fields: Object.fromEntries(FIELDS.map((field) => [field, entity[field] ?? null])),
    archived: entity.is_archived === true,
    version: entity.sync_version,
    updatedAt: Date.parse(entity.updated_at),
  });
}

function modelProjection(row: ModelRow): string {
  return JSON.stringify({ fields: row.fields, archived: row.archived, version: row.version, updatedAt: row.updatedAt });
}

const rowKey = (row: ModelRow | undefined) => JSON.stringify(row ?? null);

function dedupe(rows: Array<ModelRow | undefined>): Array<ModelRow | undefined> {
  return [...new Map(rows.map((row) => [rowKey(row), row])).values()];
}

interface ObservedResult {
  outcome: Outcome;
  server: Record<string, any> | undefined;
}

function observedResults(result: PushResult): Map<string, ObservedResult> {
  const observed = new Map<string, ObservedResult>();
  const successful = new Set(result.successful);
  const conflicts = new Map(result.conflicts.map((conflict) => [conflict.mutation_id, conflict]));
  for (const id of result.successful)
    observed.set(id, { outcome: conflicts.has(id) ? 'client_won' : 'applied', server: conflicts.get(id)?.server });
  for (const conflict of result.conflicts) {
    if (!successful.has(conflict.mutation_id))
      observed.set(conflict.mutation_id, { outcome: 'server_won', server: conflict.server });
  }
  for (const failure of result.failed) observed.set(failure.mutation_id, { outcome: 'failed', server: undefined });
  return observed;
}

/** All merges of several sequences that keep each sequence's own order. */
function* interleavings<T>(sequences: T[][]): Generator<T[]> {
  const live = sequences.filter((sequence) => sequence.length > 0);
  if (live.length === 0) {
    yield [];
    return;
  }
  for (let index = 0; index < live.length; index += 1) {
    const [head, ...tail] = live[index] as T[];
    const rest = live.map((sequence, other) => (other === index ? tail : sequence));
    for (const merged of interleavings(rest)) yield [head as T, ...merged];
  }
}

const MAX_SERIAL_ORDERS = 5000;

/** For the busiest entity, how many serial orders of these queues' changes of it exist (multinomial). */
function serialOrders(queues: Mutation[][]): number {
  const perEntity = new Map<string, number[]>();
  queues.forEach((queue, index) => {
    for (const mutation of queue) {
      const counts = perEntity.get(mutation.change.entity_id) ?? queues.map(() => 0);
      counts[index] = (counts[index] ?? 0) + 1;
      perEntity.set(mutation.change.entity_id, counts);
    }
  });
  let worst = 1;
  for (const counts of perEntity.values()) {
    let orders = 1;
    let total = 0;
    for (const count of counts) {
      for (let k = 1; k <= count; k += 1) {
        total += 1;
        orders = (orders * total) / k;
      }
    }
    worst = Math.max(worst, orders);
  }
  return worst;
}

class Model {
  /** Per entity: every row state still consistent with what the server answered. */
  readonly candidates = new Map<string, Array<ModelRow | undefined>>();
  readonly contactZeroId: string;
  constructor(contactZeroId: string) {
    this.contactZeroId = contactZeroId;
  }

  seed(id: string, row: ModelRow): void {
    this.candidates.set(id, [row]);
  }

  /**
   * Folds the mutations of pushes that ran at the same time (one push: a single sequence) into
   * the model, keeping the states some serial order explains. Throws when none does.
   */
  absorb(sequences: Mutation[][], observed: Map<string, ObservedResult>): void {
    const byEntity = new Map<string, Mutation[][]>();
    sequences.forEach((sequence, index) => {
      for (const mutation of sequence) {
        const perPush = byEntity.get(mutation.change.entity_id) ?? sequences.map(() => []);
        (perPush[index] as Mutation[]).push(mutation);
        byEntity.set(mutation.change.entity_id, perPush);
      }
    });
    for (const [entityId, perPush] of byEntity) {
      const survivors: Array<ModelRow | undefined> = [];
      for (const start of this.candidates.get(entityId) ?? [undefined]) {
        for (const order of interleavings(perPush)) {
          let row = start;
          let consistent = true;
          for (const mutation of order) {
            const seen = observed.get(mutation.change.mutation_id);
            const decided = decide(row, mutation, this.contactZeroId);
            if (!seen || seen.outcome !== decided.outcome) {
              consistent = false;
              break;
            }
            if (decided.reported && (!seen.server || projection(seen.server) !== modelProjection(decided.reported))) {
              consistent = false;
              break;
            }
            row = decided.next;
          }
          if (consistent) survivors.push(row);
        }
      }
      if (survivors.length === 0) {
        const detail = perPush.flat().map((m) => ({
          op: m.change.operation,
          device: m.device,
          time: m.time,
          base: m.change.base_version,
          data: m.change.data,
          seen: observed.get(m.change.mutation_id),
        }));
        throw new Error(
          `no order of these changes explains the answers for ${entityId}: ${JSON.stringify({ from: this.candidates.get(entityId), changes: detail })}`,
        );
      }
      this.candidates.set(entityId, dedupe(survivors));
    }
  }

  /** A REST write, observed exactly (its answer is the new row). */
  restWrite(entity: Record<string, any>): void {
    this.seed(String(entity.id), {
      fields: Object.fromEntries(FIELDS.map((field) => [field, entity[field] ?? null])) as Record<Field, string | null>,
      archived: entity.is_archived === true,
      version: entity.sync_version,
      updatedAt: Date.parse(entity.updated_at),
      device: null,
    });
  }

  /** The server's row must be one the model allows. */
  check(entity: Record<string, any>): void {
    const allowed = (this.candidates.get(String(entity.id)) ?? []).filter((row): row is ModelRow => row !== undefined);
    const actual = projection(entity);
    if (!allowed.some((row) => modelProjection(row) === actual)) {
      throw new Error(
        `server row ${entity.id} is not what the rules allow: ${actual} not in ${JSON.stringify(allowed.map(modelProjection))}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Devices.

interface Device {
  id: string;
  sync: SyncClient;
  cursor: string | undefined;
  /** The server's rows as this device last learned them. */
  copy: Map<string, Record<string, any>>;
  /** Offline changes not yet pushed. */
  queue: Mutation[];
  /** Ids the device may edit (contacts it has seen or created). */
  contacts: string[];
}

function learn(device: Device, entity: Record<string, any>): void {
  // An answer can carry an older row than one already pulled (a retry replays its first result):
  // keeping the higher version keeps the copy from going back.
  const known = device.copy.get(String(entity.id));
  if (!known || Number(known.sync_version) <= Number(entity.sync_version)) device.copy.set(String(entity.id), entity);
}

function applyPull(device: Device, page: PullResult): void {
  for (const change of page.changes) {
    if (change.data) learn(device, change.data);
    if (change.entity_type === 'contact' && !device.contacts.includes(change.entity_id))
      device.contacts.push(change.entity_id);
  }
  device.cursor = page.cursor;
}

/** What a push answer tells the device: results of its queue, and rows it lost to. */
function applyPushResult(device: Device, result: PushResult): void {
  for (const conflict of result.conflicts) learn(device, conflict.server);
}

async function pullToEnd(device: Device): Promise<void> {
  for (;;) {
    const page = await device.sync.pull(device.cursor);
    applyPull(device, page);
    if (!page.has_more) return;
  }
}

export interface SimulationOptions {
  baseUrl: string;
  runs: number;
  seed: number;
  maxSteps?: number;
}

export async function runSyncSimulation(options: SimulationOptions): Promise<void> {
  await fc.assert(
    fc.asyncProperty(scenarioArbitrary(options.maxSteps ?? 30), async (scenario) =>
      runScenario(options.baseUrl, scenario),
    ),
    { seed: options.seed, numRuns: options.runs, endOnFailure: true },
  );
}

async function runScenario(baseUrl: string, scenario: Scenario): Promise<void> {
  const registered = await request(baseUrl, 'POST', '/api/v1/auth/register', {
    body: { email: `sim-${randomUUID()}@example.com`, password: `pw-${randomUUID()}`, full_name: 'Simulated' },
  });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  const token: string = registered.body.data.access_token;
  const contactZero = registered.body.data.contact_zero;
  const model = new Model(contactZero.id);
  model.restWrite(contactZero);
  const clockStart = Date.now() - 3_600_000;
  const devices: Device[] = DEVICE_NAMES.slice(0, scenario.deviceCount).map((id) => ({
    id,
    sync: syncClient(baseUrl, token),
    cursor: undefined,
    copy: new Map(),
    queue: [],
    contacts: [],
  }));
  const web = syncClient(baseUrl, token);
  const allContacts = new Set<string>([contactZero.id]);
  let marker = 0;
  const nextMarker = (): number => {
    marker += 1;
    return marker;
  };
  const label = (device: Device) => `${device.id}#${nextMarker()}`;
  const deviceOf = (index: number) => devices[index % devices.length] as Device;

  const push = async (device: Device): Promise<{ mutations: Mutation[]; result: PushResult } | undefined> => {
    if (device.queue.length === 0) return undefined;
    const mutations = device.queue.splice(0);
    const result = await device.sync.push(
      device.id,
      mutations.map((mutation) => mutation.change),
    );
    const answered = [
      ...result.successful,
      ...result.conflicts.map((c) => c.mutation_id),
      ...result.failed.map((f) => f.mutation_id),
    ];
    for (const mutation of mutations) {
      if (!answered.includes(mutation.change.mutation_id))
        throw new Error(`mutation ${mutation.change.mutation_id} got no result`);
    }
    applyPushResult(device, result);
    return { mutations, result };
  };

  for (const step of scenario.steps) {
    switch (step.kind) {
      case 'create': {
        const device = deviceOf(step.device);
        const id = randomUUID();
        const time = clockStart + step.second * 1000;
        const name = label(device);
        device.queue.push({
          device: device.id,
          time,
          change: {
            mutation_id: randomUUID(),
            entity_type: 'contact',
            entity_id: id,
            operation: 'create',
            data: { full_name: name, relationship_domain: 'business', relationship_role: 'client', company: name },
            client_updated_at: new Date(time).toISOString(),
          },
        });
        device.contacts.push(id);
        allContacts.add(id);
        break;
      }
      case 'edit':
      case 'delete': {
        const device = deviceOf(step.device);
        if (device.contacts.length === 0) break;
        const id = device.contacts[step.pick % device.contacts.length] as string;
        const time = clockStart + step.second * 1000;
        const known = device.copy.get(id);
        const base = step.useBase && known ? { base_version: Number(known.sync_version) } : {};
        const data =
          step.kind === 'edit' ? Object.fromEntries(step.fields.map((field) => [field, label(device)])) : undefined;
        device.queue.push({
          device: device.id,
          time,
          change: {
            mutation_id: randomUUID(),
            entity_type: 'contact',
            entity_id: id,
            operation: step.kind === 'edit' ? 'update' : 'delete',
            ...(data ? { data } : {}),
            ...base,
            client_updated_at: new Date(time).toISOString(),
          },
        });
        break;
      }
      case 'push': {
        const device = deviceOf(step.device);
        if (device.queue.length === 0) break;
        if (step.twiceAtOnce) {
          const changes = device.queue.map((mutation) => mutation.change);
          const mutations = device.queue.splice(0);
          const [one, two] = await Promise.all([
            device.sync.push(device.id, changes),
            device.sync.push(device.id, changes),
          ]);
          if (!isDeepStrictEqual(one, two))
            throw new Error(`the same push sent twice at once answered differently: ${JSON.stringify([one, two])}`);
          applyPushResult(device, one as PushResult);
          model.absorb([mutations], observedResults(one as PushResult));
          break;
        }
        const pushed = await push(device);
        if (!pushed) break;
        model.absorb([pushed.mutations], observedResults(pushed.result));
        if (step.retry) {
          const again = await device.sync.push(
            device.id,
            pushed.mutations.map((mutation) => mutation.change),
          );
          if (!isDeepStrictEqual(again, pushed.result))
            throw new Error(`a retried push answered differently: ${JSON.stringify([pushed.result, again])}`);
        }
        break;
      }
      case 'pull': {
        const device = deviceOf(step.device);
        applyPull(device, await device.sync.pull(device.cursor, step.limit));
        break;
      }
      case 'together': {
        const group = [...new Set(step.devices.map(deviceOf))];
        if (serialOrders(group.map((device) => device.queue)) > MAX_SERIAL_ORDERS) {
          // Too many orders for the model to try: these devices push one after the other.
          for (const device of group) {
            const pushed = await push(device);
            if (pushed) model.absorb([pushed.mutations], observedResults(pushed.result));
          }
          break;
        }
        const pushed = (await Promise.all(group.map(push))).filter((entry) => entry !== undefined);
        const observed = new Map<string, ObservedResult>();
        for (const entry of pushed) for (const [id, result] of observedResults(entry.result)) observed.set(id, result);
        model.absorb(
          pushed.map((entry) => entry.mutations),
          observed,
        );
        break;
      }
      case 'rest': {
        const ids = [...allContacts];
        const id = ids[step.pick % ids.length] as string;
        const response = await request(baseUrl, 'PATCH', `/api/v1/contacts/${id}`, {
          token,
          body: { [step.field]: `web#${nextMarker()}` },
        });
        // The contact may exist only in a device's queue so far.
        if (response.status === 404) break;
        if (response.status !== 200)
          throw new Error(`REST write answered ${response.status}: ${JSON.stringify(response.body)}`);
        model.restWrite(response.body.data);
        break;
      }
    }
  }

  // Every device sends its queue, then every device pulls to the end.
  for (const device of devices) {
    const pushed = await push(device);
    if (pushed) model.absorb([pushed.mutations], observedResults(pushed.result));
  }
  for (const device of devices) await pullToEnd(device);

  const server = await web.pullAll();
  const serverRows = new Map(server.changes.map((change) => [change.entity_id, change.data as Record<string, any>]));
  for (const id of allContacts) {
    const row = serverRows.get(id);
    if (row) model.check(row);
    else if ((model.candidates.get(id) ?? []).some((candidate) => candidate !== undefined))
      throw new Error(`contact ${id} is missing on the server`);
  }
  for (const device of devices) {
    const ids = new Set([...device.copy.keys(), ...serverRows.keys()]);
    const different = [...ids].filter((id) => !isDeepStrictEqual(device.copy.get(id), serverRows.get(id)));
    if (different.length > 0) {
      const detail = different.map((id) => ({ id, device: device.copy.get(id), server: serverRows.get(id) }));
      throw new Error(`${device.id} does not equal the server after syncing: ${JSON.stringify(detail)}`);
    }
  }
}
