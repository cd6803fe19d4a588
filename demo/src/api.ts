// The REST calls the demo needs (docs/api.md), with the session kept in localStorage so a reload
// (or a second window of the same browser profile) stays signed in.

export interface Session {
  access_token: string;
  refresh_token: string;
  email: string;
}

export interface Note {
  id: string;
  title: string | null;
  blocksuite_doc_id: string;
  updated_at?: string;
}

/** A row of `GET /notes/:id/links` and `/backlinks`. */
export interface LinkedNote {
  note_id: string;
  title: string | null;
  blocksuite_doc_id: string;
}

/** A row of `GET /topics`: the topic and the notes that mention it. */
export interface TopicRow {
  id: string;
  label: string;
  slug: string;
  linked_notes: { note_id: string; title: string | null }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const STORAGE_KEY = 'framelord-demo-session';
const API = '/api/v1';

let session: Session | null = readStoredSession();
let refreshing: Promise<void> | null = null;

function readStoredSession(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function storeSession(next: Session | null): void {
  session = next;
  if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else localStorage.removeItem(STORAGE_KEY);
}

export function currentSession(): Session | null {
  return session;
}

/** Seconds until the access token expires (from its `exp` claim); 0 when unreadable. */
function secondsLeft(token: string): number {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return (payload.exp ?? 0) - Date.now() / 1000;
  } catch {
    return 0;
  }
}

async function send(method: string, path: string, body?: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(`${API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  const json = text ? (JSON.parse(text) as { data?: T; error?: { code: string; message: string } }) : {};
  if (!response.ok) {
    throw new ApiError(response.status, json.error?.code ?? 'HTTP_ERROR', json.error?.message ?? response.statusText);
  }
  return json.data as T;
}

export async function authenticate(
  mode: 'login' | 'register',
  email: string,
  password: string,
  fullName: string,
): Promise<Session> {
  const body =
    mode === 'register' ? { email, password, full_name: fullName || email.split('@')[0] } : { email, password };
  const data = await parse<{ access_token: string; refresh_token: string }>(await send('POST', `/auth/${mode}`, body));
  storeSession({ access_token: data.access_token, refresh_token: data.refresh_token, email });
  return session!;
}

export async function logout(): Promise<void> {
  const token = session?.access_token;
  storeSession(null);
  if (token) await send('POST', '/auth/logout', undefined, token).catch(() => undefined);
}

async function refresh(): Promise<void> {
  const current = session;
  if (!current) throw new ApiError(401, 'UNAUTHORIZED', 'Not signed in');
  const response = await send('POST', '/auth/refresh', { refresh_token: current.refresh_token });
  if (!response.ok) {
    storeSession(null);
    throw new ApiError(401, 'UNAUTHORIZED', 'The session has ended; sign in again');
  }
  const data = await parse<{ access_token: string; refresh_token: string }>(response);
  storeSession({ ...current, access_token: data.access_token, refresh_token: data.refresh_token });
}

/** An access token good for at least another minute (refreshed once, shared by concurrent callers). */
export async function freshAccessToken(): Promise<string> {
  if (!session) throw new ApiError(401, 'UNAUTHORIZED', 'Not signed in');
  if (secondsLeft(session.access_token) < 60) {
    refreshing ??= refresh().finally(() => {
      refreshing = null;
    });
    await refreshing;
  }
  return session!.access_token;
}

async function authed<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response = await send(method, path, body, await freshAccessToken());
  if (response.status === 401) {
    // The token may have been revoked or the clock skewed: one refresh, then give up.
    refreshing ??= refresh().finally(() => {
      refreshing = null;
    });
    await refreshing;
    response = await send(method, path, body, session!.access_token);
  }
  return parse<T>(response);
}

export const api = {
  me: () => authed<{ user: { email: string; full_name: string } }>('GET', '/auth/me'),
  listNotes: () => authed<Note[]>('GET', '/notes?per_page=100'),
  getNote: (id: string) => authed<Note>('GET', `/notes/${encodeURIComponent(id)}`),
  createNote: (title: string) => authed<Note>('POST', '/notes', { title }),
  links: (id: string) => authed<LinkedNote[]>('GET', `/notes/${encodeURIComponent(id)}/links`),
  backlinks: (id: string) => authed<LinkedNote[]>('GET', `/notes/${encodeURIComponent(id)}/backlinks`),
  topics: () => authed<TopicRow[]>('GET', '/topics?per_page=100'),
};
