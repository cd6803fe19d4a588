// Shows whether what this window typed is on the server: the provider counts an update as synced
// only when the server acknowledged it, which it does after the PostgreSQL commit (docs/collaboration.md).
import { WebSocketStatus, type HocuspocusProvider } from '@hocuspocus/provider';

export type SyncState = 'idle' | 'connecting' | 'synced' | 'unsynced' | 'offline' | 'refused';

const LABELS: Record<SyncState, string> = {
  idle: '—',
  connecting: 'connecting…',
  synced: 'synced',
  unsynced: 'unsynced changes',
  offline: 'offline',
  refused: 'refused',
};

export class SyncIndicator {
  private readonly element: HTMLElement;
  private provider: HocuspocusProvider | null = null;
  private refusedReason = '';
  private socketStatus: string = WebSocketStatus.Disconnected;
  private everConnected = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(element: HTMLElement) {
    this.element = element;
    window.addEventListener('online', () => this.render());
    window.addEventListener('offline', () => this.render());
  }

  track(provider: HocuspocusProvider): void {
    this.provider = provider;
    this.refusedReason = '';
    this.everConnected = false;
    this.socketStatus = WebSocketStatus.Connecting;
    provider.on('status', ({ status }: { status: string }) => {
      this.socketStatus = status;
      if (status === WebSocketStatus.Connected) this.everConnected = true;
      this.render();
    });
    provider.on('synced', () => this.render());
    provider.on('unsyncedChanges', () => this.render());
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => {
      this.refusedReason = reason || 'permission denied';
      this.render();
    });
    // Events cover every transition; the interval only repaints the pending count while offline.
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => this.render(), 1000);
    this.render();
  }

  /** Shows a refusal that happened before any provider existed (the REST read said 404). */
  refuse(reason: string): void {
    this.untrack();
    this.refusedReason = reason;
    this.show('refused', reason);
  }

  untrack(): void {
    this.provider = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.refusedReason = '';
    this.show('idle');
  }

  state(): SyncState {
    const provider = this.provider;
    if (this.refusedReason) return 'refused';
    if (!provider) return 'idle';
    if (!navigator.onLine || (this.everConnected && this.socketStatus !== WebSocketStatus.Connected)) return 'offline';
    if (!this.everConnected) return 'connecting';
    if (!provider.synced || provider.unsyncedChanges > 0) return 'unsynced';
    return 'synced';
  }

  private render(): void {
    const state = this.state();
    const pending = this.provider?.unsyncedChanges ?? 0;
    const detail =
      state === 'refused'
        ? this.refusedReason
        : state === 'offline' && pending > 0
          ? `${pending} change(s) waiting`
          : '';
    this.show(state, detail);
  }

  private show(state: SyncState, detail = ''): void {
    this.element.dataset.state = state;
    this.element.textContent = detail ? `${LABELS[state]} — ${detail}` : LABELS[state];
  }
}
