// The only reader of process.env. Everything the process can be told from outside is parsed and
// validated here once, at start; a bad value stops the process with one line naming the variable.
import { z } from 'zod';

const booleanSwitch = z.enum(['on', 'off']).transform((value) => value === 'on');
const nonNegativeInt = z.coerce.number().int().nonnegative();
const positiveInt = z.coerce.number().int().positive();

/** MAX_DOCUMENT_STRUCTS when unset; the probes that fill documents to it read it here. */
export const DEFAULT_MAX_DOCUMENT_STRUCTS = 2_000_000;

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  JWT_SECRET: z
    .string()
    .refine((value) => Buffer.byteLength(value) >= 32, 'must be at least 32 bytes')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_PREFIX: z.string().default('framelord'),
  // `on` only behind a reverse proxy that appends the peer address to X-Forwarded-For (nginx's
  // $proxy_add_x_forwarded_for): the client IP is then that header's last entry. Off, the header
  // is ignored, because anyone can send it.
  TRUST_PROXY: booleanSwitch.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_MESSAGE_BYTES: positiveInt.default(16 * 1024 * 1024),
  MAX_DOCUMENT_BYTES: positiveInt.default(64 * 1024 * 1024),
  // REST bodies outside the document, import and attachment routes (docs/security.md).
  MAX_BODY_BYTES: positiveInt.default(64 * 1024),
  // Set: GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Set: /metrics is served only on this port (bound to METRICS_HOST, default HOST) and the public
  // port answers it 404, so a firewall or a private interface can keep it away from clients.
  // 0 picks a free port (tests).
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).optional(),
  // Yjs cost bounds (docs/security.md): structs + delete ranges + values one update may carry, and
  // structs one document may hold. An empty Y.Map item is ~6 bytes on the wire, ~600 in the heap.
  MAX_UPDATE_STRUCTS: positiveInt.default(50_000),
  // A 100k-block BlockSuite note costs 1.5 M (10k blocks: 150 000; docs/security.md, "Limits"):
  // the product's largest note fits with a third of headroom.
  MAX_DOCUMENT_STRUCTS: positiveInt.default(DEFAULT_MAX_DOCUMENT_STRUCTS),
  // The documents this process holds live, their costs added up (docs/security.md, "Memory
  // budget"): one document at MAX_DOCUMENT_STRUCTS plus as much again for the others (a second
  // 100k-block note, or many ordinary ones). ~300 heap bytes per struct for BlockSuite notes, ~600
  // for the empty-map amplification; 5 M amplified structs measured at 3.9 GB RSS without a crash.
  MAX_LIVE_STRUCTS: positiveInt.default(4_000_000),
  // One user's share of MAX_LIVE_STRUCTS (the live documents of the notes they own): unset, half
  // of it, so that no single account can spend the whole budget and refuse everybody else's loads.
  // At most MAX_LIVE_STRUCTS; below MAX_DOCUMENT_STRUCTS a user cannot grow one note to that limit.
  MAX_USER_LIVE_STRUCTS: positiveInt.optional(),
  // Bytes a socket may send for documents whose authentication is still pending (held unread).
  MAX_PRE_AUTH_BYTES: positiveInt.default(1024 * 1024),
  // Rate limits: `RATE_LIMITS=off` disables all; each also has its own variable, `0` disables it.
  RATE_LIMITS: booleanSwitch.default(true),
  RATE_LIMIT_API_PER_MINUTE: nonNegativeInt.default(1200),
  RATE_LIMIT_LOGIN_PER_EMAIL: nonNegativeInt.default(10),
  RATE_LIMIT_LOGIN_PER_IP: nonNegativeInt.default(60),
  RATE_LIMIT_LOGIN_WINDOW_SECONDS: positiveInt.default(900),
  // Per-email failures across every address before an address with failures of its own is refused.
  RATE_LIMIT_LOGIN_PER_EMAIL_ALL_ADDRESSES: nonNegativeInt.default(100),
  // Successful logins per client address per minute (each costs an argon2 hash and a session).
  RATE_LIMIT_LOGIN_SUCCESS_PER_IP: nonNegativeInt.default(30),
  RATE_LIMIT_REGISTER_PER_IP_PER_HOUR: nonNegativeInt.default(60),
  // Password-reset requests (POST /auth/password/forgot) per email and per client address, and
  // verification mails a signed-in user may ask again (POST /auth/email/resend), per hour.
  RATE_LIMIT_PASSWORD_FORGOT_PER_EMAIL_PER_HOUR: nonNegativeInt.default(5),
  RATE_LIMIT_PASSWORD_FORGOT_PER_IP_PER_HOUR: nonNegativeInt.default(30),
  RATE_LIMIT_EMAIL_RESEND_PER_HOUR: nonNegativeInt.default(5),
  RATE_LIMIT_COLLAB_MESSAGES_PER_SECOND: nonNegativeInt.default(200),
  RATE_LIMIT_COLLAB_AUTH_FAILURES: nonNegativeInt.default(5),
  // Failed collaboration authentications per client address per minute, across its sockets.
  RATE_LIMIT_COLLAB_AUTH_FAILURES_PER_IP: nonNegativeInt.default(30),
  // Identity-provider sign-ins started per client address per minute (docs/identity-providers.md).
  RATE_LIMIT_OIDC_START_PER_IP: nonNegativeInt.default(30),
  // The server's own public base URL (scheme, host, optional path), as browsers reach it. Identity
  // providers send people back to PUBLIC_URL + /api/v1/auth/oidc/<name>/callback.
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  // Identity providers by name (docs/identity-providers.md); each name N has OIDC_<N>_* variables.
  OIDC_PROVIDERS: z
    .string()
    .regex(/^[a-z0-9]+(,[a-z0-9]+)*$/, 'must be comma-separated names of lower-case letters and digits')
    .optional(),
  // Where the app may be sent back after a sign-in with a provider: exact URLs, comma-separated.
  OIDC_REDIRECT_URIS: z.string().optional(),
  // Collaboration documents: how long after the last edit the log is compacted into the note.
  STORE_DEBOUNCE_MS: nonNegativeInt.default(2000),
  STORE_MAX_DEBOUNCE_MS: nonNegativeInt.default(10000),
  // A document edited without a pause (its store forced by STORE_MAX_DEBOUNCE_MS) is compacted only
  // once its log since the last compaction holds this many bytes, or this long has passed.
  STORE_BUSY_MIN_LOG_BYTES: nonNegativeInt.default(64 * 1024),
  STORE_BUSY_INTERVAL_MS: nonNegativeInt.default(60_000),
  // How long a pushed mutation_id is remembered, so a retry answers the first result (days).
  SYNC_MUTATION_RETENTION_DAYS: positiveInt.default(30),
  // A sync pull page ends once its changes pass this many bytes of JSON (at least one change).
  SYNC_PULL_MAX_PAGE_BYTES: positiveInt.default(16 * 1024 * 1024),
  // A page of a REST list (GET /contacts, /interactions?include=attachments, …) ends once its
  // entities pass this many bytes of JSON (at least one entity); `links.next` continues after it.
  LIST_MAX_PAGE_BYTES: positiveInt.default(16 * 1024 * 1024),
  // Least time between two commits of the update log (group commit; a lone edit is never delayed).
  // Each commit costs ~1.2 ms of CPU here and in PostgreSQL whatever its rows; 20 ms halves the
  // commits of 10 ms under steady editing but pushed the acknowledgement p99 past 30 ms, so 10 ms
  // (docs/durability.md, "Group commits"; docs/benchmarks.md, "Hot path, fourth round").
  LOG_COMMIT_INTERVAL_MS: nonNegativeInt.default(10),
  // How often a live connection's token is checked again (expiry, logout).
  COLLAB_REAUTH_INTERVAL_MS: positiveInt.default(30_000),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),
  // Version history of note documents (docs/history-and-trash.md): `off` takes no versions.
  HISTORY: booleanSwitch.default(true),
  // Least time between two versions of a note taken on store (0: a version at every store).
  HISTORY_INTERVAL_MINUTES: nonNegativeInt.default(10),
  // Versions older than this are dropped, except each note's newest HISTORY_MIN_VERSIONS.
  HISTORY_RETENTION_DAYS: nonNegativeInt.default(30),
  HISTORY_MIN_VERSIONS: nonNegativeInt.default(20),
  // Archived rows are purged for good this long after archiving (0: at the next purge run).
  TRASH_RETENTION_DAYS: nonNegativeInt.default(90),
  TRASH_PURGE_INTERVAL_SECONDS: positiveInt.default(3600),
  // Account mail (docs/accounts.md). Without SMTP_URL, development logs each message; production
  // answers 503 EMAIL_NOT_CONFIGURED to the flows that need mail.
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('FrameLord <no-reply@localhost>'),
  // The app's origin: mailed links are PUBLIC_APP_URL + /reset-password?token=… and /verify-email?token=….
  PUBLIC_APP_URL: z
    .url({ protocol: /^https?$/ })
    .transform((value) => value.replace(/\/+$/, ''))
    .default('http://localhost:3000'),
  // A rotated refresh token presented again this soon answers the same new pair (two tabs, a retry).
  REFRESH_REUSE_GRACE_SECONDS: nonNegativeInt.default(30),
  // Browser origins allowed to call the API and open the collaboration socket (comma-separated).
  CORS_ORIGINS: z
    .string()
    .transform((value, context) => {
      const origins = value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== '');
      for (const origin of origins) {
        if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
          context.addIssue({ code: 'custom', message: `has ${origin}, not an origin like https://app.example.com` });
        }
      }
      return origins;
    })
    .default([]),
  // Blob store (docs/blobs.md): largest single blob, and what one user may store in all.
  BLOB_MAX_BYTES: positiveInt.default(100 * 1024 * 1024),
  BLOB_QUOTA_BYTES: positiveInt.default(10 * 1024 * 1024 * 1024),
  // How often unreferenced blobs are collected, and how old one must be first (an editor uploads
  // before the block that uses it is stored; 0 = no grace).
  BLOB_GC_INTERVAL_SECONDS: positiveInt.default(3600),
  BLOB_GC_GRACE_HOURS: z.coerce.number().nonnegative().default(24),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface RateLimitConfig {
  apiPerMinute: number;
  loginPerEmail: number;
  loginPerIp: number;
  loginWindowSeconds: number;
  loginPerEmailAllAddresses: number;
  loginSuccessPerIpPerMinute: number;
  registerPerIpPerHour: number;
  passwordForgotPerEmailPerHour: number;
  passwordForgotPerIpPerHour: number;
  emailResendPerHour: number;
  collabMessagesPerSecond: number;
  /** Failed authentications one socket may make before it is closed. */
  collabAuthFailures: number;
  /** Failed authentications per client address per minute. */
  collabAuthFailuresPerIp: number;
  /** Identity-provider sign-ins started per client address per minute. */
  oidcStartPerIp: number;
}

