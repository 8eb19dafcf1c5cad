/**
 * No link can exhaust the server: budgets over the whole resolve (bytes over all files and
 * cards, resources, time) and nesting no health record has. Each shape answers `too-large`
 * instead of growing until the process runs out of memory; the peak memory of each is measured
 * in `npm run bench`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ResolveBudget } from '../bots/shl/budget';
import { DEFAULT_LIMITS } from '../bots/shl/platform';
import { isShlError, ShlError } from '../bots/shl/errors';
import { ShlSender } from '../local/shl-sender';
import { createBotHarness, errorCode, ok } from './support/bot';
import { nestedFile, paddedCards, tinyBundle } from './support/exhaustion-shapes';

let sender: ShlSender;

beforeAll(async () => {
  sender = await ShlSender.start();
});

afterAll(async () => {
  await sender.close();
});

async function resolveFiles(
  files: Parameters<ShlSender['createLink']>[0]['files'],
  secrets: Record<string, string> = {}
): Promise<{ code: string | undefined; message: string }> {
  const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host, ...secrets });
  const link = await sender.createLink({ files });
  const output = await bot.resolve(link.shl);
  return { code: errorCode(output), message: 'error' in output ? output.error.message : '' };
}

describe('budgets over the whole resolve', () => {
  test('a small zip file expanding to more resources than one link may hold: too-large before it is parsed', async () => {
    const { code, message } = await resolveFiles([tinyBundle(60_000)], {
      SHL_MAX_RESOURCES: '10000',
    });
    expect(code).toBe('too-large');
    expect(message).toMatch(/more than the 10,000 resources/);
  });

  test('files each under the per-file limit, together over the link total: the rest are not read, and staff are told', async () => {
    const bot = await createBotHarness({
      SHL_ALLOW_HOSTS: sender.host,
      SHL_MAX_TOTAL_BYTES: String(800_000),
      SHL_MAX_FILE_BYTES: String(400_000),
    });
    const file = tinyBundle(3_000);
    const link = await sender.createLink({ files: Array.from({ length: 8 }, () => file) });
    const resolved = ok(await bot.resolve(link.shl));
    const failed = resolved.files.filter((f) => f.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(4);
    expect(failed[0]?.message).toMatch(/files come to more than/);
    expect(resolved.warnings.join(' ')).toMatch(/files could not be read/);
    expect(resolved.resources.length).toBeLessThanOrEqual(4 * 3_000);
  });

  test('resources over all files count together: past 20,000 the rest are not read', async () => {
    const bot = await createBotHarness({ SHL_ALLOW_HOSTS: sender.host });
    const file = tinyBundle(3_000);
    const link = await sender.createLink({ files: Array.from({ length: 8 }, () => file) });
    const resolved = ok(await bot.resolve(link.shl));
    expect(resolved.resources).toHaveLength(18_000);
    expect(resolved.files.filter((f) => f.status === 'failed').map((f) => f.message)).toEqual([
      expect.stringMatching(/more than the 20,000 resources/),
      expect.stringMatching(/more than the 20,000 resources/),
    ]);
  });

  test("a health-card file whose cards each inflate under the file limit, together over the link's total: too-large", async () => {
    const { code } = await resolveFiles([await paddedCards(20, 300_000)], { SHL_MAX_TOTAL_BYTES: String(2_000_000) });
    expect(code).toBe('too-large');
  });

  test('a file nested 100,000 levels deep: too-large with a clear message, no stack overflow', async () => {
    const { code, message } = await resolveFiles([nestedFile(100_000)]);
    expect(code).toBe('too-large');
    expect(message).toMatch(/nested more than 200 levels/);
  });
});

describe('ResolveBudget', () => {
  test('its deadline covers the work after the network: parsing, verification, normalization', () => {
    let now = 1000;
    const budget = new ResolveBudget(DEFAULT_LIMITS, () => now, 2000);
    expect(() => budget.checkTime()).not.toThrow();
    now = 2001;
    let caught: unknown;
    try {
      budget.checkTime();
    } catch (err) {
      caught = err;
    }
    expect(isShlError(caught) && caught.code).toBe('too-large');
  });

  test('bytes left for the next file are the smaller of the per-file limit and what the link has left', () => {
    const budget = new ResolveBudget({ ...DEFAULT_LIMITS, maxFileBytes: 100, maxTotalBytes: 250 }, Date.now, Infinity);
    expect(budget.bytesLeft()).toBe(100);
    budget.spendBytes(200);
    expect(budget.bytesLeft()).toBe(50);
    expect(() => budget.spendBytes(51)).toThrow(/files come to more than/);
  });

  test('a read refused at the cap the link total set names the total; at the per-file cap, its own answer', async () => {
    const budget = new ResolveBudget({ ...DEFAULT_LIMITS, maxFileBytes: 100, maxTotalBytes: 250 }, Date.now, Infinity);
    const caps: number[] = [];
    const tooLarge = (maxBytes: number): Promise<never> => {
      caps.push(maxBytes);
      return Promise.reject(new ShlError('too-large', 'A file in this link inflates to more than the limit.'));
    };
    await expect(budget.readWithin(tooLarge)).rejects.toThrow(/inflates to more than/);
    budget.spendBytes(200);
    await expect(budget.readWithin(tooLarge)).rejects.toThrow(/files come to more than/);
    await expect(budget.readWithin(() => Promise.reject(new ShlError('decrypt-failed', 'altered')))).rejects.toThrow(
      /altered/
    );
    expect(await budget.readWithin((maxBytes) => Promise.resolve(maxBytes))).toBe(50);
    expect(caps).toEqual([100, 50]);
  });
});
