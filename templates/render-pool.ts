// Documents rendered on threads beside the worker's main thread. Rendering is the largest CPU cost of a worker cycle
// (~20 ms per Arabic page even with shaped runs cached): on the main thread it delays the workflow activations and
// activity completions queued behind it. On a pool the main thread only sends the data and receives the bytes.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { documentRenderer, type DocumentRenderer } from './render';
import type { RenderKind, RenderTask } from './render-thread';

export interface DocumentRendererPool extends DocumentRenderer {
  /** rendering threads (0: rendered on the calling thread) */
  readonly threads: number;
  close(): Promise<void>;
}

/**
 * The thread's module: templates/render-thread.ts beside this file under tsx (development, tests); in the image,
 * esbuild's dist/render-thread.js beside the bundle this code is in (dist/worker.js, scripts/build.ts).
 */
function threadModule(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `render-thread${path.extname(here)}`);
}

/** The default thread count: one core left to the main thread, at most 4. */
export function defaultRenderThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/**
 * A DocumentRenderer whose documents are rendered by `threads` worker threads (0: the in-process renderer).
 * The same functions, the same bytes: only where they run changes.
 */
export function createDocumentRenderer(threads: number): DocumentRendererPool {
  if (threads <= 0) return { ...documentRenderer, threads: 0, close: async () => {} };
  const filename = threadModule();
  // the sources need tsx's loader in the thread too; a process started by tsx passes it on, vitest's does not
  const execArgv = filename.endsWith('.ts') && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;
  const pool = new Piscina<RenderTask, Uint8Array>({
    filename,
    execArgv,
    minThreads: threads,
    maxThreads: threads,
    // no queue limit: the documents waiting are bounded by the worker's activity slots
    // a thread holds fonts and shaped runs worth keeping: never retire it for being idle
    idleTimeout: Number.MAX_SAFE_INTEGER,
  });
  const run = (kind: RenderKind) => async (data: unknown): Promise<Buffer> => {
    const bytes = await pool.run({ kind, data });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  return {
    renderContract: run('renderContract'),
    renderReturnCommitment: run('renderReturnCommitment'),
    renderConvocation: run('renderConvocation'),
    renderPredepartureSheet: run('renderPredepartureSheet'),
    renderEmbarkationManifest: run('renderEmbarkationManifest'),
    renderVisaBatchManifest: run('renderVisaBatchManifest'),
    threads,
    close: async () => {
      await pool.destroy();
    },
  };
}
