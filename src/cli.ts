import { Argument, Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from './platform/config.ts';
import { openDb, type Db } from './platform/db.ts';
import { migrate } from './platform/migrate.ts';
import { BackupError, backupDataDir, restoreDataDir } from './platform/backup.ts';
import { Problem } from './platform/errors.ts';
import { startServer } from './server.ts';
import { seedDemo, type DemoAccount } from './demo/seed.ts';
import { defaultCategories, upsertCategories } from './cases/categories.ts';
import { upsertUser, USER_INPUT } from './org/store.ts';
import { ROLES } from './org/roles.ts';
import { createApiToken } from './org/auth.ts';
import { audit } from './platform/audit.ts';
import { verifyChains } from './platform/chains.ts';
import { applyRetention } from './cases/retention.ts';
import { LocalDiskStorage } from './platform/storage.ts';
import { formatCalendarDays } from './timelimits/index.ts';
import { registerResponsibilityCommands } from './dispatch/responsibility/index.ts';
import { registerGazetteerCommands } from './dispatch/gazetteer/index.ts';
import { registerClassifyCommands } from './dispatch/classifier/index.ts';
import { ensureTimeLimitDefaults, loadCalendar } from './timelimits/store.ts';
import { REGISTER_IO, REGISTERS } from './registers/io.ts';
import {
  FIELDS,
  FORMATS,
  ImportError,
  KINDS,
  exportRows,
  formatOf,
  formatRowError,
  importRows,
  readTable,
  validateRows,
  writeTable,
  type Format,
  type Kind,
} from './org/io.ts';

/** An error meant for the operator: printed without a stack, exits with exitCode. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Opens the configured database, brings its schema up to date, runs fn and closes it again. */
async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDb(config.databaseUrl, { prepare: config.pgPrepare, durable: config.embeddedFsync });
  try {
    const applied = await migrate(db);
    if (applied.length) console.error(`applied ${applied.length} migration${applied.length > 1 ? 's' : ''}`);
    return await fn(db);
  } finally {
    await db.close();
  }
}

function printAccounts(accounts: DemoAccount[]) {
  const lines = accounts.map((a) => `  ${a.username.padEnd(14)} ${a.password.padEnd(12)} ${a.role.padEnd(12)} ${a.displayName}${a.unit ? ` (${a.unit})` : ''}`);
  console.log(`\nDemo accounts (演示账号):\n${lines.join('\n')}\n`);
}

/** Reads a line from the terminal without echoing it. */
function promptSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (s: string) => {
      if (s.startsWith('\u001b')) return; // arrow keys and other escape sequences
      for (const ch of s) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(buf);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new CliError('cancelled', 130));
          return;
        }
        if (ch === '\u007f' || ch === '\b') buf = [...buf].slice(0, -1).join('');
        else if (ch >= ' ') buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** A progress bar on stderr when it is a terminal and the run is long enough to watch. */