/** One OpenID Connect provider (docs/identity-providers.md). */
export interface OidcProviderConfig {
  /** Lower-case letters and digits: the path segment and the OIDC_<NAME>_* prefix. */
  name: string;
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
}

export interface OidcConfig {
  providers: OidcProviderConfig[];
  /** The exact URLs (normalized by URL) the app may be sent back to. */
  redirectUris: string[];
}

export interface HistoryConfig {
  enabled: boolean;
  intervalMinutes: number;
  retentionDays: number;
  minVersions: number;
}

export interface TrashConfig {
  retentionDays: number;
  purgeIntervalSeconds: number;
}

export interface BlobConfig {
  maxBytes: number;
  quotaBytes: number;
  gcIntervalSeconds: number;
  gcGraceHours: number;
}

export interface Config {
  nodeEnv: Environment['NODE_ENV'];
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Undefined outside production means "generate one into DATA_DIR" (see auth/secret.ts). */
  jwtSecret: string | undefined;
  redisUrl: string | undefined;
  redisPrefix: string;
  /** Take the client IP from the last X-Forwarded-For entry (one trusted proxy in front). */
  trustProxy: boolean;
  logLevel: Environment['LOG_LEVEL'];
  maxMessageBytes: number;
  maxDocumentBytes: number;
  maxBodyBytes: number;
  /** Undefined: /metrics is open (keep it off the public port). */
  metricsToken: string | undefined;
  /** Undefined: /metrics is on the public port. Otherwise its own listener (docs/operations.md). */
  metricsListener: { host: string; port: number } | undefined;
  maxUpdateStructs: number;
  maxDocumentStructs: number;
  maxLiveStructs: number;
  /** One user's share of maxLiveStructs (MAX_USER_LIVE_STRUCTS, update-cost.ts `createUserShares`). */
  maxUserLiveStructs: number;
  maxPreAuthBytes: number;
  rateLimits: RateLimitConfig;
  storeDebounceMs: number;
  logCommitIntervalMs: number;
  syncPullMaxPageBytes: number;
  listMaxPageBytes: number;
  syncMutationRetentionDays: number;
  storeMaxDebounceMs: number;
  /** Compaction of a document edited without a pause (busy-store.ts). */
  busyStore: { minLogBytes: number; intervalMs: number };
  collabReauthIntervalMs: number;
  shutdownTimeoutMs: number;
  /** The server's public base URL without a trailing slash; required when providers are set. */
  publicUrl: string | undefined;
  oidc: OidcConfig;
  history: HistoryConfig;
  trash: TrashConfig;
  blobs: BlobConfig;
  mail: MailConfig;
  refreshReuseGraceSeconds: number;
  /** Exact origins (scheme://host[:port]); empty = no CORS headers, any WebSocket origin. */
  corsOrigins: string[];
}

