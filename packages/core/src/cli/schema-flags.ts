/**
 * A kit's option schema as CLI flags, and parsed flags back as options: the CLI's flags
 * are never written by hand, so they cannot drift from what the API and the server take.
 */
import { kebabCase } from '../kit/option-schema';
import type { AnyOptionSchema, OptionSpec } from '../kit/option-schema';
import type { CliOption } from './cli-command';

const PLACEHOLDER: Record<OptionSpec['type'], string> = {
  number: '<n>',
  integer: '<n>',
  boolean: '',
  string: '<value>',
  model: '<id|path|url>',
};

/** The commander attribute a flag string sets: `--det-model <x>` → `detModel`, `--no-cls` → `cls`. */
export function flagAttribute(flags: string): string {
  const long = flags.split(/[ ,|]+/).find((f) => f.startsWith('--')) ?? flags;
  const name = long.replace(/^--/, '').replace(/^no-/, '');
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function isNegated(flags: string): boolean {
  return /(^|[ ,|])--no-/.test(flags);
}

/** The flag string of one option: its own, or `--<kebab-key> <placeholder>`. */
export function flagOf(key: string, spec: OptionSpec): string | undefined {
  if (spec.flag === false) return undefined;
  if (spec.flag !== undefined) return spec.flag;
  const placeholder = spec.choices ? `<${spec.choices.join('|')}>` : PLACEHOLDER[spec.type];
  return `--${kebabCase(key)}${placeholder ? ` ${placeholder}` : ''}`;
}

/** CLI options for every option of `schema` that has a flag. Defaults show as `(default: …)` but are not applied: the kit applies its own. */
export function schemaFlags(schema: AnyOptionSchema): CliOption[] {
  const out: CliOption[] = [];
  for (const [key, spec] of Object.entries(schema)) {
    const flags = flagOf(key, spec);
    if (flags === undefined) continue;
    const negated = isNegated(flags);
    const shown = spec.default !== undefined && !negated ? ` (default: ${String(spec.default)})` : '';
    const option: CliOption = { flags, description: `${spec.description}${shown}` };
    if (spec.type === 'number' || spec.type === 'integer') option.type = spec.type;
    // choices are checked by the schema (one message everywhere), not by commander.
    out.push(option);
  }
  return out;
}

/**
 * The options of `schema` the user set on the command line. A `--no-x` flag counts only
 * when given (commander reports its default `true` otherwise).
 */
export function optionsFromFlags(schema: AnyOptionSchema, flags: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const f = flagOf(key, spec);
    if (f === undefined) continue;
    const value = flags[flagAttribute(f)];
    if (value === undefined) continue;
    if (isNegated(f)) {
      if (value === false) out[key] = false;
      continue;
    }
    out[key] = value;
  }
  return out;
}
