// Worker bootstrap: the training kernel is TypeScript, so load it through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./dcd-worker.ts');
