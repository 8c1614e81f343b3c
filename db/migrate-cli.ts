import { createDb } from '.';
import { migrateDown, migrateToLatest } from './migrate';
import { loadConfig } from '../runtime/config';
import { startPostgres } from '../runtime/postgres';

/** `npm run db:migrate` applies every pending migration; `-- down [N|all]` rolls back (default one). */
async function main(): Promise<void> {
  const [command = 'up', arg] = process.argv.slice(2);
  const config = loadConfig();
  const postgres = await startPostgres({
    url: config.database.url,
    dataDir: config.dataDir,
    port: config.database.embeddedPort,
  });
  const db = createDb(postgres.url, { max: 2 });
  try {
    if (command === 'up') {
      const applied = await migrateToLatest(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    } else if (command === 'down') {
      const steps = arg === 'all' ? 'all' : Number(arg ?? 1);
      if (steps !== 'all' && (!Number.isInteger(steps) || steps < 1)) throw new Error('usage: db:migrate down [N|all]');
      const reverted = await migrateDown(db, steps);
      console.log(reverted.length ? `reverted: ${reverted.join(', ')}` : 'nothing to revert');
    } else {
      throw new Error(`unknown command "${command}": use up or down [N|all]`);
    }
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
