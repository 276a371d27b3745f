// The body of a document-rendering thread (templates/render-pool.ts): the renderer's functions, each run by name.
// Each thread keeps its own shaped-run cache (templates/typeset.ts), warmed by the documents it renders.
import { move } from 'piscina';
import { documentRenderer, type DocumentRenderer } from './render';

export type RenderKind = keyof DocumentRenderer;

export interface RenderTask {
  kind: RenderKind;
  data: unknown;
}

/** Runs in the thread: renders one document; the bytes go back transferred, not copied. */
export default async function renderTask({ kind, data }: RenderTask): Promise<Uint8Array> {
  const render = documentRenderer[kind] as (d: unknown) => Promise<Buffer>;
  const pdf = await render(data);
  // a small Buffer may share Node's pool with others: only a Buffer owning its whole ArrayBuffer is handed over
  const own = pdf.byteOffset === 0 && pdf.byteLength === pdf.buffer.byteLength ? new Uint8Array(pdf.buffer) : new Uint8Array(pdf);
  return move(own) as Uint8Array;
}
