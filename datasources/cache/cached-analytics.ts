import type {
  ActivitySummary,
  AnalyticsEvent,
  AnalyticsProvider,
  CaptureInput,
  Interval,
  Page,
  PageRequest,
  WriteOptions,
} from '../model.js';
import type { ReadThroughCache } from './read-through.js';

/** The analytics port with read-through caching in front; aggregates are keyed by their window. */
export class CachedAnalytics implements AnalyticsProvider {
  constructor(
    private readonly inner: AnalyticsProvider,
    private readonly cache: ReadThroughCache,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  getEvents(ids: readonly string[]): Promise<Array<AnalyticsEvent | null>> {
    return this.cache.batch('events', ids, (missing) => this.inner.getEvents(missing));
  }

  activityOfContacts(contactIds: readonly string[], since: Date, until: Date): Promise<ActivitySummary[]> {
    const window = `${since.toISOString()}/${until.toISOString()}`;
    return this.cache.batch(
      'activity',
      contactIds.map((id) => `${window}:${id}`),
      (missing) =>
        this.inner.activityOfContacts(
          missing.map((m) => m.slice(window.length + 1)),
          since,
          until,
        ),
    );
  }

  listEvents(page: PageRequest, filter: { contactId: string; name?: string }): Promise<Page<AnalyticsEvent>> {
    return this.cache.call('events', ['events', page, filter], () => this.inner.listEvents(page, filter));
  }

  /**
   * Nothing cached changes yet: PostHog ingests an accepted event some seconds later, so cached
   * activity and event pages catch up when they expire (a minute for events).
   */
  captureEvent(input: CaptureInput, options: WriteOptions): Promise<{ id: string }> {
    return this.inner.captureEvent(input, options);
  }

  activeUsersByBucket(
    since: Date,
    until: Date,
    interval: Interval,
  ): Promise<Array<{ start: Date; count: number }>> {
    return this.cache.call('metrics', ['active-users', since, until, interval], () =>
      this.inner.activeUsersByBucket(since, until, interval),
    );
  }
}
