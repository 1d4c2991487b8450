/**
 * RFC 9457 problem details. Every 4xx names the field and the reason, so a
 * client (or a form) can put the message next to the input that caused it.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors: FieldError[] = [],
    readonly type = 'about:blank',
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  toJSON(instance?: string) {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors.length ? { errors: this.errors } : {}),
      ...this.extra,
    };
  }
}

export const badRequest = (detail: string, errors: FieldError[] = []) => new Problem(400, 'Bad Request', detail, errors);
export const invalid = (field: string, message: string) => new Problem(422, 'Unprocessable Content', `${field}: ${message}`, [{ field, message }]);
export const unauthorized = (detail = '请先登录 (sign in first)') => new Problem(401, 'Unauthorized', detail);
export const forbidden = (detail: string) => new Problem(403, 'Forbidden', detail);
export const notFound = (what: string) => new Problem(404, 'Not Found', `${what} not found`);
export const conflict = (detail: string, errors: FieldError[] = [], extra: Record<string, unknown> = {}) =>
  new Problem(409, 'Conflict', detail, errors, 'about:blank', extra);

/** Maps a PostgreSQL error to a problem a client can act on, or undefined if it is ours to fix. */
export function problemFromPg(err: any): Problem | undefined {
  const code = err?.code;
  if (typeof code !== 'string') return undefined;
  const column = camel(err.column ?? columnFromDetail(err.detail) ?? err.constraint ?? 'unknown');
  switch (code) {
    case '23505':
      return conflict(`duplicate value for ${column}`, [{ field: column, message: 'already exists' }]);
    case '23503':
      return invalid(column, 'refers to a record that does not exist');
    case '23502':
      return invalid(column, 'is required');
    case '23514':
      return invalid(column, `violates check ${err.constraint ?? ''}`.trim());
    case '22021':
    case '22P05':
      return badRequest('text contains characters the database cannot store (NUL)');
    case '22P02':
    case '22003':
    case '22007':
    case '22008':
      return badRequest(`invalid value: ${err.message}`);
    default:
      return undefined;
  }
}

function columnFromDetail(detail: unknown): string | undefined {
  if (typeof detail !== 'string') return undefined;
  const m = /^Key \(([^)]+)\)/.exec(detail);
  return m?.[1];
}

/** API fields are camelCase; SQL columns snake_case (category_code -> categoryCode). */
export const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
