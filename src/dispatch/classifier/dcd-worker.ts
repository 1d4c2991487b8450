/** Worker thread entry: trains one class of a one-vs-rest model per message (see pool.ts). */
import { parentPort } from 'node:worker_threads';
import { BinaryDcd, type DesignArrays, type SvmOptions } from './dcd.ts';

let w: Float64Array | undefined;

parentPort!.on('message', (m: { design: DesignArrays; xx: Float64Array; k: number; o: SvmOptions }) => {
  try {
    const { design, xx, k, o } = m;
    if (!w || w.length !== design.nFeat) w = new Float64Array(design.nFeat);
    const dcd = new BinaryDcd(design, xx, k, o, w);
    dcd.run(Infinity);
    const out = Float32Array.from(w);
    parentPort!.postMessage({ k, w: out, wb: dcd.wb }, [out.buffer]);
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error)?.stack ?? String(err) });
  }
});
