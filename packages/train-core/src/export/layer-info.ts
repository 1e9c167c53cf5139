/** Typed reads of a tfjs layer's config and weights, for the layer converters. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { unsupported } from './unsupported';

/** A tfjs layer as the exporter sees it. */
export type TfLayer = tfl.LayersModel['layers'][number];

/** Config of a layer with checked accessors (getConfig() values are untyped JSON). */
export class LayerInfo {
  readonly className: string;
  readonly name: string;
  private readonly config: Record<string, unknown>;

  constructor(readonly layer: TfLayer) {
    this.className = layer.getClassName();
    this.name = layer.name;
    this.config = layer.getConfig() as Record<string, unknown>;
  }

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  number(key: string, fallback?: number): number {
    const v = this.config[key];
    if (typeof v === 'number') return v;
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    throw unsupported(this.className, this.name, `${key}=${JSON.stringify(v)}`);
  }

  /** A pair setting such as kernelSize, strides or dilationRate (a number means both). */
  pair(key: string, fallback?: [number, number]): [number, number] {
    const v = this.config[key];
    if (typeof v === 'number') return [v, v];
    if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return [v[0], v[0]];
    if (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === 'number')) return [v[0] as number, v[1] as number];
    if ((v === undefined || v === null) && fallback) return fallback;
    throw unsupported(this.className, this.name, `${key}=${JSON.stringify(v)}`);
  }

  string(key: string, fallback?: string): string {
    const v = this.config[key];
    if (typeof v === 'string') return v;
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    throw unsupported(this.className, this.name, `${key}=${JSON.stringify(v)}`);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.config[key];
    return typeof v === 'boolean' ? v : fallback;
  }

  raw(key: string): unknown {
    return this.config[key];
  }

  /** Only channels-last models are exported (tfjs' default and the only layout its CPU kernels run). */
  requireChannelsLast(): void {
    const f = this.config.dataFormat;
    if (f !== undefined && f !== null && f !== 'channelsLast') throw unsupported(this.className, this.name, `dataFormat=${String(f)}`);
  }

  /** A weight's values and shape by its short name (`kernel`, `bias`, `gamma`, ...), or null. */
  weight(short: string): { data: Float32Array; shape: number[] } | null {
    for (const w of this.layer.weights) {
      const n = w.originalName ?? w.name;
      if (n === short || n.endsWith(`/${short}`)) {
        return { data: Float32Array.from(w.read().dataSync() as Float32Array), shape: w.shape.map((d) => d as number) };
      }
    }
    return null;
  }

  requireWeight(short: string): { data: Float32Array; shape: number[] } {
    const w = this.weight(short);
    if (!w) throw unsupported(this.className, this.name, `missing weight ${short}`);
    return w;
  }
}