export interface MailConfig {
  smtpUrl: string | undefined;
  from: string;
  /** Without a trailing slash. */
  publicAppUrl: string;
  /** Without SMTP_URL: true in development only (messages, links included, go to the log); otherwise 503. */
  logInstead: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable is treated as unset, which is what `FOO= npm start` means to a person.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`invalid configuration: ${variable} ${issue?.message ?? 'is invalid'}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && e.JWT_SECRET === undefined) {
    throw new ConfigError('invalid configuration: JWT_SECRET is required when NODE_ENV=production (at least 32 bytes)');
  }
  const maxUserLiveStructs = e.MAX_USER_LIVE_STRUCTS ?? Math.max(1, Math.floor(e.MAX_LIVE_STRUCTS / 2));
  if (maxUserLiveStructs > e.MAX_LIVE_STRUCTS)
    throw new ConfigError('invalid configuration: MAX_USER_LIVE_STRUCTS must be at most MAX_LIVE_STRUCTS');
  const limit = (value: number) => (e.RATE_LIMITS ? value : 0);
  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    jwtSecret: e.JWT_SECRET,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    maxDocumentBytes: e.MAX_DOCUMENT_BYTES,
    maxBodyBytes: e.MAX_BODY_BYTES,
    metricsToken: e.METRICS_TOKEN,
    metricsListener:
      e.METRICS_PORT === undefined ? undefined : { host: e.METRICS_HOST ?? e.HOST, port: e.METRICS_PORT },
    maxUpdateStructs: e.MAX_UPDATE_STRUCTS,
    maxDocumentStructs: e.MAX_DOCUMENT_STRUCTS,
    maxLiveStructs: e.MAX_LIVE_STRUCTS,
    maxUserLiveStructs,
    maxPreAuthBytes: e.MAX_PRE_AUTH_BYTES,
    rateLimits: {
      apiPerMinute: limit(e.RATE_LIMIT_API_PER_MINUTE),
      loginPerEmail: limit(e.RATE_LIMIT_LOGIN_PER_EMAIL),
      loginPerIp: limit(e.RATE_LIMIT_LOGIN_PER_IP),
      loginWindowSeconds: e.RATE_LIMIT_LOGIN_WINDOW_SECONDS,
      loginPerEmailAllAddresses: limit(e.RATE_LIMIT_LOGIN_PER_EMAIL_ALL_ADDRESSES),
      loginSuccessPerIpPerMinute: limit(e.RATE_LIMIT_LOGIN_SUCCESS_PER_IP),
      registerPerIpPerHour: limit(e.RATE_LIMIT_REGISTER_PER_IP_PER_HOUR),
      passwordForgotPerEmailPerHour: limit(e.RATE_LIMIT_PASSWORD_FORGOT_PER_EMAIL_PER_HOUR),
      passwordForgotPerIpPerHour: limit(e.RATE_LIMIT_PASSWORD_FORGOT_PER_IP_PER_HOUR),
      emailResendPerHour: limit(e.RATE_LIMIT_EMAIL_RESEND_PER_HOUR),
      collabMessagesPerSecond: limit(e.RATE_LIMIT_COLLAB_MESSAGES_PER_SECOND),
      collabAuthFailures: limit(e.RATE_LIMIT_COLLAB_AUTH_FAILURES),
      collabAuthFailuresPerIp: limit(e.RATE_LIMIT_COLLAB_AUTH_FAILURES_PER_IP),
      oidcStartPerIp: limit(e.RATE_LIMIT_OIDC_START_PER_IP),
    },
    storeDebounceMs: e.STORE_DEBOUNCE_MS,
    storeMaxDebounceMs: e.STORE_MAX_DEBOUNCE_MS,
    busyStore: { minLogBytes: e.STORE_BUSY_MIN_LOG_BYTES, intervalMs: e.STORE_BUSY_INTERVAL_MS },
    logCommitIntervalMs: e.LOG_COMMIT_INTERVAL_MS,
    syncPullMaxPageBytes: e.SYNC_PULL_MAX_PAGE_BYTES,
    listMaxPageBytes: e.LIST_MAX_PAGE_BYTES,
    syncMutationRetentionDays: e.SYNC_MUTATION_RETENTION_DAYS,
    collabReauthIntervalMs: e.COLLAB_REAUTH_INTERVAL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    oidc: oidcConfig(e, present),
    history: {
      enabled: e.HISTORY,
      intervalMinutes: e.HISTORY_INTERVAL_MINUTES,
      retentionDays: e.HISTORY_RETENTION_DAYS,
      minVersions: e.HISTORY_MIN_VERSIONS,
    },
    trash: { retentionDays: e.TRASH_RETENTION_DAYS, purgeIntervalSeconds: e.TRASH_PURGE_INTERVAL_SECONDS },
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      publicAppUrl: e.PUBLIC_APP_URL,
      logInstead: e.SMTP_URL === undefined && e.NODE_ENV === 'development',
    },
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE_SECONDS,
    corsOrigins: e.CORS_ORIGINS,
    blobs: {
      maxBytes: e.BLOB_MAX_BYTES,
      quotaBytes: e.BLOB_QUOTA_BYTES,
      gcIntervalSeconds: e.BLOB_GC_INTERVAL_SECONDS,
      gcGraceHours: e.BLOB_GC_GRACE_HOURS,
    },
  };
}

const OIDC_SCOPES_DEFAULT = 'openid email profile';

/**
 * The per-provider variables cannot be listed in the schema (their names depend on
 * OIDC_PROVIDERS), so they are read here, each checked with the same one-line errors.
 */
function oidcConfig(e: Environment, present: Record<string, string | undefined>): OidcConfig {
  const names = e.OIDC_PROVIDERS ? [...new Set(e.OIDC_PROVIDERS.split(','))] : [];
  const redirectUris = (e.OIDC_REDIRECT_URIS ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '')
    .map((value) => {
      const parsed = z.url({ protocol: /^[a-z][a-z0-9+.-]*$/ }).safeParse(value);
      if (!parsed.success || value.includes('#'))
        throw new ConfigError(`invalid configuration: OIDC_REDIRECT_URIS has an invalid URL: ${value}`);
      return new URL(value).href;
    });
  if (names.length === 0) return { providers: [], redirectUris };
  if (!e.PUBLIC_URL) throw new ConfigError('invalid configuration: PUBLIC_URL is required when OIDC_PROVIDERS is set');
  if (redirectUris.length === 0)
    throw new ConfigError('invalid configuration: OIDC_REDIRECT_URIS is required when OIDC_PROVIDERS is set');
  const providers = names.map((name): OidcProviderConfig => {
    const prefix = `OIDC_${name.toUpperCase()}_`;
    const required = (suffix: string): string => {
      const value = present[prefix + suffix];
      if (!value)
        throw new ConfigError(`invalid configuration: ${prefix}${suffix} is required (OIDC_PROVIDERS lists ${name})`);
      return value;
    };
    const issuer = required('ISSUER');
    if (!z.url({ protocol: /^https?$/ }).safeParse(issuer).success)
      throw new ConfigError(`invalid configuration: ${prefix}ISSUER must be an http(s) URL`);
    const scopes = present[`${prefix}SCOPES`] ?? OIDC_SCOPES_DEFAULT;
    if (!scopes.split(/\s+/).includes('openid'))
      throw new ConfigError(`invalid configuration: ${prefix}SCOPES must include openid`);
    return {
      name,
      label: present[`${prefix}LABEL`] ?? name,
      issuer,
      clientId: required('CLIENT_ID'),
      clientSecret: required('CLIENT_SECRET'),
      scopes,
    };
  });
  return { providers, redirectUris };
}
