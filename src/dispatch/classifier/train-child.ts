/**
 * The classifier's training process (see training.ts). The server sends the
 * training cases page by page and each page is acknowledged once featurised,
 * so at most one page is in flight; the texts are dropped as soon as they are
 * hashed. Then it trains (tuning, measuring, fitting) and sends the model
 * back as bytes. The server's event loop and memory take no part in it.
 */
import { RowSink, type TrainOptions, type TrainingRow } from './trainer.ts';

type Message = { type: 'start'; options: TrainOptions } | { type: 'rows'; rows: TrainingRow[] } | { type: 'train' };

let sink: RowSink | undefined;
let options: TrainOptions | undefined;
const send = (m: unknown) => process.send!(m);

process.on('message', (m: Message) => {
  void (async () => {
    try {
      if (m.type === 'start') {
        options = m.options;
        sink = new RowSink(m.options.kind);
        send({ type: 'ack' });
      } else if (m.type === 'rows') {
        sink!.add(m.rows);
        send({ type: 'ack', size: sink!.size });
      } else if (m.type === 'train') {
        const outcome = await sink!.train(options!, { log: (msg) => send({ type: 'log', msg }) });
        const { model, ...rest } = outcome;
        send({ type: 'done', outcome: rest, model: model ? new Uint8Array(model.toBuffer()) : undefined, peakRssMb: process.resourceUsage().maxRSS / 1024 });
      }
    } catch (err) {
      send({ type: 'error', error: (err as Error)?.stack ?? String(err) });
    }
  })();
});
// the server went away: nothing left to train for
process.on('disconnect', () => process.exit(0));
