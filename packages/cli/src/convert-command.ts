/**
 * The built-in `modelkit convert` command: `convert tfjs MODEL.json OUT.onnx
 * [--input-shape name=1,416,416,3]...`, core's tfjs graph → ONNX converter for users.
 */
import { stat } from 'node:fs/promises';
import { prepareOutputFile } from '@modelkit/core/cli';
import type { CliCommand, CliIO } from '@modelkit/core/cli';
import { ErrorCodes, ModelkitError } from '@modelkit/core/kit';
import type { OnnxValueInfo } from '@modelkit/core/onnx';

/** Parses `name=1,416,416,3` into `{ name: [1, 416, 416, 3] }` entries (usage error otherwise). */
export function parseInputShapes(specs: readonly string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(spec.trim());
    if (!m) throw new ModelkitError(ErrorCodes.USAGE, `--input-shape must look like name=1,416,416,3, got '${spec}'`);
    shapes[m[1]] = m[2].split(',').map(Number);
  }
  return shapes;
}

function describe(v: OnnxValueInfo): string {
  return `${v.name} ${v.dataType} [${(v.shape ?? []).map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

async function runConvertTfjs(args: string[], o: Record<string, unknown>, io: CliIO): Promise<number> {
  const [modelJson, out] = args;
  if (!modelJson || !out) throw new ModelkitError(ErrorCodes.USAGE, 'convert tfjs: give MODEL.json and OUT.onnx');
  const raw = o.inputShape;
  const specs = raw === undefined ? [] : Array.isArray(raw) ? raw.map(String) : [String(raw)];
  // The converter and onnxruntime load only when a conversion runs, not for every command.
  const { convertTfjsGraphModel } = await import('@modelkit/core/convert');
  const { writeOnnx } = await import('@modelkit/core/onnx');
  const { InferenceSession } = await import('@modelkit/core/session');
  const t0 = performance.now();
  const model = await convertTfjsGraphModel(modelJson, { inputShapes: parseInputShapes(specs) });
  await prepareOutputFile(out);
  await writeOnnx(model, out);
  const size = (await stat(out)).size;
  // Loading it in onnxruntime proves the file is usable, not just well-formed protobuf.
  if (o.check !== false) {
    const session = await InferenceSession.create(out, { threads: 1 });
    await session.release();
  }
  const g = model.graph;
  io.stdout.write(
    [
      `wrote ${out} (${(size / 1024).toFixed(0)} KiB, ${g.nodes.length} nodes, opset ${model.opsetImports.find((i) => i.domain === '')?.version ?? '?'}) in ${(performance.now() - t0).toFixed(0)} ms`,
      ...g.inputs.map((v) => `  input  ${describe(v)}`),
      ...g.outputs.map((v) => `  output ${describe(v)}`),
      '',
    ].join('\n'),
  );
  return 0;
}

/** `convert` with its `tfjs` subcommand, mounted by the CLI next to `models`. */
export const convertCommand: CliCommand = {
  name: 'convert',
  description: 'convert pretrained models from other formats to ONNX',
  subcommands: [
    {
      name: 'tfjs',
      description: 'convert a TensorFlow.js graph model (model.json + weight shards) to ONNX; NHWC inputs and outputs are kept',
      arguments: '<model-json> <out-onnx>',
      options: [
        { flags: '--input-shape <name=dims...>', description: 'static shape of an input, e.g. input_1=1,416,416,3 (repeatable); fixes -1 dims' },
        { flags: '--no-check', description: 'do not load the result in onnxruntime to check it' },
      ],
      run: (args, options, io) => runConvertTfjs(args, options, io),
    },
  ],
};
