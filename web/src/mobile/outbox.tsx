/**
 * The outbox as React state, and the loop that drains it: on start, when the
 * phone comes back online, every 30 seconds while online, and on demand.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { sendOrder, summarize, type OutboxEntry, type OutboxSummary, type SentRecord } from './queue.ts';
import { listEntries, listSent, onOutboxChange, persistStorage } from './store.ts';
import { syncOutbox, type SyncOptions, type SyncReport } from './sync.ts';

const TICK_MS = 30_000;

interface Outbox {
  entries: OutboxEntry[];
  sent: SentRecord[];
  summary: OutboxSummary;
  online: boolean;
  syncing: boolean;
  lastSyncAt: number | null;
  /** Storage could not be read (private mode, quota): queueing is unavailable. */
  storageError: string | null;
  sync(o?: Omit<SyncOptions, 'userId'>): Promise<SyncReport>;
}

const Ctx = createContext<Outbox | null>(null);

export function useOutbox(): Outbox {
  const v = useContext(Ctx);
  if (!v) throw new Error('useOutbox outside OutboxProvider');
  return v;
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

export function OutboxProvider({ userId, children }: { userId: string; children: ReactNode }) {
  const qc = useQueryClient();
  const online = useOnline();
  const [entries, setEntries] = useState<OutboxEntry[]>([]);
  const [sent, setSent] = useState<SentRecord[]>([]);
  const [syncing, setSyncing] = useState(false);
  const [lastSyncAt, setLastSyncAt] = useState<number | null>(null);
  const [storageError, setStorageError] = useState<string | null>(null);
  const running = useRef(0);

  const reload = useCallback(async () => {
    try {
      const [all, s] = await Promise.all([listEntries(), listSent()]);
      setEntries(sendOrder(all.filter((e) => e.userId === userId)));
      setSent(s);
      setStorageError(null);
    } catch (err) {
      setStorageError(err instanceof Error ? err.message : String(err));
    }
  }, [userId]);

  useEffect(() => {
    void reload();
    void persistStorage();
    return onOutboxChange(() => void reload());
  }, [reload]);

  const sync = useCallback(
    async (o: Omit<SyncOptions, 'userId'> = {}) => {
      running.current++;
      setSyncing(true);
      try {
        const report = await syncOutbox({ ...o, userId });
        setLastSyncAt(Date.now());
        const results = [...(report.results?.values() ?? [])];
        if (results.some((r) => r.kind === 'sent')) {
          // New cases: the lists that show them are out of date.
          void qc.invalidateQueries({ queryKey: ['m'] });
        }
        // A 401 while sending: let the session check send the worker to sign in.
        if (results.some((r) => r.kind === 'kept' && r.entry.state === 'auth')) void qc.invalidateQueries({ queryKey: ['me'] });
        return report;
      } finally {
        if (--running.current === 0) setSyncing(false);
      }
    },
    [userId, qc],
  );

  // Start, reconnect and a slow tick; the lock makes overlapping calls harmless.
  useEffect(() => {
    // Opening the app is a person asking for it: no back-off (and a report held back by an ended session goes now).
    // Offline it would only count a failure and push the next try back.
    if (navigator.onLine) void sync({ force: true }).catch(() => undefined);
    const onOnline = () => void sync({ force: true }).catch(() => undefined);
    window.addEventListener('online', onOnline);
    const timer = setInterval(() => {
      if (navigator.onLine) void sync().catch(() => undefined);
    }, TICK_MS);
    return () => {
      window.removeEventListener('online', onOnline);
      clearInterval(timer);
    };
  }, [sync]);

  const value = useMemo<Outbox>(
    () => ({ entries, sent, summary: summarize(entries, userId), online, syncing, lastSyncAt, storageError, sync }),
    [entries, sent, userId, online, syncing, lastSyncAt, storageError, sync],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
