// The demo page: sign up or log in, list notes, create one, open it in BlockSuite.
// Routes live in the hash: `#/note/<note id>` (read through REST first) and `#/doc/<doc id>`
// (straight to the collaboration server, which creates the note when the name is new).
import './style.css';
import { ApiError, api, authenticate, currentSession, logout, type Note } from './api.ts';
import { openEditor, type OpenedEditor } from './editor.ts';
import { LinkPanel } from './panel.ts';
import { SyncIndicator } from './sync-indicator.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const indicator = new SyncIndicator($('sync-indicator'));
const panel = new LinkPanel((noteId) => navigate(`#/note/${noteId}`));

let notes: Note[] = [];
let opened: OpenedEditor | null = null;
let openedNoteId: string | null = null;
/** The open in progress; a newer open or a close aborts it before it mounts anything. */
let pendingOpen: AbortController | null = null;
let notesTimer: ReturnType<typeof setInterval> | null = null;

function navigate(hash: string): void {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

function showError(message: string | null): void {
  const element = $('note-error');
  element.hidden = !message;
  element.textContent = message ?? '';
}

function renderNotes(): void {
  const list = $('notes');
  list.replaceChildren(
    ...notes.map((note) => {
      const li = document.createElement('li');
      const link = document.createElement('a');
      link.href = `#/note/${note.id}`;
      link.textContent = note.title || 'Untitled';
      li.dataset.noteId = note.id;
      if (note.id === openedNoteId) li.classList.add('active');
      li.append(link);
      return li;
    }),
  );
}

async function refreshNotes(): Promise<void> {
  try {
    notes = await api.listNotes();
    renderNotes();
    opened?.registerNotes(notes);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showAuth();
  }
}

function closeEditor(): void {
  pendingOpen?.abort();
  pendingOpen = null;
  opened?.destroy();
  opened = null;
  openedNoteId = null;
  $('editor-host').replaceChildren();
  indicator.untrack();
  panel.show(null);
}

async function openDoc(docId: string, note: Note | null): Promise<void> {
  closeEditor();
  const open = new AbortController();
  pendingOpen = open;
  showError(null);
  openedNoteId = note?.id ?? null;
  renderNotes();
  panel.show(openedNoteId);
  try {
    const editor = await openEditor($('editor-host'), {
      docId,
      initialTitle: note?.title ?? '',
      notes,
      onProvider: (provider) => indicator.track(provider),
      onOpenDoc: (target) => navigate(`#/doc/${target}`),
      onDocCreatedRemotely: () => void refreshNotes(),
      signal: open.signal,
    });
    if (open.signal.aborted) return editor.destroy();
    pendingOpen = null;
    opened = editor;
    $('editor-host').dataset.docId = docId;
    if (!note) {
      // Opened by doc name: the server has the note now (it creates one for a new name).
      await refreshNotes();
      openedNoteId = notes.find((candidate) => candidate.blocksuite_doc_id === docId)?.id ?? null;
      renderNotes();
      panel.show(openedNoteId);
    }
  } catch (error) {
    if (open.signal.aborted) return;
    indicator.refuse((error as Error).message);
    showError(`This note can't be opened: ${(error as Error).message}`);
  }
}

async function route(): Promise<void> {
  if (!currentSession()) return showAuth();
  await showWorkspace();
  const [, kind, id] = /^#\/(note|doc)\/(.+)$/.exec(location.hash) ?? [];
  if (!kind || !id) {
    closeEditor();
    return;
  }
  const target = decodeURIComponent(id);
  if (kind === 'doc') {
    const known = notes.find((note) => note.blocksuite_doc_id === target) ?? null;
    return openDoc(target, known);
  }
  try {
    const note = await api.getNote(target);
    await openDoc(note.blocksuite_doc_id, note);
  } catch (error) {
    closeEditor();
    const refused = error instanceof ApiError && (error.status === 404 || error.status === 403);
    indicator.refuse(refused ? 'not your note' : (error as Error).message);
    showError(refused ? 'Note not found (or not yours).' : `Could not load the note: ${(error as Error).message}`);
  }
}

function showAuth(): void {
  closeEditor();
  if (notesTimer) clearInterval(notesTimer);
  notesTimer = null;
  $('auth').hidden = false;
  $('workspace').hidden = true;
  $('logout').hidden = true;
  $('whoami').textContent = '';
}

async function showWorkspace(): Promise<void> {
  if (!$('workspace').hidden) return;
  $('auth').hidden = true;
  $('workspace').hidden = false;
  $('logout').hidden = false;
  $('whoami').textContent = currentSession()?.email ?? '';
  // Other windows create and rename notes too; the picker and the list should see them.
  notesTimer = setInterval(() => void refreshNotes(), 5000);
  await refreshNotes();
}

$('auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
  const mode = submitter?.dataset.mode === 'register' ? 'register' : 'login';
  $('auth-error').textContent = '';
  try {
    await authenticate(
      mode,
      $<HTMLInputElement>('auth-email').value.trim(),
      $<HTMLInputElement>('auth-password').value,
      $<HTMLInputElement>('auth-name').value.trim(),
    );
    await route();
  } catch (error) {
    $('auth-error').textContent = (error as Error).message;
  }
});

$('logout').addEventListener('click', async () => {
  await logout();
  location.hash = '';
  showAuth();
});

$('new-note-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>('new-note-title');
  try {
    const note = await api.createNote(input.value.trim() || 'Untitled');
    input.value = '';
    await refreshNotes();
    navigate(`#/note/${note.id}`);
  } catch (error) {
    showError(`Could not create the note: ${(error as Error).message}`);
  }
});

window.addEventListener('hashchange', () => void route());
void route();
