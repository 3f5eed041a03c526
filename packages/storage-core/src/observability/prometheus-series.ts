import type { BoundCounter, BoundGauge, BoundHistogram } from './metrics.js';

/** One value line of prom-client's metric format. */
export interface PromValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

/** prom-client's "metric object": what a Registry formats on scrape. */
export interface PromMetricObject {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly values: PromValue[];
  readonly aggregator: 'sum';
}

/**
 * A metric whose bound series are plain number fields: the hot path is one addition, and prom-client
 * formats the values only when scraped (prom-client's own children re-hash labels on every call).
 */
export abstract class BoundSeriesMetric<Labels extends object, Series> {
  readonly #series = new Map<string, { labels: Labels; series: Series }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: PromMetricObject['type'],
  ) {}

  protected abstract create(): Series;
  protected abstract values(labels: Labels, series: Series): PromValue[];

  protected series(labels: Labels): Series {
    const key = JSON.stringify(Object.values(labels));
    let found = this.#series.get(key);
    if (found === undefined) {
      found = { labels: { ...labels }, series: this.create() };
      this.#series.set(key, found);
    }
    return found.series;
  }

  /** Called by prom-client's Registry on scrape. */
  get(): PromMetricObject {
    const values: PromValue[] = [];
    for (const { labels, series } of this.#series.values()) values.push(...this.values(labels, series));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }

  /** Called by `registry.resetMetrics()`. */
  reset(): void {
    this.#series.clear();
  }
}

class CounterSeries implements BoundCounter, BoundGauge {
  value = 0;
  inc(value = 1): void {
    this.value += value;
  }
  set(value: number): void {
    this.value = value;
  }
}

/** A counter (or gauge) with bound series. */
export class FastCounter<Labels extends object> extends BoundSeriesMetric<Labels, CounterSeries> {
  bind(labels: Labels): CounterSeries {
    return this.series(labels);
  }
  protected create(): CounterSeries {
    return new CounterSeries();
  }
  protected values(labels: Labels, series: CounterSeries): PromValue[] {
    return [{ labels: labels as Record<string, string>, value: series.value }];
  }
}

class HistogramSeries implements BoundHistogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]! += 1;
        return;
      }
    }
  }
}

/** A histogram with bound series; buckets are cumulated on scrape. */
export class FastHistogram<Labels extends object> extends BoundSeriesMetric<Labels, HistogramSeries> {
  readonly #bounds: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[]) {
    super(name, help, 'histogram');
    this.#bounds = [...buckets].sort((a, b) => a - b);
  }
  bind(labels: Labels): HistogramSeries {
    return this.series(labels);
  }
  protected create(): HistogramSeries {
    return new HistogramSeries(this.#bounds);
  }
  protected values(labels: Labels, series: HistogramSeries): PromValue[] {
    const base = labels as Record<string, string>;
    const out: PromValue[] = [];
    let cumulative = 0;
    this.#bounds.forEach((le, i) => {
      cumulative += series.counts[i]!;
      out.push({ labels: { ...base, le }, value: cumulative, metricName: `${this.name}_bucket` });
    });
    out.push({ labels: { ...base, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
    out.push({ labels: base, value: series.sum, metricName: `${this.name}_sum` });
    out.push({ labels: base, value: series.count, metricName: `${this.name}_count` });
    return out;
  }
}
