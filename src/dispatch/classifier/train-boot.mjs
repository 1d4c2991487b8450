// Training process bootstrap: the trainer is TypeScript, so load it through tsx (as dcd-boot.mjs does).
import { register } from 'tsx/esm/api';

register();
await import('./train-child.ts');
