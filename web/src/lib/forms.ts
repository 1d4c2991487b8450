import type { FormInstance } from 'antd';
import { ApiError } from '../api/client.ts';

/**
 * Puts each `errors[].field` of a problem+json answer next to the matching form
 * field ("reporter.phone" -> ['reporter','phone'], "attachmentIds.0" -> ['attachmentIds']).
 * `alias` maps API field names to form names where they differ.
 * Returns the messages no field could take, for a banner above the form.
 */
export function applyServerErrors(form: FormInstance, err: unknown, alias: Record<string, string | (string | number)[]> = {}): string[] {
  if (!(err instanceof ApiError)) return [err instanceof Error ? err.message : String(err)];
  const leftovers: string[] = [];
  const known = new Set<string>();
  const all = form.getFieldsValue(true) as Record<string, unknown>;
  collectPaths(all, [], known);
  const fields: { name: (string | number)[]; errors: string[] }[] = [];
  for (const fe of err.fieldErrors) {
    let path: (string | number)[] | undefined;
    const a = alias[fe.field];
    if (a) path = Array.isArray(a) ? a : a.split('.');
    else {
      const parts = fe.field.split('.');
      // Drop trailing array indices: the error belongs to the list's input.
      while (parts.length > 1 && /^\d+$/.test(parts[parts.length - 1])) parts.pop();
      for (let n = parts.length; n > 0 && !path; n--) {
        const cand = parts.slice(0, n).join('.');
        if (known.has(cand) || form.getFieldInstance(parts.slice(0, n))) path = parts.slice(0, n);
      }
    }
    if (path) {
      const existing = fields.find((f) => f.name.join('.') === path!.join('.'));
      if (existing) existing.errors.push(fe.message);
      else fields.push({ name: path, errors: [fe.message] });
    } else leftovers.push(`${fe.field}: ${fe.message}`);
  }
  if (fields.length) {
    form.setFields(fields);
    // Focus the first field that the server refused.
    try {
      form.scrollToField(fields[0].name, { block: 'center', focus: true });
    } catch {
      /* not focusable */
    }
  }
  if (!err.fieldErrors.length || (!fields.length && !leftovers.length)) leftovers.push(err.message);
  return leftovers;
}

function collectPaths(v: unknown, prefix: string[], out: Set<string>) {
  if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !('$d' in (v as object))) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out.add([...prefix, k].join('.'));
      collectPaths(x, [...prefix, k], out);
    }
  }
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const fe = err.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('；');
    return fe && !err.message.includes(fe) ? `${err.message}（${fe}）` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
