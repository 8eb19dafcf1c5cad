/**
 * The bot as `npm run deploy` left it on the real server (global setup): its settings, written
 * before its code; what the deploy said about the project's features; and how runs are recorded:
 * a failed run answers the caller the contract's error and leaves an AuditEvent with a one-line
 * reason, a successful one leaves none (`auditEventTrigger: on-output`: the bot logs that one
 * line only when a run fails).
 */
import type { AuditEvent, Bot, Bundle } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { FEATURES } from '../../scripts/deploy/deploy';
import type { SuiteContext } from './support/context';
import { suiteContext } from './support/context';
import { runOk } from './support/server';

let ctx: SuiteContext;

beforeAll(async () => {
  ctx = await suiteContext();
});

afterAll(async () => {
  await ctx.close();
});

/** POSTs to `Bot/{id}/$execute` as the admin client, with a trace id to find the run's AuditEvent. */
async function execute(input: unknown): Promise<{ status: number; body: unknown; traceId: string }> {
  const traceId = randomUUID();
  const response = await fetch(ctx.admin.fhirUrl('Bot', ctx.botId, '$execute'), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ctx.admin.getAccessToken() ?? ''}`,
      'content-type': 'application/json',
      'x-trace-id': traceId,
    },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as unknown, traceId };
}

/** The Binary an attachment URL names (the server presigns them as `storage/<id>/...` on read). */
function binaryOf(url: string | undefined): string | undefined {
  return /(?:Binary|storage)\/([0-9a-f-]{36})/.exec(url ?? '')?.[1];
}

/** The AuditEvents the run with this trace id left. */
async function auditEventsOf(traceId: string): Promise<AuditEvent[]> {
  const events = await ctx.admin.searchResources('AuditEvent', {
    entity: `Bot/${ctx.botId}`,
    _sort: '-_lastUpdated',
    _count: '50',
  });
  return events.filter((e) =>
    e.extension?.some((x) => x.extension?.some((sub) => sub.url === 'traceId' && sub.valueId === traceId))
  );
}

describe('the deployed Bot', () => {
  test('vmcontext, timeout >= 45 s, runAsUser, audit of failed runs, the identifier; a cron schedule iff the project has cron', async () => {
    const bot = await ctx.admin.readResource('Bot', ctx.botId);
    expect(bot).toMatchObject({ runtimeVersion: 'vmcontext', runAsUser: true, auditEventTrigger: 'on-output' });
    expect(bot.timeout).toBeGreaterThanOrEqual(45);
    expect(bot.identifier).toContainEqual({ system: 'https://smarthealthit.org/shl-import/bot', value: 'shl-import' });
    expect(binaryOf(bot.executableCode?.url)).toBeDefined();
    expect(bot.sourceCode?.title).toBe('shl-import.ts');
    if (inject('featuresAtStart').includes('cron')) {
      expect(bot.cronString).toMatch(/^\S+( \S+){4}$/);
    }
  });

  test('its settings were in place before its code (the first code too, when this run created the Bot)', async () => {
    const bot = await ctx.admin.readResource('Bot', ctx.botId);
    const history = await ctx.admin.get<Bundle<Bot>>(
      ctx.admin.fhirUrl('Bot', ctx.botId, '_history').toString() + '?_count=1000'
    );
    // Newest first; the oldest version holding some code is the one the first $deploy wrote.
    const versions = (history.entry ?? []).map((e) => e.resource).filter((b): b is Bot => b !== undefined);
    const code = binaryOf(bot.executableCode?.url);
    const deployed = [versions.filter((b) => binaryOf(b.executableCode?.url) === code).at(-1)];
    if (inject('deployOutput').includes(`Created Bot/${ctx.botId}`)) {
      deployed.push(versions.filter((b) => b.executableCode).at(-1));
    }
    for (const version of deployed) {
      expect(version?.timeout).toBeGreaterThanOrEqual(45);
      expect(version).toMatchObject({ runtimeVersion: 'vmcontext', runAsUser: true, auditEventTrigger: 'on-output' });
    }
  });

  test("the deploy said which of the project's features are missing, and what each gives", () => {
    const output = inject('deployOutput');
    const features = inject('featuresAtStart');
    for (const [feature, { gives }] of Object.entries(FEATURES)) {
      const line = `Project feature "${feature}" is missing: with it, ${gives}.`;
      if (features.includes(feature)) {
        expect(output).not.toContain(line);
      } else {
        expect(output).toContain(line);
      }
    }
  });
});

describe('runs and their record', () => {
  test('public-key: a P-256 key without its private part; a successful run leaves no AuditEvent', async () => {
    const { status, body, traceId } = await execute({ operation: 'public-key' });
    expect(status).toBe(200);
    const { jwk } = body as { jwk: Record<string, string> };
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES' });
    expect(jwk.kid).toMatch(/^[\w-]{43}$/);
    expect(jwk).not.toHaveProperty('d');
    expect(await auditEventsOf(traceId)).toEqual([]);
    // The same through the client the pages use.
    expect(await runOk(ctx.admin, ctx.botId, { operation: 'public-key' })).toEqual({ jwk });
  });

  test("a failed run: the contract's error for the caller, and an AuditEvent whose reason is one line", async () => {
    const link = await ctx.sender.createLink({ files: [{ content: '{}', contentType: 'application/fhir+json' }] });
    const { status, body, traceId } = await execute({ operation: 'resolve', shl: link.shl });
    expect(status).toBe(200);
    expect(body).toEqual({
      error: { code: 'sealing-required', message: expect.stringMatching(/sealed to the bot's public key/) as unknown },
    });
    const [event, ...others] = await auditEventsOf(traceId);
    expect(others).toEqual([]);
    expect((event?.outcomeDesc ?? '').trim().split('\n')).toEqual(['import bot: resolve failed: sealing-required']);
    expect(JSON.stringify(event)).not.toContain(link.key);
  });
});
