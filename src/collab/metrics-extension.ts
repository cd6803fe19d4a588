import type { afterLoadDocumentPayload, Extension } from '@hocuspocus/server';
import type { Metrics } from '../observability/metrics.ts';

/** Document-level series; socket-level ones (open connections) are kept by the socket wiring. */
export class MetricsExtension implements Extension {
  extensionName = 'Metrics';
  private readonly metrics: Metrics;
  // A plain listener on the document rather than an `onChange` hook: Hocuspocus runs every hook
  // through a promise chain, which for a counter bump on every update cost more than the bump.
  private readonly countApplied = () => this.metrics.collabUpdatesApplied.inc();

  constructor(metrics: Metrics) {
    this.metrics = metrics;
  }

  async afterLoadDocument({ document }: afterLoadDocumentPayload): Promise<void> {
    this.metrics.collabDocuments.inc();
    document.on('update', this.countApplied);
  }

  async afterUnloadDocument(): Promise<void> {
    this.metrics.collabDocuments.dec();
  }
}
