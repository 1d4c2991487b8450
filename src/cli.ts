import { Command } from 'commander';
import { loadConfig } from './platform/config.ts';
import { openDb } from './platform/db.ts';
import { migrate } from './platform/migrate.ts';
import { startServer } from './server.ts';

const program = new Command();
program.name('zhili').description('zhili 治理: 12345 hotline, grid management and 110 linkage in one closed loop');

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
    if (server.demoAccounts.length) {
      const lines = server.demoAccounts.map((a) => `  ${a.username.padEnd(14)} ${a.password.padEnd(12)} ${a.role.padEnd(12)} ${a.displayName}${a.unit ? ` (${a.unit})` : ''}`);
      console.log(`\nDemo accounts (演示账号):\n${lines.join('\n')}\n`);
    }
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
    const db = await openDb(config.databaseUrl);
    const applied = await migrate(db);
    console.log(applied.length ? `applied ${applied.length} migrations:\n${applied.join('\n')}` : 'schema is up to date');
    await db.close();
  });

await program.parseAsync(process.argv);
