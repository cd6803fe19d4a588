// One change of a push, validated on its own: a malformed change fails alone (VALIDATION_ERROR in
// `failed`) instead of failing the whole push and leaving the device's queue stuck behind it.
import { z } from 'zod';
import { parseInput } from '../validation.ts';
import { ENTITY_TYPES, type EntityType } from '../entity-types.ts';

/** Entity types a push may write: every one a pull carries except topics (derived from documents). */
export const PUSHABLE_ENTITY_TYPES = ENTITY_TYPES.filter((type) => type !== 'topic') as Exclude<EntityType, 'topic'>[];
export const PUSH_OPERATIONS = ['create', 'update', 'delete'] as const;

export const MAX_PUSH_CHANGES = 500;
export const MAX_ID_LENGTH = 255;
/** The earliest client_updated_at a push accepts (docs/sync.md). */
export const EARLIEST_CLIENT_TIME = Date.UTC(2000, 0, 1);

const changeSchema = z
  .object({
    entity_type: z.enum(PUSHABLE_ENTITY_TYPES),
    entity_id: z.guid(),
    operation: z.enum(PUSH_OPERATIONS),
    data: z.record(z.string(), z.unknown()).nullable().optional(),
    base_version: z.int().min(0).nullable().optional(),
    // A device clock far in the past is a broken clock (year 0001 was stored and read back as 2001).
    client_updated_at: z.iso
      .datetime({ offset: true })
      .refine((value) => Date.parse(value) >= EARLIEST_CLIENT_TIME, 'must not be before 2000-01-01'),
  })
  .refine((change) => change.operation === 'delete' || (change.data !== undefined && change.data !== null), {
    path: ['data'],
    message: 'is required for create and update',
  });

export interface PushChange {
  mutationId: string;
  entityType: Exclude<EntityType, 'topic'>;
  entityId: string;
  operation: (typeof PUSH_OPERATIONS)[number];
  data: Record<string, unknown>;
  baseVersion: number | undefined;
  clientUpdatedAt: Date;
}

/** Throws VALIDATION_ERROR naming every offending field of the change. */
export function parsePushChange(mutationId: string, raw: unknown): PushChange {
  const change = parseInput(changeSchema, raw);
  return {
    mutationId,
    entityType: change.entity_type,
    entityId: change.entity_id.toLowerCase(),
    operation: change.operation,
    data: change.data ?? {},
    baseVersion: change.base_version ?? undefined,
    clientUpdatedAt: new Date(change.client_updated_at),
  };
}