function progressBar(label: string) {
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress(done: number, total: number) {
      if (!bar && process.stderr.isTTY && total >= 200) {
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {percentage}% {value}/{total} ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      }
      bar?.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}

const OPTION_OF: Record<string, string> = {
  username: '--username',
  displayName: '--name',
  roles: '--roles',
  unitCode: '--unit',
  scopeCodes: '--scope',
  phone: '--phone',
  password: '--password',
};
const fieldError = (field: string | undefined, message: string) => {
  const base = field?.replace(/[[.].*$/, '');
  return `${field ?? 'input'}${base && OPTION_OF[base] ? ` (${OPTION_OF[base]})` : ''}: ${message}`;
};

const KIND_HELP = Object.entries(FIELDS)
  .map(([kind, fields]) => {
    const cols = Object.entries(fields).map(([f, s]) => `${f}/${s.zh}${s.importOnly ? ' (import only)' : ''}`);
    return `  ${kind.padEnd(10)} ${cols.join(', ')}`;
  })
  .join('\n');

const program = new Command();
program
  .name('zhili')
  .description('zhili 治理: 12345 hotline, grid management and 110 linkage in one closed loop')
  .addHelpText(
    'after',
    `
The database is DATABASE_URL (PostgreSQL) or, when unset, the embedded database in
\${ZHILI_DATA_DIR:-./data}/pglite. Every command brings the schema up to date first.
With the embedded database, stop the server before running import, seed, user add or token add.
数据库取自 DATABASE_URL，未设置时使用 ./data 下的内置数据库；使用内置数据库时请先停止服务再导入。`,
  );

program
  .command('serve')
  .description('start the server (migrates the schema; loads demo data into an empty embedded database)')
  .option('-p, --port <port>', 'port', (v) => Number(v))
  .option('--no-demo', 'do not load demo data')
  .action(async (o) => {
    const overrides: Record<string, unknown> = {};
    if (o.port) overrides.port = o.port;
    if (o.demo === false) overrides.demo = false;
    const server = await startServer({ config: overrides });
    const log = server.ctx.log;
    log.info(`zhili listening on ${server.url} (database: ${server.ctx.db.kind}); API docs at ${server.url}/docs`);
    if (server.demoAccounts.length) printAccounts(server.demoAccounts);
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      log.info(`${signal}: finishing in-flight requests, then stopping`);
      const force = setTimeout(() => process.exit(1), 15_000);
      force.unref();
      await server.close();
      process.exit(0);
    };
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    process.on('SIGINT', () => void shutdown('SIGINT'));
  });

program
  .command('migrate')
  .description('apply pending schema migrations')
  .action(async () => {
    const config = loadConfig();
    const db = await openDb(config.databaseUrl, { prepare: config.pgPrepare, durable: config.embeddedFsync });
    const applied = await migrate(db);
    console.log(applied.length ? `applied ${applied.length} migrations:\n${applied.join('\n')}` : 'schema is up to date');
    await db.close();
  });

program
  .command('seed')
  .description('load the demo county into an empty database 加载演示数据 (refused if any user exists)')
  .addHelpText(
    'after',
    `
Loads the default 12345 category tree (if none is loaded) and the demo data, then
prints the demo accounts. Their passwords are public: never seed a production database.
演示账号的密码是公开的，请勿在生产环境使用。`,
  )
  .action(async () => {
    await withDb(async (db) => {
      const users = await db.query(`SELECT 1 FROM users LIMIT 1`);
      if (users.length)
        throw new CliError('the database already has users; seed loads demo data into an empty database only (数据库中已有用户，不能加载演示数据)');
      const hasCategories = await db.query(`SELECT 1 FROM categories LIMIT 1`);
      if (!hasCategories.length) {
        const n = await db.tx((q) => upsertCategories(q, defaultCategories()));
        console.error(`loaded ${n} default categories`);
      }
      const accounts = await seedDemo(db, { log: (m) => console.error(m) });
      if (accounts.length) {
        printAccounts(accounts);
        console.log('These passwords are public: do not keep demo data on a production system. 演示密码公开，请勿用于生产环境。');
      }
      else console.log('demo data loaded (no demo accounts)');
    });
  });

program
  .command('backup')
  .description('back up the embedded database into FILE 备份内置数据库 (the server must be stopped)')
  .argument('<file>', 'the archive to write (.tar.gz)')
  .addHelpText(
    'after',
    `
Works on a stopped server's data directory (it refuses while a server holds it).
A running server is backed up by an admin with POST /api/admin/backup.
PostgreSQL: use pg_dump or pg_basebackup (README: Backup and restore).`,
  )
  .action(async (file: string) => {
    const config = loadConfig();
    try {
      const r = await backupDataDir(config.databaseUrl, file);
      console.log(`backup written to ${file}: ${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB of data, PostgreSQL ${r.pgVersion} 备份完成`);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  });

program
  .command('restore')
  .description('restore the embedded database from FILE 从备份恢复内置数据库 (into an empty data directory)')
  .argument('<file>', 'an archive made by zhili backup or POST /api/admin/backup')
  .option('--force', 'the data directory is not empty: move it aside (never deleted) and restore')
  .action(async (file: string, o: { force?: boolean }) => {
    const config = loadConfig();
    try {
      const r = await restoreDataDir(file, config.databaseUrl, { force: o.force });
      if (r.movedAside) console.error(`the previous data directory was moved to ${r.movedAside}`);
      console.log(`restored ${file} into ${config.databaseUrl}: ${r.migrations} migrations, ${r.cases} cases 恢复完成`);
    } catch (err) {
      if (err instanceof BackupError) throw new CliError(err.message);
      throw new CliError((err as Error).message);
    }
  });

const user = program.command('user').description('manage user accounts 用户管理');

user
  .command('add')
  .description('create or update a user 创建或更新用户 (the way to make the first admin)')
  .requiredOption('--username <username>', 'sign-in name 用户名 (letters, digits, ._@-)')
  .requiredOption('--name <name>', 'display name 姓名')
  .requiredOption('--roles <roles>', `comma-separated roles 角色: ${ROLES.join(', ')}`)
  .option('--unit <code>', 'code of the unit the user belongs to 所属单位代码')
  .option('--scope <codes>', "division codes of the user's jurisdiction 管辖区划, comma-separated, or * for everything")
  .option('--phone <phone>', 'mobile or landline number 电话')
  .option('--password <password>', 'password 密码 (better: ZHILI_PASSWORD or the prompt; a flag stays in shell history)')
  .option('--inactive', 'create or set the account as disabled 停用')
  .addHelpText(
    'after',
    `
The password comes from --password, else the environment variable ZHILI_PASSWORD,
else a prompt on the terminal (not echoed). It is never printed. Updating an existing
user without a password keeps the current one. All other fields are replaced.

Examples:
  ZHILI_PASSWORD='…' zhili user add --username admin --name 系统管理员 --roles admin --scope '*'
  zhili user add --username op01 --name 张三 --roles operator --unit HL-4306 --scope 4306`,
  )
  .action(async (o) => {
    const raw: Record<string, unknown> = {
      username: o.username,
      displayName: o.name,
      roles: o.roles,
      unitCode: o.unit,
      scopeCodes: o.scope,
      phone: o.phone,
      active: !o.inactive,
    };
    const checked = validateRows('users', [raw]);
    if (checked.errors.length) throw new CliError(checked.errors.map((e) => fieldError(e.field, e.message)).join('\n'));
    const input = checked.valid[0].value as Record<string, any>;

    await withDb(async (db) => {
      if (input.unitCode) {
        const unit = await db.query(`SELECT 1 FROM units WHERE code = $1`, [input.unitCode]);
        if (!unit.length) throw new CliError(fieldError('unitCode', `no unit with code ${input.unitCode} (import units first: zhili import units <file>)`));
      }
      const exists = (await db.query(`SELECT 1 FROM users WHERE username = $1`, [input.username])).length > 0;
      let password: string | undefined = o.password || process.env.ZHILI_PASSWORD || undefined;
      if (!password && process.stdin.isTTY) {
        password = await promptSecret(exists ? `New password for ${input.username} (empty keeps the current one) 新密码: ` : `Password for ${input.username} 密码: `);
        if (password) {
          const again = await promptSecret('Repeat 再次输入: ');
          if (again !== password) throw new CliError('the passwords do not match (两次输入的密码不一致)');
        }
      }
      if (!password && !exists)
        throw new CliError(fieldError('password', 'a new user needs a password: set ZHILI_PASSWORD, pass --password, or run on a terminal to be asked'));
      if (password) {
        const p = USER_INPUT.shape.password.safeParse(password);
        if (!p.success) throw new CliError(fieldError('password', p.error.issues[0].message));
      }
      const r = await db.tx((q) => upsertUser(q, { ...(input as any), password }));
      const scope = input.scopeCodes.length ? input.scopeCodes.join(',') : '(unit only)';
      console.log(
        `${r.created ? 'created' : 'updated'} user ${input.username}: roles ${input.roles.join(',')}; scope ${scope}` +
          `${input.unitCode ? `; unit ${input.unitCode}` : ''}${input.active ? '' : '; inactive'}${password ? '' : '; password unchanged'}`,
      );
    });
  });

const token = program.command('token').description('API tokens for integrations 接口令牌');

token
  .command('add')
  .description('create an API token for a user 创建接口令牌; the token is printed once, as the last line')
  .requiredOption('--username <username>', 'the user the token acts as 令牌所属用户')
  .requiredOption('--name <name>', 'what the token is for 用途 (e.g. "110 联动")')
  .addHelpText(
    'after',
    `
The token acts with the user's roles and jurisdiction. It is shown once (only
its hash is kept): stdout carries nothing else, so it can be captured. Revoke
it in the console or with DELETE /api/tokens/{id}. Works while the server runs.

Example:
  TOKEN=$(zhili token add --username op01 --name 110联动)
  curl -H "Authorization: Bearer $TOKEN" https://zhili.example/api/cases`,
  )
  .action(async (o: { username: string; name: string }) => {
    const name = o.name.trim();
    if (!name || name.length > 100) throw new CliError('name (--name): 1 to 100 characters');
    await withDb(async (db) => {
      const u = await db.query<{ id: string; active: boolean }>(`SELECT id, active FROM users WHERE username = $1`, [o.username]);
      if (!u[0]) throw new CliError(`username (--username): no user ${o.username} (create one first: zhili user add)`);
      if (!u[0].active) throw new CliError(`username (--username): ${o.username} is inactive; a token would not work`);
      const t = await createApiToken(db, u[0].id, name);
      await audit(db, { userId: null, action: 'token_create', entity: 'api_token', entityId: t.id, detail: { username: o.username, via: 'cli' } });
      console.error(`created API token "${name}" for ${o.username} (id ${t.id}); it is shown once, keep it secret:`);
      console.log(t.token);
    });
  });

const auditCmd = program.command('audit').description('the tamper-evident logs 审计日志');
auditCmd
  .command('verify')
  .description('walk every hash chain (case events, register events, audit log) and name the first broken row of each 校验哈希链')
  .addHelpText(
    'after',
    `
Exits 0 when every chain holds, 2 when one is broken (each broken chain printed:
table, chain key, row id and what is wrong: content changed, row missing, reordered).`,
  )
  .action(async () => {
    await withDb(async (db) => {
      const r = await verifyChains(db);
      for (const t of r.tables) console.log(`${t.table}: ${t.rows} rows in ${t.chains} chains`);
      for (const b of r.breaks) console.log(`BROKEN ${b.problem}: ${b.message}`);
      if (!r.ok) throw new CliError(`audit verify: ${r.breaks.length} broken chain${r.breaks.length > 1 ? 's' : ''}`, 2);
      console.log('audit verify: ok');
    });
  });

program
  .command('retention')
  .description('retention and anonymisation policies 保存期限')
  .addArgument(new Argument('<action>', 'apply: apply the policies now').choices(['apply']))
  .option('--dry-run', 'only count what would be anonymised or deleted 仅统计')
  .addHelpText(
    'after',
    `
The policies (retention_policies; README "Audit and retention"): reporters' names
and phones on finished cases, audit log rows, attachments of cancelled cases.
The server applies them daily; this applies them now and prints the counts.`,
  )
  .action(async (_action: string, o: { dryRun?: boolean }) => {
    const config = loadConfig();
    await withDb(async (db) => {
      const log = { warn: (obj: unknown, msg: string) => console.error(`warning: ${msg}`), info: () => {} } as unknown as Parameters<typeof applyRetention>[0]['log'];
      const r = await applyRetention({ db, storage: new LocalDiskStorage(config.filesDir), log }, { dryRun: o.dryRun });
      if (r.skipped) throw new CliError('retention: another instance is applying the policies now; try again later');
      const verb = r.dryRun ? 'would be' : 'were';
      console.log(`retention${r.dryRun ? ' (dry run)' : ''}: ${r.anonymisedCases} cases' reporter details ${verb} removed, ${r.deletedAuditRows} audit rows and ${r.deletedAttachments} attachments of cancelled cases ${verb} deleted`);
    });
  });

const kindArg = () => new Argument('<kind>', 'what to import or export 数据类型 (a register\'s ledger: disputes)').choices([...KINDS, ...REGISTERS]);
const formatOpt = () => new Option('--format <format>', 'file format, if the extension does not tell').choices(FORMATS);

program
  .command('import')
  .description('import divisions, units, grids or users from JSON, Excel (.xlsx) or GeoJSON 导入区划/单位/网格/用户')
  .addArgument(kindArg())
  .argument('<file>', 'a .json, .xlsx or .geojson file (- for JSON on stdin)')
  .addOption(formatOpt())
  .option('--dry-run', 'validate and write, then roll back: nothing is kept 仅校验')
  .option('--list <name>', 'tasks: the target task list to create or fill 目标任务清单')
  .option('--division <code>', 'tasks: the division of a new list (or of the list, where two share a name)')
  .addHelpText(
    'after',
    `
Rows are inserted or updated by code (username for users). Every row is checked
first; if any is invalid, the errors are listed as "row N, field F: reason" and
nothing is imported (exit code 1). Units may list parents in any order.
Import in this order: divisions, units, users, grids.

Columns (English or Chinese headers; in Excel, lists are comma-separated and a
grid's geometry is GeoJSON text; extra columns are ignored):
${KIND_HELP}

JSON is an array of objects with these fields. Grids may also come as a GeoJSON
FeatureCollection: each feature's properties give the fields, its geometry the boundary.

Examples:
  zhili import divisions divisions.xlsx
  zhili import units units.json
  zhili import grids grids.geojson

Registers' ledgers (.xlsx with the template's Chinese headers; all or nothing):
  zhili import disputes 台账.xlsx
  zhili import tasks --list '市域社会治理现代化试点 2026' --division 430602 目标任务清单.xlsx`,
  )
  .action(async (kind: Kind | string, file: string, o: { format?: Format; dryRun?: boolean; list?: string; division?: string }) => {
    const register = REGISTER_IO[kind];
    if (register) {
      try {
        const r = await withDb((db) => register.importFile(db, file, { list: o.list, division: o.division }));
        console.log(`imported ${r.imported} entries into the ${register.label}`);
      } catch (err) {
        if (err instanceof Problem) throw new CliError(`${file}: ${err.detail}${err.errors.length ? '\n' + err.errors.map((e) => `  ${e.field}: ${e.message}`).join('\n') : ''}`);
        throw err;
      }
      return;
    }
    const format = formatOf(file, o.format);
    if (process.stderr.isTTY && format === 'xlsx') process.stderr.write(`reading ${file} …\r`);
    const table = await readTable(file, { format, kind: kind as Kind });
    if (process.stderr.isTTY && format === 'xlsx') process.stderr.write('\x1b[2K\r');
    if (!table.rows.length) throw new CliError(`${file}: no rows to import`);
    const bar = progressBar(`importing ${kind}`);
    const result = await withDb((db) =>
      importRows(db, kind as Kind, table.rows, {
        rowNumbers: table.rowNumbers,
        ignoreUnknown: table.format !== 'json',
        onProgress: bar.onProgress,
        dryRun: o.dryRun,
      }).finally(() => bar.stop()),
    );
    for (const w of result.warnings) console.error(`warning: ${w}`);
    console.log(result.dryRun ? `checked ${result.count} ${kind}: all valid (dry run, nothing imported)` : `imported ${result.count} ${kind}`);
  });

program
  .command('export')
  .description('export divisions, units, grids or users to JSON, Excel (.xlsx) or GeoJSON 导出')
  .addArgument(kindArg())
  .argument('<file>', 'a .json, .xlsx or .geojson (grids) file, or - for JSON on stdout')
  .addOption(formatOpt())
  .addOption(new Option('--headers <lang>', 'Excel header row: field names (en) or Chinese (zh) 表头语言').choices(['en', 'zh']).default('en'))
  .option('--template', 'a register: write the empty ledger template (headers only) 台账模板')
  .option('--unmasked', 'a register: persons\' names unmasked (audited) 不脱敏')
  .option('--from <date>', 'a register: entries registered from this date (ISO)')
  .option('--to <date>', 'a register: entries registered before this date (ISO)')
  .option('--division <code>', 'a register: entries in this division and below')
  .option('--list <name>', 'tasks: the target task list to export 目标任务清单')
  .addHelpText(
    'after',
    `
The file imports back unchanged (zhili import <kind> <file>). Passwords and their
hashes are never exported. Excel cells hold at most 32767 characters: export grids
with detailed boundaries to .json or .geojson.

Examples:
  zhili export units units.xlsx --headers zh
  zhili export grids grids.geojson
  zhili export users - | jq length
  zhili export disputes --template 台账模板.xlsx
  zhili export disputes --from 2026-01-01 --division 430602 台账.xlsx
  zhili export tasks --list '市域社会治理现代化试点 2026' 目标任务清单.xlsx`,
  )
  .action(async (kind: Kind | string, file: string, o: { format?: Format; headers: 'en' | 'zh'; template?: boolean; unmasked?: boolean; from?: string; to?: string; division?: string; list?: string }) => {
    const register = REGISTER_IO[kind];
    if (register) {
      if (file === '-' || !/\.xlsx$/i.test(file)) throw new CliError('file: a register\'s ledger is written as .xlsx');
      const n = await withDb((db) => register.exportFile(db, file, o));
      console.log(o.template ? `wrote the ${register.label} template to ${file}` : `exported ${n} entries of the ${register.label} to ${file}`);
      return;
    }
    const format = formatOf(file, o.format);
    const rows = await withDb((db) => exportRows(db, kind as Kind));
    await writeTable(file, kind as Kind, rows, { format, headers: o.headers });
    (file === '-' ? console.error : console.log)(`exported ${rows.length} ${kind}${file === '-' ? '' : ` to ${file}`}`);
  });

const calendar = program.command('calendar').description('working calendar 工作日历');
calendar
  .command('days')
  .description('print one line per day, "YYYY-MM-DD work" or "YYYY-MM-DD off", so a year can be checked at a glance')
  .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
  .option('--calendar <name>', 'calendar name (default: the statutory working calendar; "24x7" for the natural one)', 'default')
  .action(async (o: { from: string; to: string; calendar: string }) => {
    const cal = await withDb(async (db) => {
      await db.tx((q) => ensureTimeLimitDefaults(q));
      return loadCalendar(db, o.calendar);
    });
    if (!cal) throw new CliError(`no calendar named ${o.calendar}`);
    let lines: string[];
    try {
      lines = formatCalendarDays(cal, o.from, o.to);
    } catch (err) {
      throw new CliError(`--from/--to: ${(err as Error).message}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  });

registerResponsibilityCommands(program);
registerGazetteerCommands(program);
registerClassifyCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CliError) {
    console.error(`error: ${err.message}`);
    process.exitCode = err.exitCode;
  } else if (err instanceof ImportError) {
    console.error(`error: ${err.errors.length} invalid row${err.errors.length > 1 ? 's' : ''} in ${err.kind}; nothing was imported`);
    for (const e of err.errors.slice(0, 100)) console.error(`  ${formatRowError(e)}`);
    if (err.errors.length > 100) console.error(`  ... and ${err.errors.length - 100} more`);
    process.exitCode = 1;
  } else if (err instanceof Problem) {
    console.error(`error: ${err.errors.length ? err.errors.map((e) => fieldError(e.field, e.message)).join('\n') : err.message}`);
    process.exitCode = 1;
  } else {
    const e = err as Error;
    console.error(process.env.ZHILI_DEBUG ? e?.stack : `error: ${e?.message ?? String(err)}`);
    process.exitCode = 1;
  }
}
