/** Reference checks on a graph: what onnxruntime would reject at load time, found early and listed at once. */
import { ErrorCodes, ModelError } from '../errors';
import { dataLengthFor } from './data-types';
import type { OnnxAttributeValue, OnnxGraph } from './types';

function subgraphsOf(value: OnnxAttributeValue): OnnxGraph[] {
  const isGraph = (v: unknown): v is OnnxGraph => typeof v === 'object' && v !== null && 'nodes' in v && 'initializers' in v;
  if (Array.isArray(value)) return (value as unknown[]).filter(isGraph);
  return isGraph(value) ? [value] : [];
}

function check(graph: OnnxGraph, outer: ReadonlySet<string>, path: string, problems: string[]): void {
  const where = path === '' ? '' : `${path}: `;
  const defined = new Set<string>();
  const define = (name: string, what: string): void => {
    if (name === '') return;
    if (defined.has(name)) problems.push(`${where}tensor "${name}" is defined more than once (again by ${what})`);
    defined.add(name);
  };
  // Before IR 4 every initializer was also listed as a graph input: that is not a duplicate.
  const inputNames = new Set(graph.inputs.map((i) => i.name));
  for (const i of graph.inputs) define(i.name, 'a graph input');
  const initNames = new Set<string>();
  for (const t of graph.initializers) {
    if (initNames.has(t.name)) problems.push(`${where}initializer "${t.name}" appears more than once`);
    initNames.add(t.name);
    if (!inputNames.has(t.name)) define(t.name, 'an initializer');
    const expected = dataLengthFor(t.dataType, t.dims);
    if (!t.external && t.data.length !== expected) problems.push(`${where}initializer "${t.name}" has ${t.data.length} values, dims [${t.dims.join(', ')}] need ${expected}`);
  }
  const nodeNames = new Set<string>();
  graph.nodes.forEach((node, index) => {
    const label = `node ${index} "${node.name}" (${node.opType || '?'})`;
    if (node.opType === '') problems.push(`${where}${label} has no op type`);
    if (node.name !== '') {
      if (nodeNames.has(node.name)) problems.push(`${where}node name "${node.name}" is used by more than one node`);
      nodeNames.add(node.name);
    }
    for (const input of node.inputs) {
      if (input !== '' && !defined.has(input) && !outer.has(input)) {
        problems.push(`${where}${label} reads "${input}", which no graph input, initializer or earlier node produces`);
      }
    }
    for (const [attr, value] of Object.entries(node.attributes)) {
      for (const sub of subgraphsOf(value)) check(sub, new Set([...outer, ...defined]), `${path}${label}.${attr}`, problems);
    }
    for (const output of node.outputs) define(output, label);
  });
  for (const o of graph.outputs) {
    if (!defined.has(o.name) && !outer.has(o.name)) problems.push(`${where}graph output "${o.name}" is not produced by anything`);
  }
}

/** Problems with the graph's references (empty when valid): undefined inputs, unproduced outputs, duplicates, bad initializer sizes. Subgraphs see the names of their enclosing scopes. */
export function validateGraph(graph: OnnxGraph): string[] {
  const problems: string[] = [];
  check(graph, new Set(), '', problems);
  return problems;
}

/** Throws `ModelError` `E_MODEL_INVALID` listing every problem `validateGraph` finds. */
export function assertValidGraph(graph: OnnxGraph, name = graph.name): void {
  const problems = validateGraph(graph);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 10).map((p) => `  - ${p}`).join('\n');
  const more = problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : '';
  throw new ModelError(ErrorCodes.MODEL_INVALID, `ONNX graph "${name}" is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${shown}${more}`, { details: { problems } });
}
