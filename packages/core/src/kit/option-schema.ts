/**
 * Kit options described once, as data: the same description validates options from the
 * API, HTTP requests and batch jobs (unknown keys and wrong types get one typed error in
 * every kit) and becomes the kit's CLI flags.
 */
import { InvalidArgumentError } from '../errors';

/** The value types an option can have. */
export type OptionType = 'number' | 'integer' | 'boolean' | 'string' | 'model';

/** One option of a kit. */
export interface OptionSpec {
  /**
   * `model`: a model source — registry id, `.onnx` path, folder with `model.card.json`, or an
   * http(s) URL with its sha256 (`URL#sha256=HEX`). Validated as a string here and resolved
   * by `resolveModel` when the kit loads.
   */
  type: OptionType;
  /** One line for `--help` and the docs. */
  description: string;
  /** Allowed values of a `string` option. */
  choices?: readonly string[];
  /** Inclusive bounds of a number. */
  min?: number;
  max?: number;
  /** The kit's default, shown in `--help` as `(default: …)`; not applied by the schema. */
  default?: string | number | boolean;
  /**
   * The CLI flag. Default: `--<kebab-key> <value>` (or `--<kebab-key>` for booleans). A
   * boolean whose default is true is usually given as `--no-<name>`. `false` keeps the
   * option out of the CLI (API and HTTP only).
   */
  flag?: string | false;
}

/** The options of a kit, by key. */
export type OptionSchema<T extends object = Record<string, unknown>> = { readonly [K in keyof T]-?: OptionSpec };

/** A schema of unknown keys, as generic code (CLI, server) handles it. */
export type AnyOptionSchema = Readonly<Record<string, OptionSpec>>;

/** `maxCandidates` → `max-candidates`. */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function coerce(kit: string, key: string, spec: OptionSpec, value: unknown): unknown {
  const bad = (expected: string): never => {
    throw new InvalidArgumentError(`${kit} option '${key}' must be ${expected}, got ${JSON.stringify(value)}`, {
      details: { kit, option: key, value },
    });
  };
  switch (spec.type) {
    case 'number':
    case 'integer': {
      // Query strings and form fields arrive as text; accept plain decimal numbers.
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n)) bad(spec.type === 'integer' ? 'an integer' : 'a number');
      if (spec.type === 'integer' && !Number.isInteger(n)) bad('an integer');
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        bad(spec.max === undefined ? `>= ${spec.min}` : spec.min === undefined ? `<= ${spec.max}` : `in [${spec.min}, ${spec.max}]`);
      }
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return bad('true or false');
    case 'string':
    case 'model':
      if (typeof value !== 'string' || value === '') bad('a non-empty string');
      if (spec.choices && !spec.choices.includes(value as string)) bad(`one of ${spec.choices.map((c) => `'${c}'`).join(', ')}`);
      return value;
  }
}

/**
 * Checks `options` against `schema` and returns a clean copy: known keys only, numbers and
 * booleans given as text converted, `undefined` values dropped.
 *
 * @param what - Names the options in messages, e.g. `det run` or `ocr`.
 * @throws InvalidArgumentError `E_INVALID_ARGUMENT` for an unknown key (the message lists
 *   the valid ones) or a value of the wrong type or range.
 */
export function checkOptions<T extends object>(what: string, schema: OptionSchema<T>, options: unknown): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`${what} options must be an object, got ${JSON.stringify(options)}`);
  }
  const specs = schema as Record<string, OptionSpec>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const spec = Object.prototype.hasOwnProperty.call(specs, key) ? specs[key] : undefined;
    if (spec === undefined) {
      const valid = Object.keys(specs);
      throw new InvalidArgumentError(
        `Unknown ${what} option '${key}'; ${valid.length > 0 ? `valid options: ${valid.join(', ')}` : 'it takes no options'}`,
        { details: { option: key, valid } },
      );
    }
    out[key] = coerce(what, key, spec, value);
  }
  return out as Partial<T>;
}
