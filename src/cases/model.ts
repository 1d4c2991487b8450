import { z } from 'zod';
import { JsonObject, Timestamp, Geometry } from '../platform/schemas.ts';
import { STATUSES } from './lifecycle.ts';
import { CASE_TYPES, CHANNELS, LIST_SORTS, URGENCIES, WARNINGS, type CaseType, type Channel, type Urgency } from './vocabulary.ts';

// The channels, case types and urgencies live in vocabulary.ts (shared with the web console); re-exported here.
export { CASE_TYPES, CHANNELS, URGENCIES, type CaseType, type Channel, type Urgency };

export const CHANNEL_LABELS: Record<Channel, string> = {
  hotline: '12345 热线',
  grid: '网格上报',
  web: '网站',
  wechat: '微信',
  police110: '110 转办',
  enterprise: '企业诉求',
  api: '接口',
};

export const CASE_TYPE_LABELS: Record<CaseType, string> = {
  consultation: '咨询',
  help: '求助',
  complaint: '投诉',
  report: '举报',
  suggestion: '建议',
  praise: '表扬',
};

export const URGENCY_LABELS: Record<Urgency, string> = { normal: '一般', urgent: '紧急' };

const MOBILE_OR_LANDLINE = /^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{3,8})$/;

export const REPORTER = z.strictObject({
  name: z.string().trim().min(1).max(50).nullish(),
  phone: z.string().trim().regex(MOBILE_OR_LANDLINE, '电话号码格式不正确 (not a phone number)').nullish(),
  confidential: z.boolean().default(false),
});

export const LOCATION = z
  .strictObject({
    address: z.string().trim().max(300).nullish(),
    lng: z.number().min(-180).max(180).nullish(),
    lat: z.number().min(-90).max(90).nullish(),
    gridId: z.uuid().nullish(),
    divisionCode: z.string().regex(/^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$/, '行政区划代码格式不正确 (not a division code)').nullish(),
  })
  .refine((l) => (l.lng == null) === (l.lat == null), { message: '经度和纬度须同时提供 (give both lng and lat)', path: ['lat'] });

export const CREATE_CASE = z.strictObject({
  channel: z.enum(CHANNELS).optional(),
  type: z.enum(CASE_TYPES),
  categoryCode: z.string().max(20).nullish(),
  urgency: z.enum(URGENCIES).default('normal'),
  title: z.string().trim().min(2, '标题至少 2 个字 (at least 2 characters)').max(200),
  description: z.string().trim().min(2, '描述至少 2 个字 (at least 2 characters)').max(10000),
  reporter: REPORTER.optional(),
  location: LOCATION.optional(),
  attachmentIds: z.array(z.uuid()).max(20).default([]),
  externalRef: z.string().max(100).nullish(),
});
export type CreateCaseInput = z.infer<typeof CREATE_CASE>;

const VERSION = z.number().int().min(1).optional().describe('expected case version (optimistic concurrency); 409 if the case changed');
const COMMENT = z.string().trim().max(5000);
const ATTACHMENTS = z.array(z.uuid()).max(20).default([]);

