// What counts as an id: the one UUID rule every door uses. An id that is not a UUID names nothing,
// so callers answer it like any missing id (and it never reaches a query, where PostgreSQL would
// refuse it with an error instead).
import { z } from 'zod';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Any UUID PostgreSQL accepts, in either case. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** A UUID in the lower-case form this server writes (and its exports carry). */
export const isLowerCaseUuid = (value: string): boolean => LOWER_CASE_UUID.test(value);

/**
 * The same rule as a request-body schema (z.uuid() would refuse ids of non-RFC versions some
 * clients make; z.guid() accepts exactly what `isUuid` does, and documents `format: uuid`).
 */
export const uuidSchema = () => z.guid();
