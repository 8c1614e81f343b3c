/**
 * Child of bench/rostering.ts: one bulk OneRoster CSV export of the database given, into a byte counter. Prints
 * `{ms, bytes, maxRssMb}`; its own process, so the peak RSS is the export's and nothing else's.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rosterZip } from '../api/services/roster-export';
import { createDb } from '../db';

async function main(): Promise<void> {
  const db = createDb(process.argv[2]!, { max: 2 });
  let bytes = 0;
  const start = performance.now();
  await pipeline(
    rosterZip(db, { type: 'bulk' }),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  const ms = performance.now() - start;
  await db.destroy();
  // resourceUsage().maxRSS is in kilobytes.
  console.log(JSON.stringify({ ms, bytes, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
