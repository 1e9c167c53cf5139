/**
 * Where a command writes the files it makes for its inputs. Two rules users rely on: an
 * output never overwrites an input, and two inputs never share an output. Outputs are
 * named after the input (`street.jpg` → `OUT/street.det.png`); inputs with the same name
 * keep as much of their folder path as tells them apart (`a/x.jpg`, `b/x.jpg` →
 * `OUT/a/x.det.png`, `OUT/b/x.det.png`), and inputs that differ only by extension keep it
 * (`x.jpg`, `x.png` → `OUT/x.jpg.det.png`, `OUT/x.png.det.png`).
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { ErrorCodes, ModelkitError } from '../errors';

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

interface Naming {
  /** Folder levels kept above the file name. */
  depth: number;
  /** Keep the extension in the name. */
  withExt: boolean;
}

function nameOf(file: string, n: Naming): string {
  const folders = dirname(file).split(sep).filter((s) => s !== '');
  const kept = n.depth > 0 ? folders.slice(-n.depth) : [];
  return join(...kept, n.withExt ? basename(file) : basename(file, extname(file)));
}

/** The shortest names that tell the files apart (see the module comment). */
function distinctNames(files: readonly string[]): Map<string, string> {
  const naming = new Map<string, Naming>(files.map((f) => [f, { depth: 0, withExt: false }]));
  for (;;) {
    const groups = new Map<string, string[]>();
    for (const f of files) {
      const key = nameOf(f, naming.get(f)!);
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    let changed = false;
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const sameFolder = group.every((f) => dirname(f) === dirname(group[0]));
      for (const f of group) {
        const n = naming.get(f)!;
        if (sameFolder && !n.withExt) n.withExt = true;
        else if (!sameFolder && n.depth < dirname(f).split(sep).length) n.depth++;
        else continue;
        changed = true;
      }
    }
    if (!changed) return new Map(files.map((f) => [f, nameOf(f, naming.get(f)!)]));
  }
}

/** Plans and checks the output paths of one command run. */
export class OutputPaths {
  /** The output folder, absolute. */
  readonly dir: string;
  private readonly stems: Map<string, string>;
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
    this.stems = distinctNames(absolute);
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
