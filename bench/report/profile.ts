// Reads a `node --cpu-prof` profile (.cpuprofile) or a `--heap-prof` profile
// (.heapprofile) and names its heaviest functions by self time or self bytes:
// the "why" that goes with a missed target in the report.
import { readFileSync } from 'node:fs';

export interface TopFrame {
  function: string;
  location: string;
  /** Share of all samples (CPU) or of sampled live bytes (heap), 0..1. */
  share: number;
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

// tsx-compiled modules report line 0: then the file alone.
const where = (f: CallFrame) =>
  `${f.url.replace(/^file:\/\//, '').replace(process.cwd(), '.') || '(native)'}${f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''}`;

function top(weights: Map<string, { frame: CallFrame; weight: number }>, total: number, n: number): TopFrame[] {
  return [...weights.values()]
    .sort((a, b) => b.weight - a.weight)
    .slice(0, n)
    .map((w) => ({
      function: w.frame.functionName || '(anonymous)',
      location: where(w.frame),
      share: w.weight / total,
    }));
}

/** Heaviest functions of a CPU profile by self time (idle and GC markers left out of the share's base). */
export function topCpuFrames(path: string, n = 10): TopFrame[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as {
    nodes: { id: number; callFrame: CallFrame; hitCount?: number }[];
  };
  const weights = new Map<string, { frame: CallFrame; weight: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') continue;
    total += hits;
    const key = `${node.callFrame.functionName}|${node.callFrame.url}|${node.callFrame.lineNumber}`;
    const entry = weights.get(key) ?? { frame: node.callFrame, weight: 0 };
    entry.weight += hits;
    weights.set(key, entry);
  }
  return top(weights, Math.max(1, total), n);
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/** Allocation sites in the project's own code holding the most sampled live bytes in a heap profile. */
export function topHeapFrames(path: string, n = 10): TopFrame[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { head: HeapNode };
  const weights = new Map<string, { frame: CallFrame; weight: number }>();
  let total = 0;
  const walk = (node: HeapNode) => {
    const ours = node.callFrame.url.includes('/src/') && !node.callFrame.url.includes('node_modules');
    if (node.selfSize > 0 && ours) {
      total += node.selfSize;
      const key = `${node.callFrame.functionName}|${node.callFrame.url}|${node.callFrame.lineNumber}`;
      const entry = weights.get(key) ?? { frame: node.callFrame, weight: 0 };
      entry.weight += node.selfSize;
      weights.set(key, entry);
    }
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  return top(weights, Math.max(1, total), n);
}
