/**
 * ClusterRoleAggregationController (k8s.io/kubernetes pkg/controller/clusterroleaggregation): a
 * ClusterRole with an aggregationRule gets, as its rules, the rules of every ClusterRole its
 * selectors match (by name, each rule once). That is how `admin`, `edit` and `view` grow with
 * the `aggregate-to-*` roles, and how custom roles join them.
 */
import { StatusError } from '../apierrors';
import { isPlainObject, type KubeObject } from '../meta/object';
import type { RequestContext } from '../registry/context';
import { deepEqual } from '../registry/equal';
import type { Store } from '../registry/store';
import { labelSelectorFromObject, type LabelSelectorObject } from '../selectors/labels';
import type { Logger } from '../server/status';
import { Informer } from './informer';

const SYSTEM: RequestContext = { namespace: '', user: { name: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller', groups: ['system:masters', 'system:authenticated'] } };
/** MAX_START_PASSES bounds the start-up passes over chains of aggregated roles. */
const MAX_START_PASSES = 10;
/** RETRY_MS is how soon a failed sync is tried again. */
const RETRY_MS = 1_000;

export class ClusterRoleAggregationController {
  private readonly informer: Informer<KubeObject>;
  private scheduled = false;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    this.informer = new Informer(store, (o) => o);
  }

  /** start syncs every aggregated role now and after every ClusterRole change. */
  async start(): Promise<void> {
    this.informer.start();
    this.informer.onChange(() => this.enqueue());
    // Aggregated roles may aggregate each other (admin <- edit <- view): repeat until settled.
    try {
      for (let pass = 0; pass < MAX_START_PASSES && (await this.syncAll()); pass++);
    } catch (e) {
      // Another server sharing the storage may be writing the same roles: settle later.
      this.log.error('clusterrole aggregation failed', e);
      this.enqueue(RETRY_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    this.informer.stop();
    if (this.timer) clearTimeout(this.timer);
  }

  /** idle resolves once queued syncs have run (tests, start-up). */
  async idle(): Promise<void> {
    while (this.scheduled) await new Promise((r) => setImmediate(r));
    await this.running;
  }

  private enqueue(delay = 0): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    this.timer = setTimeout(() => {
      this.scheduled = false;
      this.running = this.running.then(() =>
        this.syncAll().then(() => undefined, (e: unknown) => {
          this.log.error('clusterrole aggregation failed', e);
          this.enqueue(RETRY_MS);
        }),
      );
    }, delay);
  }

  /** syncAll recomputes every aggregated ClusterRole (the set is small; dependencies are unknown); true when one changed. */
  async syncAll(): Promise<boolean> {
    let changed = false;
    for (const role of this.informer.list('')) {
      if (this.stopped) return false;
      if (!isPlainObject(role.aggregationRule)) continue;
      if (await this.sync(role)) changed = true;
    }
    return changed;
  }

  private async sync(role: KubeObject): Promise<boolean> {
    const rules = this.aggregate(role);
    const current = Array.isArray(role.rules) ? role.rules : [];
    if (deepEqual(rules, current)) return false;
    try {
      await this.store.update(SYSTEM, role.metadata.name ?? '', (cur) => {
        if (!cur) throw new StatusError(404, 'NotFound', 'gone');
        const next = { ...cur };
        if (rules.length) next.rules = rules;
        else delete next.rules;
        return next;
      });
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return false;
      throw e;
    }
    return true;
  }

  /** aggregate collects the rules of the roles the selectors match, each rule once, roles by name. */
  aggregate(role: KubeObject): unknown[] {
    const agg = role.aggregationRule as { clusterRoleSelectors?: LabelSelectorObject[] };
    const rules: unknown[] = [];
    for (const selectorObject of agg.clusterRoleSelectors ?? []) {
      let selector;
      try {
        selector = labelSelectorFromObject(selectorObject);
      } catch {
        continue;
      }
      const matching = this.informer
        .list('')
        .filter((r) => r.metadata.name !== role.metadata.name && selector.matches(r.metadata.labels))
        .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
      for (const r of matching) {
        for (const rule of Array.isArray(r.rules) ? r.rules : []) if (!rules.some((x) => deepEqual(x, rule))) rules.push(rule);
      }
    }
    return rules;
  }
}
