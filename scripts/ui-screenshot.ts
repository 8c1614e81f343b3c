import { Client, Connection } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { loadConfig } from '../runtime/config';

const usage = `Opens a workflow in the local Temporal Web UI (started by \`npm start\`) in headless Chromium, checks that
its payloads show decoded (the input, and the newest step submission opened in the event history), and saves a
screenshot.

  npx tsx scripts/ui-screenshot.ts [--workflow ID] [--out FILE.png] [--expect TEXT]

  --workflow  the workflow id (default: the most recently started enrollment)
  --out       where to save the PNG (default: ui-<workflow id>.png)
  --expect    text that must appear once payloads are decoded (default: "firstName", from a step's data)
  Chromium:   CHROMIUM_PATH, else /usr/bin/chromium (Debian: apt-get install -y chromium)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workflow: { type: 'string' },
      out: { type: 'string' },
      expect: { type: 'string', default: 'firstName' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const config = loadConfig();
  const uiUrl = `http://127.0.0.1:${config.temporal.uiPort}`;
  const connection = await Connection.connect({
    address: config.temporal.address ?? `127.0.0.1:${config.temporal.port}`,
  });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  let workflowId = values.workflow;
  let runId: string | undefined;
  try {
    if (!workflowId) {
      for await (const wf of client.workflow.list({ query: `WorkflowType = 'enrollmentWorkflow'` })) {
        workflowId = wf.workflowId;
        runId = wf.runId;
        break;
      }
      if (!workflowId) throw new Error('no enrollment workflow found; start one or pass --workflow');
    }
    runId ??= (await client.workflow.getHandle(workflowId).describe()).runId;
  } finally {
    await connection.close();
  }

  const pageUrl = `${uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
  const out = values.out ?? `ui-${workflowId}.png`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 2000 } });
    const codecCalls: string[] = [];
    page.on('response', (response) => {
      if (/\/codec\/(decode|encode)$/.test(response.url())) codecCalls.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(pageUrl, { waitUntil: 'networkidle' });
    // Step data travels in updates: open the newest submission so its decoded input is on screen.
    const submission = page.getByText('Workflow Execution Update Accepted').first();
    if (await submission.isVisible()) {
      await submission.click();
      await page.waitForLoadState('networkidle');
    }
    const decoded = await page
      .getByText(values.expect!, { exact: false })
      .first()
      .waitFor({ timeout: 20_000 })
      .then(() => true)
      .catch(() => false);
    await page.screenshot({ path: out, fullPage: true });
    const text = await page.innerText('body');
    console.log(`page        ${pageUrl}`);
    const failedCalls = codecCalls.filter((c) => !c.startsWith('200 '));
    console.log(
      `codec calls ${codecCalls.length}${failedCalls.length ? `, failed: ${failedCalls.join(', ')}` : ', all 200'}`,
    );
    console.log(
      `decoded     ${decoded ? `yes: "${values.expect}" is on the page` : `no: "${values.expect}" never appeared`}`,
    );
    console.log(`ciphertext  ${text.includes('binary/encrypted') ? 'still shown somewhere' : 'none shown'}`);
    console.log(`screenshot  ${out}`);
    if (!decoded) process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
