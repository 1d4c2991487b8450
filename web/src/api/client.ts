/**
 * A thin fetch wrapper for the zhili API. Every error the server sends is
 * application/problem+json (RFC 9457) with `errors[].field`; we keep it whole
 * so a form can put each message next to the input it names.
 */
export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: FieldError[];
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
  }
  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

/** Listeners told when any call answers 401 (the session has ended). */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Do not broadcast a 401 (the sign-in and "who am I" calls expect it). */
  quiet401?: boolean;
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) sp.set(k, v.join(','));
    } else sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body, signal: opts.signal, credentials: 'same-origin' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, { title: 'Network error', detail: '网络连接失败，请检查网络后重试 (network error)' });
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json().catch(() => ({})) : await res.text();
  if (!res.ok) {
    const problem: Problem = typeof data === 'object' && data ? (data as Problem) : { title: res.statusText, detail: String(data).slice(0, 300) };
    if (res.status === 401 && !opts.quiet401) unauthorizedListeners.forEach((fn) => fn());
    throw new ApiError(res.status, { status: res.status, ...problem });
  }
  return data as T;
}

/** A random UUID even on plain-http intranet addresses, where crypto.randomUUID is missing. */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Uploads one file as multipart field "file"; returns the attachment record. */
export async function uploadAttachment(file: File | Blob, filename?: string, signal?: AbortSignal): Promise<Attachment> {
  const fd = new FormData();
  fd.append('file', file, filename ?? (file as File).name ?? 'file');
  return api<Attachment>('/api/attachments', { method: 'POST', body: fd, signal });
}

export interface Attachment {
  id: string;
  filename: string;
  mime: string;
  size: number;
  sha256?: string;
  createdAt?: string;
}

/**
 * Saves a file answer (an export) through the browser, keeping the server's
 * file name (`filename*=UTF-8''…` or `filename="…"`), else `fallbackName`.
 * It goes through fetch rather than a link so a refusal can be shown: a
 * problem+json answer throws an ApiError.
 */
export async function download(path: string, fallbackName: string): Promise<void> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) {
    const problem = await res.json().catch(() => ({ detail: res.statusText }));
    throw new ApiError(res.status, { status: res.status, ...problem });
  }
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const name = star ? decodeURIComponent(star[1]) : (/filename="([^"]+)"/.exec(cd)?.[1] ?? fallbackName);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
