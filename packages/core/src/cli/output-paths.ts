/**
 * Where a command writes the files it makes for its inputs. Two rules users rely on: an
 * output never overwrites an input, and two inputs never share an output. Each input keeps
 * its path relative to the inputs' common folder (`a/x.jpg` and `b/x.jpg` become
 * `OUT/a/x.det.png` and `OUT/b/x.det.png`); inputs that differ only by extension (`x.jpg`,
 * `x.png`) keep it (`OUT/x.jpg.det.png`).
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { ErrorCodes, ModelkitError } from '../errors';

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return resolve('.');
  let common = dirname(paths[0]).split(sep);
  for (const p of paths.slice(1)) {
    const parts = dirname(p).split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}

/** Plans and checks the output paths of one command run. */
export class OutputPaths {
  /** The output folder, absolute. */
  readonly dir: string;
  private readonly stems = new Map<string, string>();
  private readonly inputs = new Set<string>();
  private readonly claimed = new Map<string, string>();

  /**
   * @param dir - The output folder.
   * @param inputs - Every input of the run (file paths), so names can be planned together.
   */
  constructor(dir: string, inputs: readonly string[]) {
    this.dir = resolve(dir);
    const absolute = [...new Set(inputs.map((i) => resolve(i)))];
    for (const a of absolute) this.inputs.add(realOrResolved(a));
    const base = commonFolder(absolute);
    const byStem = new Map<string, string[]>();
    for (const a of absolute) {
      const rel = relative(base, a);
      const stem = join(dirname(rel), basename(rel, extname(rel)));
      byStem.set(stem, [...(byStem.get(stem) ?? []), a]);
    }
    for (const [stem, files] of byStem) {
      for (const f of files) this.stems.set(f, files.length > 1 ? join(dirname(stem), basename(f)) : stem);
    }
  }

  /**
   * The output path of `input` with `suffix` (e.g. `.det.png`).
   * @throws ModelkitError `E_OUTPUT_CONFLICT` when that path is an input, or another
   *   input's output.
   */
  path(input: string, suffix: string): string {
    const abs = resolve(input);
    const stem = this.stems.get(abs) ?? basename(abs, extname(abs));
    const out = join(this.dir, `${stem}${suffix}`);
    const real = realOrResolved(out);
    if (this.inputs.has(real) || this.inputs.has(out)) {
      throw new ModelkitError(ErrorCodes.OUTPUT_CONFLICT, `Writing ${out} would overwrite an input; choose another output folder (-o)`, {
        details: { input, output: out },
      });
    }
    const owner = this.claimed.get(out);
    if (owner !== undefined && owner !== abs) {
      throw new ModelkitError(ErrorCodes.OUTPUT_CONFLICT, `${input} and ${owner} would both write ${out}`, { details: { input, other: owner, output: out } });
    }
    this.claimed.set(out, abs);
    return out;
  }
}
