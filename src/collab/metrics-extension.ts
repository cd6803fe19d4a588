import type { Extension } from '@hocuspocus/server';
import type { Metrics } from '../observability/metrics.ts';

/** Document-level series; socket-level ones (open connections) are kept by the socket wiring. */
export class MetricsExtension implements Extension {
  extensionName = 'Metrics';
  private readonly metrics: Metrics;

  constructor(metrics: Metrics) {
    this.metrics = metrics;
  }

  async afterLoadDocument(): Promise<void> {
    this.metrics.collabDocuments.inc();
  }

  async afterUnloadDocument(): Promise<void> {
    this.metrics.collabDocuments.dec();
  }

  async onChange(): Promise<void> {
    this.metrics.collabUpdatesApplied.inc();
  }
}
