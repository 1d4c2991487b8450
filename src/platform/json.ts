/**
 * A server type as the client receives it in JSON. Types only: the web console
 * imports this (`import type`), so nothing of the server reaches its bundle.
 *
 * JSON.stringify turns a Date into its ISO string (Date#toJSON); the other
 * values these types hold (strings, numbers, booleans, null, arrays, plain
 * objects) travel as they are.
 */
export type Json<T> = T extends Date ? string : T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