/** Body of each lifecycle action endpoint. */
export const ACTION_BODIES = {
  dispatch: z.strictObject({ leadUnitId: z.uuid(), assistUnitIds: z.array(z.uuid()).max(20).default([]), comment: COMMENT.optional(), version: VERSION }),
  accept: z.strictObject({ comment: COMMENT.optional(), version: VERSION }),
  return: z.strictObject({ comment: COMMENT.min(2, '请填写退单理由 (give the reason)'), version: VERSION }),
  start: z.strictObject({ comment: COMMENT.optional(), version: VERSION }),
  reply: z.strictObject({ reply: z.string().trim().min(2, '请填写答复内容 (give the reply)').max(10000), comment: COMMENT.optional(), attachmentIds: ATTACHMENTS, version: VERSION }),
  verify: z.strictObject({
    solved: z.boolean(),
    closeUnsolved: z
      .boolean()
      .optional()
      .describe('with solved=false: nothing more can be done (explained to the citizen); close as unsolved instead of sending it back'),
    comment: COMMENT.optional(),
    version: VERSION,
  }),
  close: z.strictObject({ comment: COMMENT.optional(), version: VERSION }),
  close_directly: z.strictObject({
    reply: z.string().trim().min(2).max(10000),
    articleId: z.uuid().optional().describe('the knowledge article the answer cites'),
    comment: COMMENT.optional(),
    attachmentIds: ATTACHMENTS,
    version: VERSION,
  }),
  rate: z.strictObject({ rating: z.number().int().min(1).max(5), comment: COMMENT.optional(), version: VERSION }),
  reopen: z.strictObject({ comment: COMMENT.min(2, '请填写重办理由 (give the reason)'), leadUnitId: z.uuid().optional(), version: VERSION }),
  cancel: z.strictObject({ comment: COMMENT.min(2, '请填写作废理由 (give the reason)'), duplicateOf: z.uuid().optional(), version: VERSION }),
  transfer_police: z.strictObject({ comment: COMMENT.min(2), externalRef: z.string().max(100).optional(), version: VERSION }),
  urge: z.strictObject({ comment: COMMENT.optional(), version: VERSION }),
  supervise: z.strictObject({ comment: COMMENT.min(2, '请填写督办意见 (give instructions)'), version: VERSION }),
  note: z.strictObject({ comment: COMMENT.min(1), attachmentIds: ATTACHMENTS, version: VERSION }),
  arrive: z.strictObject({ comment: COMMENT.optional(), attachmentIds: ATTACHMENTS, version: VERSION }),
  request_extension: z.strictObject({
    duration: z.string().regex(/^\d{1,5}(m|h|d)$/, '延期时长如 3d、4h (a number and m, h or d)'),
    comment: COMMENT.min(2, '请填写延期理由 (give the reason)'),
    version: VERSION,
  }),
  decide_extension: z.strictObject({ approve: z.boolean(), comment: COMMENT.optional(), version: VERSION }),
  summon: z.strictObject({ unitIds: z.array(z.uuid()).min(1).max(20), comment: COMMENT.min(2, '请说明吹哨事由 (say what is needed)'), version: VERSION }),
  report: z.strictObject({ comment: COMMENT.optional(), version: VERSION }),
  merge: z.strictObject({ duplicateOf: z.uuid(), comment: COMMENT.optional(), version: VERSION }),
  unmerge: z.strictObject({ comment: COMMENT.min(2, '请说明取消合并的理由 (say why)'), version: VERSION }),
  assist_reply: z.strictObject({ reply: z.string().trim().min(2).max(10000), comment: COMMENT.optional(), attachmentIds: ATTACHMENTS, version: VERSION }),
} as const;

export { WARNINGS, LIST_SORTS, type ListSort } from './vocabulary.ts';
/** Counting stops here: a queue badge reads "10000+" rather than scanning millions of rows. */
export const TOTAL_CAP = 10_000;

/** A list filter: repeated query parameters or one comma-separated value, each one of `values`. */
export const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .union([z.array(z.enum(values)), z.string()])
    .transform((v, c) => {
      const arr = Array.isArray(v) ? v : v.split(',').filter(Boolean);
      for (const x of arr)
        if (!(values as readonly string[]).includes(x)) {
          c.addIssue({ code: 'custom', message: `unknown value ${x}; one of ${values.join(', ')}` });
          return z.NEVER;
        }
      return arr as T[];
    })
    .optional();

/**
 * Case filters the case list and the map share (the same fields, the same
 * checks); each endpoint adds its own. caseFilterWhere turns them into SQL.
 */
export const CASE_FILTERS = {
  status: csv(STATUSES),
  channel: csv(CHANNELS),
  type: csv(CASE_TYPES),
  urgency: csv(URGENCIES),
  gridId: z.uuid().optional(),
  createdFrom: z.iso.datetime({ offset: true }).optional(),
  createdTo: z.iso.datetime({ offset: true }).optional(),
};

