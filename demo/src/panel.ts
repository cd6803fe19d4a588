// The side panel: what the server extracted from the open note (links, backlinks, topics). It polls,
// since extraction runs on the server's store, a debounce after the last edit.
import { api, type LinkedNote } from './api.ts';

const POLL_MS = 2000;

function fillList(
  list: HTMLElement,
  items: { key: string; label: string; noteId?: string }[],
  onOpen: (noteId: string) => void,
): void {
  const signature = JSON.stringify(items);
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  list.replaceChildren(
    ...items.map((item) => {
      const li = document.createElement('li');
      li.textContent = item.label;
      li.dataset.key = item.key;
      if (item.noteId) {
        const noteId = item.noteId;
        li.dataset.noteId = noteId;
        li.classList.add('clickable');
        li.addEventListener('click', () => onOpen(noteId));
      }
      return li;
    }),
  );
}

export class LinkPanel {
  private noteId: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly onOpen: (noteId: string) => void;

  constructor(onOpen: (noteId: string) => void) {
    this.onOpen = onOpen;
  }

  show(noteId: string | null): void {
    this.noteId = noteId;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const id of ['links', 'backlinks', 'topics']) fillList(document.getElementById(id)!, [], this.onOpen);
    if (noteId) void this.poll(noteId);
  }

  private async poll(noteId: string): Promise<void> {
    try {
      await this.refresh(noteId);
    } catch (error) {
      document.getElementById('panel-updated')!.textContent = `panel: ${(error as Error).message}`;
    }
    if (this.noteId === noteId) this.timer = setTimeout(() => void this.poll(noteId), POLL_MS);
  }

  private async refresh(noteId: string): Promise<void> {
    const [links, backlinks, topics] = await Promise.all([api.links(noteId), api.backlinks(noteId), api.topics()]);
    if (this.noteId !== noteId) return;
    const refs = (items: LinkedNote[]) =>
      items.map((item) => ({ key: item.note_id, label: item.title || 'Untitled', noteId: item.note_id }));
    fillList(document.getElementById('links')!, refs(links), this.onOpen);
    fillList(document.getElementById('backlinks')!, refs(backlinks), this.onOpen);
    const mine = topics
      .filter((topic) => topic.linked_notes.some((linked) => linked.note_id === noteId))
      .map((topic) => ({ key: topic.slug, label: topic.label }));
    fillList(document.getElementById('topics')!, mine, this.onOpen);
    document.getElementById('panel-updated')!.textContent = `updated ${new Date().toLocaleTimeString()}`;
  }
}