export const LIST_CASES = z.strictObject({
  ...CASE_FILTERS,
  unitId: z.uuid().optional().describe('lead or assisting unit'),
  divisionCode: z.string().regex(/^\d{2,12}$/).optional().describe('division code prefix'),
  categoryCode: z.string().max(20).optional().describe('category code prefix (a whole branch)'),
  updatedFrom: z.iso.datetime({ offset: true }).optional(),
  updatedTo: z.iso.datetime({ offset: true }).optional(),
  q: z.string().trim().max(100).optional().describe('text in number, title, description or address'),
  mine: z.enum(['true', 'false']).optional().describe('only cases I handle or reported'),
  warning: csv(WARNINGS).describe('time-limit warning: yellow (near the limit), red (past it), none'),
  sort: z
    .enum(LIST_SORTS)
    .default('created_desc')
    .describe('created_desc (newest first, default), created_asc, updated_desc, due_asc (nearest deadline first, none last), urgency (urgent first, then newest)'),
  withTotal: z.enum(['true', 'false']).optional().describe(`also count the matches: total, exact up to ${TOTAL_CAP}, beyond that totalCapped is true`),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListCasesQuery = z.infer<typeof LIST_CASES>;

export const STATUS_ENUM = z.enum(STATUSES);

// --- Response schemas: what the case API answers (declared on each route; keys not named here never leave the server) ---

const UnitRef = z.object({ id: z.string().nullable(), name: z.string().nullable() });

/** The running clock (时限) of a case and its warning. */
export const DeadlineSchema = z.object({
  clock: z.string().nullable().describe('dispatch | accept | arrive | reply | verify'),
  dueAt: Timestamp.nullable(),
  warnAt: Timestamp.nullable(),
  warning: z.enum(WARNINGS),
  escalated: z.boolean(),
  acceptDueAt: Timestamp.nullable(),
  replyDueAt: Timestamp.nullable(),
  returnDueAt: Timestamp.nullable(),
  extensionCount: z.number(),
  pendingExtension: z
    .object({ duration: z.string(), reason: z.string().optional(), requestedAt: z.string().optional(), requestedBy: z.string().optional() })
    .nullable(),
});

/** A case as the console sees it (caseView in service.ts); the reporter masked unless the caller may see them. */
export const CaseViewSchema = z.object({
  id: z.string(),
  no: z.string(),
  channel: z.string().describe(CHANNELS.join(' | ')),
  channelLabel: z.string().optional(),
  type: z.string().describe(CASE_TYPES.join(' | ')),
  typeLabel: z.string().optional(),
  categoryCode: z.string().nullable(),
  categoryName: z.string().optional(),
  urgency: z.string().describe(URGENCIES.join(' | ')),
  urgencyLabel: z.string().optional(),
  title: z.string(),
  description: z.string(),
  reporter: z.object({ name: z.string().nullable(), phone: z.string().nullable(), confidential: z.boolean(), masked: z.boolean() }),
  location: z.object({
    address: z.string().nullable(),
    lng: z.number().nullable(),
    lat: z.number().nullable(),
    gridId: z.string().nullable(),
    gridName: z.string().optional(),
    divisionCode: z.string().nullable(),
    divisionName: z.string().optional(),
  }),
  status: z.enum(STATUSES),
  statusLabel: z.string().optional(),
  leadUnitId: z.string().nullable(),
  leadUnitName: z.string().optional(),
  assistUnitIds: z.array(z.string()),
  handlerUserId: z.string().nullable(),
  reply: z.string().nullable(),
  solved: z.boolean().nullable(),
  rating: z.number().nullable(),
  ratingComment: z.string().nullable(),
  duplicateOf: z.string().nullable(),
  externalRef: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  closedAt: Timestamp.nullable(),
  version: z.number(),
  /** The running clock (时限) and its warning. */
  deadline: DeadlineSchema.optional(),
  returnCount: z.number().optional(),
  mergedCount: z.number().optional(),
  needsArbitration: z.boolean().optional(),
});

/** An attachment of a case, as listed with it. */
export const CaseAttachmentSchema = z.object({ id: z.string(), filename: z.string(), mime: z.string(), size: z.number(), createdAt: Timestamp });

/** What POST /api/attachments answers. */
export const UploadedAttachmentSchema = z.object({ id: z.string(), filename: z.string(), mime: z.string(), size: z.number(), sha256: z.string() });

/** One step of a case's timeline (the append-only case_events). */
export const TimelineEventSchema = z.object({
  seq: z.number(),
  at: Timestamp,
  action: z.string(),
  actionLabel: z.string(),
  fromStatus: z.enum(STATUSES).nullable(),
  toStatus: z.enum(STATUSES),
  comment: z.string().nullable(),
  /** What the action recorded besides the comment: free-form by action. */
  data: JsonObject.nullable(),
  attachmentIds: z.array(z.string()).nullable(),
  actor: UnitRef.nullable(),
  actorUnit: UnitRef.nullable(),
});

/** A unit summoned to a case (吹哨报到) or assisting it. */
export const SummonSchema = z.object({
  unitId: z.string(),
  unitName: z.string(),
  summonedAt: Timestamp,
  dueAt: Timestamp.nullable(),
  reportedAt: Timestamp.nullable(),
  answeredAt: Timestamp.nullable(),
  answer: z.string().nullable().optional(),
});

/** GET /api/cases/:ref and every action's answer: the case, its timeline and what the caller may do now. */
export const CaseDetailSchema = CaseViewSchema.extend({
  assistUnits: z.array(z.object({ id: z.string(), name: z.string() })),
  attachments: z.array(CaseAttachmentSchema),
  summons: z.array(SummonSchema),
  /** Actions this user may take now. */
  availableActions: z.array(z.string()),
  timeline: z.array(TimelineEventSchema),
});

/** GET /api/cases */
export const CaseListSchema = z.object({
  items: z.array(CaseViewSchema),
  nextCursor: z.string().nullable(),
  /** With withTotal=true: the number of matches, exact up to TOTAL_CAP (then totalCapped). */
  total: z.number().optional(),
  totalCapped: z.boolean().optional(),
});

export const CategorySchema = z.object({
  code: z.string(),
  name: z.string(),
  parentCode: z.string().nullable(),
  level: z.number(),
  sort: z.number(),
  active: z.boolean(),
});

const Labelled = z.array(z.object({ value: z.string(), label: z.string() }));
/** GET /api/meta */
export const MetaSchema = z.object({ statuses: Labelled, actions: Labelled, channels: Labelled, types: Labelled, urgencies: Labelled });

/** GET /api/map/cases: compact tuples [id, no, lng, lat, status, warning, categoryCode]. */
export const MapCasesSchema = z.object({
  total: z.number(),
  located: z.number(),
  shown: z.number(),
  truncated: z.boolean(),
  limit: z.number(),
  points: z.array(z.tuple([z.string(), z.string(), z.number(), z.number(), z.string(), z.string(), z.string().nullable()])),
});

export type MapCases = z.output<typeof MapCasesSchema>;

/** GET /api/map/density: cells as [lng, lat, count]. */
export const MapDensitySchema = z.object({ cell: z.number(), total: z.number(), max: z.number(), cells: z.array(z.array(z.number())) });

/** GET /api/map/cases/:ref: a map point's popup (no personal data). */
export const MapPointSchema = z.object({
  id: z.string(),
  no: z.string(),
  title: z.string(),
  status: z.enum(STATUSES),
  statusLabel: z.string(),
  warning: z.enum(WARNINGS),
  dueAt: Timestamp.nullable(),
  categoryCode: z.string().nullable(),
  categoryName: z.string().nullable(),
  address: z.string().nullable(),
  createdAt: Timestamp,
  gridName: z.string().nullable(),
  leadUnitName: z.string().nullable(),
  urgency: z.enum(URGENCIES),
});

/** GET /api/client-config */
export const ClientConfigSchema = z.object({
  map: z.object({
    /** Leaflet URL template ({z}/{x}/{y}, optional {s}); null = no base tiles, a plain background. */
    tileUrl: z.string().nullable(),
    attribution: z.string(),
    /** [lng, lat] where the map opens when it has nothing to fit; null = unknown. */
    center: z.tuple([z.number(), z.number()]).nullable(),
    zoom: z.number().nullable(),
  }),
});

/** A grid outline for the citizen map pick (names and shapes only). */
export const PublicGridSchema = z.object({ id: z.string(), code: z.string(), name: z.string(), geometry: Geometry });

// Types of the answers as the server hands them over (dates as Date or string); the console reads them through Json<>.
export type DeadlineOut = z.output<typeof DeadlineSchema>;
export type CaseViewOut = z.output<typeof CaseViewSchema>;
export type CaseAttachmentOut = z.output<typeof CaseAttachmentSchema>;
export type TimelineEventOut = z.output<typeof TimelineEventSchema>;
export type CaseDetailOut = z.output<typeof CaseDetailSchema>;
export type CaseListOut = z.output<typeof CaseListSchema>;
export type CategoryOut = z.output<typeof CategorySchema>;
export type MetaOut = z.output<typeof MetaSchema>;
export type MapPointOut = z.output<typeof MapPointSchema>;
export type ClientConfigOut = z.output<typeof ClientConfigSchema>;
export type PublicGridOut = z.output<typeof PublicGridSchema>;
